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

const hydrated = (page: Page) => expect(page.locator(".variant-picker[data-hydrated='true']")).toHaveCount(1);
const quantity = (page: Page) => page.getByLabel("Quantity", { exact: true });

test("home page shows featured products, new arrivals and categories, not drafts", async ({ page }) => {
  const problems = watchConsole(page);
  const response = await page.goto("/");
  expect(response?.status()).toBe(200);
  await expect(page.getByRole("heading", { level: 2, name: "New arrivals" })).toBeVisible();
  await expect(page.getByRole("heading", { level: 2, name: "Featured" })).toBeVisible();
  await expect(page.locator(".shelf").last().locator(".product-card")).toHaveCount(8);
  await expect(page.getByRole("navigation", { name: "Categories" }).getByRole("link", { name: "Clothing" })).toBeVisible();
  await expect(page.getByText("Travel Prayer Mat")).toHaveCount(0);
  await expect(page.locator(".product-card", { hasText: "Oud Candle" }).first()).toContainText("Sold out");
  expect(problems).toEqual([]);
});

test("browse a category, filter it, open a product and choose a variant", async ({ page }) => {
  const problems = watchConsole(page);
  await page.goto("/");
  await page.getByRole("navigation", { name: "Categories" }).getByRole("link", { name: "Clothing" }).click();
  await expect(page).toHaveURL(/\/collections\/clothing$/);
  await expect(page.getByRole("heading", { level: 1, name: "Clothing" })).toBeVisible();

  // A facet link narrows the listing and records it in the URL.
  await page.locator(".facet a", { hasText: /^linen \(\d+\)$/ }).click();
  await expect(page).toHaveURL(/f\.material=linen/);
  const names = await page.locator(".product-card .product-name").allTextContents();
  expect(names.length).toBeGreaterThan(0);
  for (const name of names) expect(name.toLowerCase()).toContain("linen");

  const wasm = page.waitForResponse((r) => r.url().includes("/pkg/") && r.url().endsWith(".wasm"));
  await page.getByRole("link", { name: /Linen Shirt/ }).first().click();
  await expect(page).toHaveURL(/\/products\/linen-shirt$/);
  await expect(page.getByRole("heading", { level: 1, name: "Linen Shirt" })).toBeVisible();
  await expect(page.locator(".variant-picker .amount")).toHaveText("AED 149.00");
  expect((await wasm).status()).toBe(200);
  await hydrated(page);

  // The product picture has loaded (a real image, not a broken icon).
  const picture = page.locator(".gallery .slides img").first();
  await expect(picture).toBeVisible();
  expect(await picture.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);

  // XL costs more; XL in White is sold out; XL in Sand has 4.
  await page.getByText("XL", { exact: true }).click();
  await expect(page.locator(".variant-picker .amount")).toHaveText("AED 159.00");
  await expect(page.locator(".variant-picker .stock")).toHaveText("Sold out");
  await expect(quantity(page)).toBeHidden();
  await page.getByText("Sand", { exact: true }).click();
  await expect(page.locator(".variant-picker .stock")).toHaveText("Only a few left");
  await expect(page).toHaveURL(/variant=DK-LINEN-SHIRT-XL-SAND/);
  await expect(quantity(page)).toBeVisible();
  // The gallery brings the colour's picture into view.
  await expect(page.locator('.slides img[alt="Linen Shirt in Sand"]')).toBeInViewport({ ratio: 0.9 });
  expect(problems).toEqual([]);
});

test("the quantity stays within the chosen variant's stock", async ({ page }) => {
  const problems = watchConsole(page);
  await page.goto("/products/leather-sandals"); // size 40: 3 left, 42: 2 left
  await hydrated(page);
  const more = page.getByRole("button", { name: "Increase quantity" });
  const less = page.getByRole("button", { name: "Decrease quantity" });
  await expect(quantity(page)).toHaveValue("1");
  await expect(less).toBeDisabled();
  await more.click();
  await more.click();
  await expect(quantity(page)).toHaveValue("3");
  await expect(more).toBeDisabled();
  await page.getByText("42", { exact: true }).click();
  await expect(quantity(page)).toHaveValue("2");
  await quantity(page).fill("99");
  await quantity(page).blur();
  await expect(quantity(page)).toHaveValue("2");
  expect(problems).toEqual([]);
});

