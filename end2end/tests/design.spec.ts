import { test, expect, type Page, type Locator } from "@playwright/test";
import { expectFits, expectNoOverflow, watchConsole } from "./helpers";

// The storefront on a phone: nothing wider than the screen, the buying path within reach,
// a refused checkout step that keeps every value, and a journey done with the keyboard alone.

const phone = { width: 390, height: 844 };

// Puts one item in the cart (a plain form post, so it works before hydration too).
async function addToCart(page: Page, slug = "woven-basket") {
  await page.goto(`/products/${slug}`);
  await page.getByRole("button", { name: "Add to cart" }).click();
  await expect(page).toHaveURL(/\/cart\?done=added$/);
}

for (const width of [320, 390]) {
  test(`no page is wider than a ${width} px screen`, async ({ page }) => {
    const pages = [
      "/",
      "/collections/clothing",
      "/collections/clothing?sort=price-desc&in_stock=1",
      "/products/linen-shirt",
      "/products/copper-coffee-pot",
      "/search?q=linen",
      "/search?q=zzzzqqq",
      "/pages/about",
      "/pages/returns",
      "/orders/find",
      "/account/sign-in",
      "/account/register",
      "/admin/sign-in",
      "/no-such-page",
    ];
    await expectNoOverflow(page, pages, [width]);
    // The cart and checkout, with something in them.
    await addToCart(page, "linen-shirt");
    await expectNoOverflow(page, ["/cart", "/checkout"], [width]);
    await page.setViewportSize({ width, height: 800 });
    // The menu opens without overflowing either.
    await page.goto("/");
    await page.locator(".menu summary").click();
    await expect(page.getByRole("navigation", { name: "Menu" }).getByRole("link", { name: "Clothing" })).toBeVisible();
    await expectFits(page, "/ with the menu open");
  });
}

