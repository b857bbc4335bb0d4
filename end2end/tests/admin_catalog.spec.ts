import { test, expect, type Page } from "@playwright/test";
import { acceptStaffInvitation, png, watchConsole } from "./helpers";

// Runs after accounts.spec.ts (one worker, files in order), where the owner adds
// catalog@duka.test as a catalog manager.

const password = "Bustani-Ya-Tende-2026";

// Every request the page makes whose path is an admin island's WASM chunk.
function adminChunks(page: Page): string[] {
  const seen: string[] = [];
  page.on("request", (r) => {
    const path = new URL(r.url()).pathname;
    if (/\/pkg\/split_(product_fields|image_upload|grid_check)/.test(path)) seen.push(path);
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

test("a catalog manager signs in with TOTP, creates a product with two options and two pictures, publishes and reprices it, imports a CSV", async ({ page }) => {
  const problems = watchConsole(page);
  const chunks = adminChunks(page);

  // The set-password link from the owner's invitation, then a second factor.
  await acceptStaffInvitation(page, "catalog@duka.test", password);
  // The staff bar offers a catalog manager only what the role may open: no orders, no coupons.
  await expect(page.getByRole("navigation", { name: "Staff" }).getByRole("link")).toHaveText(["Home", "Products", "Categories"]);
  await expect(page.getByText("catalog@duka.test · Catalog manager")).toBeVisible();

  await page.getByRole("link", { name: "Products", exact: true }).click();
  await expect(page).toHaveURL(/\/admin\/products$/);
  await expect(page.locator("table.products tbody tr")).toHaveCount(48);
  // The editor's island loads lazily. Its chunk is held back until the name is typed, as on
  // a slow network: once it wakes it adopts what was typed (hydration first meets the markup
  // as rendered), the slug follows the name, the snippet previews.
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route(/\/pkg\/split_product_fields/, async (route) => {
    await held;
    await route.continue();
  });
  await page.getByRole("link", { name: "Add a product" }).click();
  await page.getByLabel("Name", { exact: true }).pressSequentially("Saffron Honey Jar");
  await expect(page.getByLabel("Address (slug)")).toHaveValue("");
  release();
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

  // Stock received through the ledger, then a new price in the variant grid, checked as typed.
  await page.goto(editor);
  await page.getByLabel("Quantity").fill("12");
  await page.getByRole("button", { name: "Record" }).click();
  await expect(page.getByRole("status")).toContainText("Stock updated");
  await expect(page.locator(".stock-adjust legend")).toContainText("12 on hand");
  await page.locator("details.stock-history summary").click();
  await expect(page.locator(".stock-history tbody tr").first()).toContainText("Received");
  const price = page.getByLabel("Price", { exact: true });
  // The check is a lazy island: what is typed before its chunk has loaded is checked at the
  // next keystroke, so type again until it answers.
  await expect(async () => {
    await price.fill("-3");
    await expect(page.locator("[data-row-error]")).toContainText("not", { timeout: 1_000 });
  }).toPass({ timeout: 10_000 });
  await price.fill("39.50");
  await expect(page.locator("[data-row-error]")).toHaveText("");
  await page.getByRole("button", { name: "Save variants" }).click();
  await expect(page.getByRole("status")).toContainText("Variants saved");

  // Two options make the variant matrix: 2 × 2 variants, the first keeping its SKU and stock.
  await page.locator('input[name="options[0][name]"]').fill("Size");
  await page.locator('input[name="options[0][values]"]').fill("250 g, 500 g");
  await page.getByRole("button", { name: "Save options" }).click();
  await expect(page.getByRole("status")).toContainText("Options saved");
  await page.locator('input[name="options[1][name]"]').fill("Jar");
  await page.locator('input[name="options[1][values]"]').fill("Glass, Clay");
  await page.getByRole("button", { name: "Save options" }).click();
  await expect(page.getByRole("status")).toContainText("Options saved");
  await expect(page.locator(".variant-grid tbody tr")).toHaveCount(4);
  await expect(page.locator('.variant-grid input[name="rows[0][sku]"]')).toHaveValue("HONEY-SAFFRON-250");
  await expect(page.locator('.variant-grid input[name="rows[1][sku]"]')).toHaveValue("HONEY-SAFFRON-250-250-G-CLAY");

  // Two pictures and a file that only calls itself one: the pictures are added, the other
  // refused by its content.
  await page.locator('input[name="images"]').setInputFiles([
    { name: "jar.png", mimeType: "image/png", buffer: png(64, 48, [200, 150, 20]) },
    { name: "lid.png", mimeType: "image/png", buffer: png(40, 40, [90, 60, 10]) },
    { name: "notes.jpg", mimeType: "image/jpeg", buffer: Buffer.from("not a picture") },
  ]);
  await page.getByRole("button", { name: "Upload" }).click();
  await expect(page.getByRole("alert")).toContainText("notes.jpg: is not a PNG, WebP or JPEG");
  await expect(page.locator(".picture-list li")).toHaveCount(2);
  await page.locator('.picture-list input[name="images[0][alt]"]').fill("Saffron honey in a glass jar");
  await page.getByRole("button", { name: "Save pictures" }).click();
  await expect(page.getByRole("status")).toContainText("Pictures saved");

  await page.goto("/products/saffron-honey-jar");
  await expect(page.locator("main")).toContainText("39.50");
  await expect(page.locator("main")).not.toContainText("45.00");
  await expect(page.locator('main img[alt="Saffron honey in a glass jar"]').first()).toBeVisible();

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
  await expect(other.getByRole("alert")).toContainText("This product was changed or removed by catalog@duka.test at");
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

  // A CSV with two good products and three bad rows: the dry run reports each bad row by
  // row and column and changes nothing; applying imports the good ones.
  const csv = [
    "handle,name,status,sku,options,price,stock",
    "date-syrup,Date syrup,active,SYRUP-250,Size=250 ml,18.00,30",
    "date-syrup,Date syrup,active,SYRUP-500,Size=500 ml,30.00,12",
    "date-paste,Date paste,active,PASTE-1,,12.50,5",
    "bad-price,Bad price,active,BAD-1,,twelve,1",
    "bad-status,Bad status,sold,BAD-2,,5,1",
    "bad-stock,Bad stock,active,BAD-3,,5,-4",
  ].join("\n");
  await page.goto("/admin/products/import");
  await page.getByLabel("CSV file").setInputFiles({ name: "honey-shop.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
  await page.getByRole("button", { name: "Upload and check" }).click();
  await expect(page).toHaveURL(/\/admin\/products\/import\/\d+$/);
  await expect(page.getByRole("status")).toContainText("Dry run: finished", { timeout: 30_000 });
  await expect(page.locator(".import-problems tbody tr")).toHaveCount(3);
  await expect(page.locator(".import-problems tbody tr").nth(0)).toContainText("5price");
  await expect(page.locator(".import-problems tbody tr").nth(1)).toContainText("6status");
  await expect(page.locator(".import-problems tbody tr").nth(2)).toContainText("7stock");
  await page.getByRole("button", { name: "Apply this file" }).click();
  await expect(page.getByRole("status")).toContainText("Import: finished", { timeout: 30_000 });
  await expect(page.locator(".import-counts")).toContainText("Products created2");
  await page.goto("/products/date-syrup");
  await expect(page.getByRole("heading", { name: "Date syrup" })).toBeVisible();
  await expect(page.locator("main")).toContainText("18.00");
  expect(problems).toEqual([]);
});
