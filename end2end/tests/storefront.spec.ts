import { test, expect, type Page } from "@playwright/test";

// Fails the test on any console error or uncaught exception in the page.
function watchConsole(page: Page): string[] {
  const problems: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") problems.push(`console: ${msg.text()}`);
  });
  page.on("pageerror", (err) => problems.push(`pageerror: ${err.message}`));
  page.on("response", (res) => {
    if (res.url().includes("/pkg/") && res.status() >= 400) problems.push(`asset ${res.status()}: ${res.url()}`);
  });
  return problems;
}

test("home page lists the seeded active products and hides drafts", async ({ page }) => {
  const problems = watchConsole(page);
  const response = await page.goto("/");
  expect(response?.status()).toBe(200);
  await expect(page.getByRole("heading", { level: 1, name: "New arrivals" })).toBeVisible();
  const cards = page.locator(".product-card");
  await expect(cards).toHaveCount(11);
  await expect(page.getByRole("link", { name: /Linen Shirt/ })).toBeVisible();
  await expect(page.getByText("Travel Prayer Mat")).toHaveCount(0);
  await expect(page.locator(".product-card", { hasText: "Oud Candle" })).toContainText("Sold out");
  expect(problems).toEqual([]);
});

test("a product page opens from the listing and the stepper works after hydration", async ({ page }) => {
  const problems = watchConsole(page);
  const wasm = page.waitForResponse((r) => r.url().includes("/pkg/") && r.url().endsWith(".wasm"));
  await page.goto("/");
  await page.getByRole("link", { name: /Linen Shirt/ }).click();
  await expect(page).toHaveURL(/\/products\/linen-shirt$/);
  await expect(page.getByRole("heading", { level: 1, name: "Linen Shirt" })).toBeVisible();
  await expect(page.locator(".price").first()).toHaveText("AED 149.00");
  await expect(page).toHaveTitle(/^Linen Shirt · /);
  expect((await wasm).status()).toBe(200);

  // The island marks itself once hydrated; until then its buttons would do nothing.
  await expect(page.locator(".quantity[data-hydrated='true']")).toHaveCount(1);
  const input = page.getByLabel("Quantity", { exact: true });
  const more = page.getByRole("button", { name: "Increase quantity" });
  const less = page.getByRole("button", { name: "Decrease quantity" });
  await expect(input).toHaveValue("1");
  await expect(less).toBeDisabled();
  await more.click();
  await more.click();
  await expect(input).toHaveValue("3");
  await less.click();
  await expect(input).toHaveValue("2");
  expect(problems).toEqual([]);
});

test("the stepper stops at the stock available", async ({ page }) => {
  const problems = watchConsole(page);
  await page.goto("/products/leather-sandals"); // 3 in stock
  await expect(page.locator(".quantity[data-hydrated='true']")).toHaveCount(1);
  const more = page.getByRole("button", { name: "Increase quantity" });
  for (let i = 0; i < 2; i++) await more.click();
  await expect(page.getByLabel("Quantity", { exact: true })).toHaveValue("3");
  await expect(more).toBeDisabled();
  // Typing past the limit is clamped back.
  await page.getByLabel("Quantity", { exact: true }).fill("99");
  await page.getByLabel("Quantity", { exact: true }).blur();
  await expect(page.getByLabel("Quantity", { exact: true })).toHaveValue("3");
  expect(problems).toEqual([]);
});

test("unknown products and pages answer a real 404 page", async ({ page }) => {
  for (const path of ["/products/no-such-thing", "/products/prayer-mat", "/no/such/page"]) {
    const response = await page.goto(path);
    expect(response?.status(), path).toBe(404);
    await expect(page.getByRole("heading", { level: 1, name: "Page not found" })).toBeVisible();
  }
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("pages render and the quantity is a plain input", async ({ page }) => {
    await page.goto("/");
    await page.getByRole("link", { name: /Ceramic Mug/ }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Ceramic Mug" })).toBeVisible();
    await expect(page.getByLabel("Quantity", { exact: true })).toHaveValue("1");
    await expect(page.getByRole("button", { name: "Increase quantity" })).toBeHidden();
  });
});