test("search from the header, misspelt, finds the product and filters the results", async ({ page }) => {
  const problems = watchConsole(page);
  await page.goto("/");
  const box = page.getByRole("search").getByLabel("Search products");
  await box.fill("linnen shirt");
  await box.press("Enter");
  await expect(page).toHaveURL(/\/search\?q=linnen\+shirt$/);
  await expect(page.locator(".corrected")).toContainText("Showing results for linen shirt");
  const first = page.locator(".product-card").first();
  await expect(first.locator("mark").first()).toHaveText("Linen");
  // The category facet narrows the results and keeps the query.
  await page.locator(".facet a", { hasText: /^Shirts \(\d+\)$/ }).click();
  await expect(page).toHaveURL(/q=linen(%20|\+)shirt&category=shirts/);
  // Best match first: the product named exactly so, whose description also says linen.
  const best = page.locator(".product-card").first();
  await expect(best.locator("h3")).toHaveText("Linen Shirt");
  await best.locator("a").click();
  await expect(page).toHaveURL(/\/products\/linen-shirt$/);
  await hydrated(page);
  expect(problems).toEqual([]);
});

test("the header offers products as you type, misspelt, and opens the one picked", async ({ page }) => {
  const problems = watchConsole(page);
  const asked: string[] = [];
  page.on("request", (req) => {
    if (req.url().includes("/search/suggest")) asked.push(req.url());
  });
  await page.goto("/collections/clothing");
  await expect(page.locator(".site-search[data-hydrated='true']")).toHaveCount(1);
  const box = page.getByRole("combobox", { name: "Search products" });
  const offers = page.getByRole("listbox", { name: "Suggestions" });

  // Typed key by key, faster than the debounce: one request, not one per key.
  await box.pressSequentially("linnen shi", { delay: 20 });
  await expect(offers.getByRole("option").first()).toContainText("Linen Shirt");
  await expect(box).toHaveAttribute("aria-expanded", "true");
  expect(asked.length).toBeLessThanOrEqual(2);
  expect(asked.at(-1)).toContain("q=linnen%20shi");

  // Keyboard: down to the first offer, Enter opens it.
  await box.press("ArrowDown");
  await expect(box).toHaveAttribute("aria-activedescendant", "site-search-option-0");
  await expect(offers.getByRole("option").first()).toHaveAttribute("aria-selected", "true");
  await box.press("Enter");
  await expect(page).toHaveURL(/\/products\/linen-shirt$/);
  await hydrated(page);

  // Escape closes the list; a click on an offer opens it.
  const again = page.getByRole("combobox", { name: "Search products" });
  await again.pressSequentially("sandels");
  await expect(offers.getByRole("option").first()).toContainText("Leather Sandals");
  await again.press("Escape");
  await expect(offers).toBeHidden();
  await expect(again).toHaveAttribute("aria-expanded", "false");
  // (Escape also empties a search field in Chromium.)
  await again.fill("");
  await again.pressSequentially("sandels");
  await expect(offers.getByRole("option").first()).toContainText("Leather Sandals");
  await offers.getByRole("option").first().click();
  await expect(page).toHaveURL(/\/products\/leather-sandals$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Leather Sandals");
  expect(problems).toEqual([]);
});

test("unknown products, categories and pages answer a real 404 page", async ({ page }) => {
  for (const path of ["/products/no-such-thing", "/products/prayer-mat", "/collections/nope", "/no/such/page"]) {
    const response = await page.goto(path);
    expect(response?.status(), path).toBe(404);
    await expect(page.getByRole("heading", { level: 1, name: "Page not found" })).toBeVisible();
  }
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the variant picker is a form that reloads on the chosen variant", async ({ page }) => {
    await page.goto("/");
    await page.getByRole("link", { name: /Leather Sandals/ }).first().click();
    await expect(page.getByRole("heading", { level: 1, name: "Leather Sandals" })).toBeVisible();
    await expect(quantity(page)).toHaveValue("1");
    await expect(page.getByRole("button", { name: "Increase quantity" })).toBeHidden();
    await page.getByText("42", { exact: true }).click();
    await page.getByRole("button", { name: "Show this option" }).click();
    await expect(page).toHaveURL(/Size=42/);
    await expect(page.getByRole("radio", { name: "42" })).toBeChecked();
    await expect(quantity(page)).toHaveAttribute("max", "2");
  });

  test("collection filters and sort work as a plain form", async ({ page }) => {
    await page.goto("/collections/clothing");
    await page.getByLabel("Sort by").selectOption("price-asc");
    await page.getByLabel("In stock only").check();
    await page.getByRole("button", { name: "Apply" }).click();
    await expect(page).toHaveURL(/sort=price-asc/);
    await expect(page).toHaveURL(/in_stock=1/);
    const prices = await page.locator(".product-card .price").allTextContents();
    const amounts = prices.map((p) => Number(p.replace(/[^0-9.]/g, "")));
    expect(amounts.length).toBeGreaterThan(1);
    expect([...amounts].sort((a, b) => a - b)).toEqual(amounts);
    await expect(page.locator(".product-card .stock", { hasText: "Sold out" })).toHaveCount(0);
  });
});
