import { test, expect } from "@playwright/test";
import { mailTo, watchConsole } from "./helpers";

test("a guest buys two products with cash on delivery and gets the confirmation", async ({ page }) => {
  const problems = watchConsole(page);
  const email = `guest.${Date.now()}@example.com`;

  // Two products into the cart from their pages (the picker island is hydrated first).
  await page.goto("/products/chitenge-tote");
  await expect(page.locator(".variant-picker")).toHaveAttribute("data-hydrated", "true");
  await page.getByRole("button", { name: "Add to cart" }).click();
  await expect(page).toHaveURL(/\/cart\?done=added$/);
  await expect(page.getByRole("status")).toHaveText("Added to your cart.");
  await expect(page.locator(".cart-count")).toHaveText("1");

  await page.goto("/products/woven-basket");
  await expect(page.locator(".variant-picker")).toHaveAttribute("data-hydrated", "true");
  await page.getByRole("button", { name: "Increase quantity" }).click();
  await page.getByRole("button", { name: "Add to cart" }).click();
  await expect(page.locator(".cart-count")).toHaveText("3");
  await expect(page.locator(".line-card")).toHaveCount(2);
  // 65.00 + 2 × 79.00
  await expect(page.locator(".summary-card .totals")).toContainText("223.00");

  await page.getByRole("link", { name: "Check out" }).click();
  await expect(page).toHaveURL(/\/checkout$/);
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByLabel("Full name", { exact: true }).fill("Layla Haddad");
  await page.getByLabel("Street address", { exact: true }).fill("12 Al Wasl Road");
  await page.getByLabel("City", { exact: true }).fill("Dubai");
  await page.getByRole("combobox", { name: /^Country/ }).selectOption("AE");
  await page.getByRole("button", { name: "Continue" }).click();

  // Above AED 200 standard delivery is free; prices include 5 % VAT.
  await expect(page.getByText("Standard delivery (2–3 days) · Free")).toBeVisible();
  await expect(page.locator("#payment .totals dd.grand")).toContainText("223.00");
  await expect(page.locator("#payment .totals")).toContainText("Including VAT (5%)");
  await page.getByRole("button", { name: "Place order" }).click();

  await expect(page).toHaveURL(/\/orders\/\d+\?key=/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(/^Order \d+$/);
  await expect(page.getByRole("status")).toContainText("Your order is placed");
  await expect(page.locator(".order-status")).toContainText("Confirmed");
  await expect(page.locator(".cart-count")).toHaveCount(0);
  const number = (await page.getByRole("heading", { level: 1 }).textContent())!.replace("Order ", "");

  // Reloading the confirmation works (the key is in the link); the email carries the link.
  await page.reload();
  await expect(page.locator(".order-status")).toContainText("Confirmed");
  const message = await mailTo(email);
  expect(message).toContain(`Subject: Order ${number} confirmed`);
  expect(message).toContain("Chitenge Tote");
  expect(message).toMatch(new RegExp(`/orders/${number}\\?key=[A-Za-z0-9_-]+`));

  expect(problems).toEqual([]);

  // Without the key the order is not found (the browser logs that 404, which is the point);
  // the lookup form opens it with email and number.
  const missing = await page.goto(`/orders/${number}`);
  expect(missing?.status()).toBe(404);
  problems.length = 0;
  await page.goto("/orders/find");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Order number").fill(number);
  await page.getByRole("button", { name: "Find my order" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(`Order ${number}`);
  expect(problems).toEqual([]);
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("adding to the cart is a plain form post", async ({ page }) => {
    await page.goto("/products/woven-basket");
    await page.getByRole("button", { name: "Add to cart" }).click();
    await expect(page).toHaveURL(/\/cart\?done=added$/);
    await expect(page.locator(".line-card")).toHaveCount(1);
    await page.getByRole("button", { name: "Remove" }).click();
    await expect(page.getByText("Your cart is empty.")).toBeVisible();
  });
});