test("a shopper's journey on a phone, with screenshots", async ({ page }, info) => {
  const problems = watchConsole(page);
  await page.setViewportSize(phone);
  const shot = (name: string) => page.screenshot({ path: info.outputPath(`${name}.png`), fullPage: true });

  await page.goto("/");
  await expect(page.locator(".logo")).toBeVisible();
  await shot("1-home");

  await page.goto("/products/linen-shirt");
  await expect(page.locator(".variant-picker[data-hydrated='true']")).toHaveCount(1);
  // The add-to-cart button is big and on screen without scrolling.
  const add = page.getByRole("button", { name: "Add to cart" });
  const box = (await add.boundingBox())!;
  expect(box.height).toBeGreaterThanOrEqual(44);
  expect(box.width).toBeGreaterThanOrEqual(200);
  expect(box.y + box.height).toBeLessThanOrEqual(phone.height);
  await shot("2-product");
  await add.click();

  await expect(page).toHaveURL(/\/cart\?done=added$/);
  await expect(page.getByRole("status")).toHaveText("Added to your cart.");
  // A toast over the page, which the next tap goes through.
  await expect(page.getByRole("status")).toHaveCSS("position", "fixed");
  await expect(page.getByRole("status")).toHaveCSS("pointer-events", "none");
  await expect(page.locator(".line-card")).toHaveCount(1);
  await expect(page.locator(".delivery-note")).toContainText("Delivery from AED 15.00");
  // The stepper adds one more without typing.
  await page.getByRole("button", { name: "One more Linen Shirt" }).click();
  await expect(page.locator(".line-card input[name=quantity]")).toHaveValue("2");
  await shot("3-cart");

  await page.getByRole("link", { name: "Check out" }).click();
  await expect(page.getByText("We deliver to United Arab Emirates.")).toBeVisible();
  await page.getByLabel("Email", { exact: true }).fill(`phone.${Date.now()}@example.com`);
  await page.getByLabel("Full name", { exact: true }).fill("Amina Al Hashimi");
  await page.getByLabel("Street address", { exact: true }).fill("Villa 12, Street 4, Jumeirah");
  await page.getByLabel("City", { exact: true }).fill("Dubai");
  await page.getByRole("combobox", { name: /^Country/ }).selectOption("AE");
  await shot("4-checkout-details");
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByRole("button", { name: "Place order" })).toBeVisible();
  await shot("5-checkout-payment");
  await page.getByRole("button", { name: "Place order" }).click();

  await expect(page).toHaveURL(/\/orders\/\d+\?key=/);
  await expect(page.getByRole("list", { name: "Order progress" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Need help?" })).toBeVisible();
  await expectFits(page, "the order page");
  await shot("6-order");
  expect(problems).toEqual([]);
});

test("a refused checkout step keeps everything typed, with the error under its field", async ({ page }) => {
  await addToCart(page);
  await page.goto("/checkout");
  const email = `typo.${Date.now()}@example.com`;
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByLabel("Full name", { exact: true }).fill("Layla Haddad");
  await page.getByLabel("Phone (optional)").fill("12");
  await page.getByLabel("Street address", { exact: true }).fill("12 Al Wasl Road");
  await page.getByLabel("Apartment, building (optional)").fill("Flat 3");
  await page.getByLabel("City", { exact: true }).fill("Dubai");
  await page.getByRole("combobox", { name: /^Country/ }).selectOption("AE");
  await page.getByRole("button", { name: "Continue" }).click();

  // Back on the checkout, the URL clean, the error under the phone field, nothing lost.
  await expect(page).toHaveURL(/\/checkout(#details)?$/);
  const phoneField = page.getByLabel("Phone (optional)");
  await expect(phoneField).toHaveAttribute("aria-invalid", "true");
  await expect(page.locator("#address-phone-error")).toContainText("6 to 15 digits");
  await expect(phoneField).toHaveValue("12");
  await expect(page.getByLabel("Email", { exact: true })).toHaveValue(email);
  await expect(page.getByLabel("Full name", { exact: true })).toHaveValue("Layla Haddad");
  await expect(page.getByLabel("Street address", { exact: true })).toHaveValue("12 Al Wasl Road");
  await expect(page.getByLabel("Apartment, building (optional)")).toHaveValue("Flat 3");
  await expect(page.getByLabel("City", { exact: true })).toHaveValue("Dubai");
  await expect(page.getByRole("combobox", { name: /^Country/ })).toHaveValue("AE");

  // Fixing the one field goes on to payment.
  await phoneField.fill("+971 50 123 4567");
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByRole("button", { name: "Place order" })).toBeVisible();
  await expect(page.locator("[aria-invalid=true]")).toHaveCount(0);
});

// Presses Tab until `target` has the focus (at most `limit` times): it is reachable by keyboard.
async function tabTo(page: Page, target: Locator, limit = 80) {
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press("Tab");
    if (await target.evaluate((el) => el === document.activeElement)) return;
  }
  throw new Error(`could not reach ${target} with Tab`);
}

test("a whole order with the keyboard alone", async ({ page }) => {
  await page.goto("/products/woven-basket");
  await expect(page.locator(".variant-picker[data-hydrated='true']")).toHaveCount(1);
  await tabTo(page, page.getByRole("button", { name: "Add to cart" }));
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/cart\?done=added$/);

  await tabTo(page, page.getByRole("link", { name: "Check out" }));
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/checkout$/);

  const fields: [Locator, string][] = [
    [page.getByLabel("Email", { exact: true }), `keys.${Date.now()}@example.com`],
    [page.getByLabel("Full name", { exact: true }), "Keyboard Shopper"],
    [page.getByLabel("Street address", { exact: true }), "1 Tab Street"],
    [page.getByLabel("City", { exact: true }), "Dubai"],
  ];
  for (const [field, text] of fields) {
    await tabTo(page, field);
    await page.keyboard.type(text);
  }
  await tabTo(page, page.getByRole("combobox", { name: /^Country/ }));
  await page.keyboard.type("United Arab");
  await tabTo(page, page.getByRole("button", { name: "Continue" }));
  await page.keyboard.press("Enter");

  await tabTo(page, page.getByRole("button", { name: "Place order" }));
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/orders\/\d+\?key=/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(/^Order \d+$/);
});

test("the shop's pages are in the footer and open", async ({ page }) => {
  await page.goto("/");
  const footer = page.getByRole("navigation", { name: "Footer" });
  for (const name of ["About us", "Contact us", "Delivery", "Returns and refunds", "Privacy policy", "Terms of service"]) {
    await expect(footer.getByRole("link", { name })).toBeVisible();
  }
  await footer.getByRole("link", { name: "Returns and refunds" }).click();
  await expect(page).toHaveURL(/\/pages\/returns$/);
  await expect(page.getByRole("heading", { level: 1, name: "Returns and refunds" })).toBeVisible();
  await expect(page.getByRole("heading", { level: 2, name: "How to return" })).toBeVisible();
});
