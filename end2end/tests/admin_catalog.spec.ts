import { test, expect, type Page } from "@playwright/test";
import { mailTo, totp, watchConsole } from "./helpers";

// Runs after accounts.spec.ts (one worker, files in order), where the owner adds
// catalog@duka.test as a catalog manager.

const password = "Bustani-Ya-Tende-2026";

// Every request the page makes whose path is an admin island's WASM chunk.
function adminChunks(page: Page): string[] {
  const seen: string[] = [];
  page.on("request", (r) => {
    const path = new URL(r.url()).pathname;
    if (/\/pkg\/split_product_fields/.test(path)) seen.push(path);
  });
  return seen;
}

test("a storefront page never loads an admin chunk", async ({ page }) => {
  const chunks = adminChunks(page);
  for (const path of ["/", "/search?q=dates", "/cart", "/account/sign-in"]) {
    await page.goto(path);
    await page.waitForLoadState("networkidle");
  }
  await page.goto("/");
  await page.locator("a[href^='/products/']").first().click();
  await page.waitForLoadState("networkidle");
  expect(chunks).toEqual([]);
});

test("a catalog manager signs in with TOTP, creates a product, publishes it and reprices it", async ({ page }) => {
  const problems = watchConsole(page);
  const chunks = adminChunks(page);

  // The set-password link from the owner's invitation.
  const message = await mailTo("catalog@duka.test");
  const link = message.match(/(https?:\/\/\S+\/account\/reset-password\?token=[A-Za-z0-9_-]+)/)?.[1];
  expect(link).toBeTruthy();
  await page.goto(new URL(link!).pathname + new URL(link!).search);
  await page.getByLabel("New password").fill(password);
  await page.getByRole("button", { name: "Save the new password" }).click();

  await page.goto("/admin/sign-in");
  await page.getByLabel("Email").fill("catalog@duka.test");
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page).toHaveURL(/\/admin\/enrol$/);
  const secret = (await page.locator(".totp-secret").innerText()).trim();
  await page.getByLabel("Code from the app").fill(totp(secret));
  await page.getByRole("button", { name: "Turn on and continue" }).click();
  await expect(page).toHaveURL(/\/admin$/);
  await expect(page.getByText("catalog@duka.test · Catalog manager")).toBeVisible();

  await page.getByRole("link", { name: "Products" }).click();
  await expect(page).toHaveURL(/\/admin\/products$/);
  await expect(page.locator("table.products tbody tr")).toHaveCount(48);
  await page.getByRole("link", { name: "Add a product" }).click();

  // The editor's island loads lazily: the slug follows the name, the snippet previews.
  await page.getByLabel("Name", { exact: true }).pressSequentially("Saffron Honey Jar");
  await expect(page.getByLabel("Address (slug)")).toHaveValue("saffron-honey-jar");
  await expect(page.locator(".serp-title")).toHaveText("Saffron Honey Jar");
  expect(chunks.length).toBeGreaterThan(0);
  await page.getByLabel("Description", { exact: true }).fill("Raw honey with saffron.\n\n- 250 g\n- **Single origin**");
  await page.locator("details.description-preview summary").click();
  await expect(page.locator("details.description-preview li")).toHaveCount(2);
  await page.getByLabel("SEO title").fill("x".repeat(10));
  await page.getByLabel("SEO title").fill("");
  await page.getByLabel("Status").selectOption("active");
  await page.getByLabel("SKU").fill("HONEY-SAFFRON-250");
  await page.getByLabel("Price").fill("45.00");
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await expect(page).toHaveURL(/\/admin\/products\/\d+\?done=saved$/);
  await expect(page.getByRole("status")).toContainText("Product saved");
  const editor = page.url().split("?")[0];

  // On the storefront at once, and in search.
  await page.goto("/products/saffron-honey-jar");
  await expect(page.getByRole("heading", { name: "Saffron Honey Jar" })).toBeVisible();
  await expect(page.locator("main")).toContainText("45.00");
  await page.goto("/search?q=saffron");
  await expect(page.locator("main")).toContainText("Saffron Honey Jar");

  // A new price, and stock received through the ledger.
  await page.goto(editor);
  await page.getByLabel("Price", { exact: true }).fill("39.50");
  await page.getByRole("button", { name: "Save variant" }).click();
  await expect(page.getByRole("status")).toContainText("Variant saved");
  await page.getByLabel("Quantity").fill("12");
  await page.getByRole("button", { name: "Record" }).click();
  await expect(page.getByRole("status")).toContainText("Stock updated");
  await expect(page.locator(".stock-adjust legend")).toContainText("12 on hand");
  await page.locator("details.stock-history summary").click();
  await expect(page.locator(".stock-history tbody tr").first()).toContainText("Received");

  await page.goto("/products/saffron-honey-jar");
  await expect(page.locator("main")).toContainText("39.50");
  await expect(page.locator("main")).not.toContainText("45.00");

  // Two tabs on the same product: the second save is over an older version and is refused,
  // saying who saved since; nothing of it is written.
  const other = await page.context().newPage();
  await other.goto(editor);
  await page.goto(editor);
  await page.getByLabel("Brand").fill("Bee Souk");
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await expect(page.getByRole("status")).toContainText("Product saved");
  await other.getByLabel("Brand").fill("Other Brand");
  await other.getByRole("button", { name: "Save", exact: true }).click();
  await expect(other.getByRole("alert")).toContainText("This product was saved by catalog@duka.test at");
  await page.reload();
  await expect(page.getByLabel("Brand")).toHaveValue("Bee Souk");
  await other.close();

  // A new category, the product filed in it, its collection page; deleting the category
  // asks where its product goes.
  await page.goto("/admin/categories");
  const add = page.locator("form", { has: page.getByRole("button", { name: "Add", exact: true }) });
  await add.getByLabel("Name").fill("Honey");
  await add.getByRole("button", { name: "Add", exact: true }).click();
  await expect(page.getByRole("status")).toContainText("Category saved");
  await expect(page.getByRole("heading", { name: "Honey (0 products)" })).toBeVisible();
  await page.goto(editor);
  await page.getByRole("checkbox", { name: "Honey" }).check();
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await expect(page.getByRole("status")).toContainText("Product saved");
  await page.goto("/collections/honey");
  await expect(page.locator("main")).toContainText("Saffron Honey Jar");
  await page.goto("/admin/categories");
  const honey = page.locator("article.category", { has: page.getByRole("heading", { name: "Honey (1 product)" }) });
  await honey.getByRole("button", { name: "Delete this category" }).click();
  await expect(page.getByRole("alert")).toContainText("holds 1 product: choose where it goes");
  expect(problems).toEqual([]);
});
