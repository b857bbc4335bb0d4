import { test, expect } from "@playwright/test";
import { expectNoOverflow, mailTo, placeOrder, totp, watchConsole } from "./helpers";

test("register, confirm from the email, sign in, add an address, sign out", async ({ page }) => {
  const problems = watchConsole(page);
  const email = `amina.${Date.now()}@example.com`;
  const password = "Tamu-Tamu-Ndizi-42";

  await page.goto("/");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Account" }).click();
  await expect(page).toHaveURL(/\/account\/sign-in\?next=%2Faccount$/);
  await page.getByRole("link", { name: "Create an account" }).click();

  // A common password is refused with a message on the same form.
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("password1234");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("alert")).toContainText("common");

  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("heading", { name: "Check your email" })).toBeVisible();

  const message = await mailTo(email);
  expect(message).toContain("Subject: Confirm your email address");
  const link = message.match(/(https?:\/\/\S+\/account\/verify\?token=[A-Za-z0-9_-]+)/)?.[1];
  expect(link).toBeTruthy();
  await page.goto(new URL(link!).pathname + new URL(link!).search);
  await page.getByRole("button", { name: "Confirm my address" }).click();
  await expect(page.getByRole("status")).toContainText("confirmed");

  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByText(email)).toBeVisible();

  await page.getByRole("navigation", { name: "Account" }).getByRole("link", { name: "Addresses" }).click();
  await page.getByLabel("Full name").fill("Amina Al Hashimi");
  await page.getByLabel("Phone (optional)").fill("+971 50 123 4567");
  await page.getByLabel("Street address").fill("Villa 12, Street 4, Jumeirah");
  await page.getByLabel("City", { exact: true }).fill("Dubai");
  await page.getByRole("combobox", { name: /^Country/ }).selectOption("AE");
  await page.getByRole("button", { name: "Save address" }).click();
  await expect(page.getByRole("status")).toContainText("saved");
  await expect(page.locator(".addresses li")).toHaveCount(1);
  await expect(page.locator(".addresses li")).toContainText("United Arab Emirates");
  await expect(page.locator(".addresses li")).toContainText("Default");
  // The signed-in pages fit a phone.
  await expectNoOverflow(page, ["/account", "/account/orders", "/account/addresses", "/account/sessions", "/account/privacy"]);
  await page.goto("/account");

  await page.getByRole("navigation", { name: "Account" }).getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/$/);
  await page.goto("/account/addresses");
  await expect(page).toHaveURL(/\/account\/sign-in\?next=%2Faccount%2Faddresses$/);
  expect(problems).toEqual([]);
});

// One of the owner's recovery codes, kept at enrolment for the owner's later sign-in here.
let ownerRecoveryCode = "";

test("the owner enrols an authenticator, then signs in with a code", async ({ page }) => {
  const problems = watchConsole(page);
  await page.goto("/admin");
  await expect(page).toHaveURL(/\/admin\/sign-in$/);
  await page.getByLabel("Email").fill("owner@duka.test");
  await page.getByLabel("Password").fill("Keeper-Of-The-Souq-77");
  await page.getByRole("button", { name: "Continue" }).click();

  await expect(page).toHaveURL(/\/admin\/enrol$/);
  await expect(page.getByRole("img", { name: "QR code for your authenticator app" })).toBeVisible();
  await expect(page.locator(".recovery-codes li")).toHaveCount(10);
  const secret = (await page.locator(".totp-secret").innerText()).trim();
  ownerRecoveryCode = (await page.locator(".recovery-codes li").first().innerText()).trim();
  await page.getByLabel("Code from the app").fill(totp(secret));
  await page.getByRole("button", { name: "Turn on and continue" }).click();
  await expect(page).toHaveURL(/\/admin$/);
  await page.getByRole("navigation", { name: "Staff" }).getByRole("link", { name: "Audit log" }).click();
  await expect(page.locator("table.audit")).toContainText("staff.totp_enrolled");
  await page.getByLabel("What (e.g. coupon. or staff.deactivated)").fill("account.");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page.locator("table.audit")).not.toContainText("staff.totp_enrolled");

  // Sign out, then back in: the password step now asks for a code, and a used one is refused.
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/admin\/sign-in$/);
  await page.getByLabel("Email").fill("owner@duka.test");
  await page.getByLabel("Password").fill("Keeper-Of-The-Souq-77");
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page).toHaveURL(/\/admin\/two-factor$/);
  await page.getByLabel("Code").fill("000000");
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByRole("alert")).toContainText("not right");
  // The next step's code: the last one was spent at enrolment (each code works once).
  await page.getByLabel("Code").fill(totp(secret, Date.now() + 30_000));
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page).toHaveURL(/\/admin$/);
  await expect(page.getByText("owner@duka.test · Owner")).toBeVisible();

  // The owner adds a catalog manager and an order clerk, who each get a link to choose a
  // password (admin_catalog.spec.ts and admin_orders.spec.ts sign in as them).
  await page.getByRole("navigation", { name: "Staff" }).getByRole("link", { name: "Staff", exact: true }).click();
  const addStaff = page.locator("form", { has: page.getByRole("button", { name: "Send the invitation" }) });
  await addStaff.getByLabel("Email").fill("catalog@duka.test");
  await addStaff.getByLabel("Role").selectOption("catalog_manager");
  await addStaff.getByRole("button", { name: "Send the invitation" }).click();
  await expect(page.getByRole("status")).toContainText("Invitation sent");
  await expect(page.locator("table").first()).toContainText("catalog@duka.test");
  // The invitation is its own email: who invited them, to which shop.
  expect(await mailTo("catalog@duka.test")).toContain("owner@duka.test invited you");
  // And an order clerk (admin_orders.spec.ts).
  await addStaff.getByLabel("Email").fill("clerk@duka.test");
  await addStaff.getByLabel("Role").selectOption("order_clerk");
  await addStaff.getByRole("button", { name: "Send the invitation" }).click();
  await expect(page.locator("table").first()).toContainText("clerk@duka.test");
  // The admin fits a phone too: the audit log, orders, products and the product editor.
  const product = await page.goto("/admin/products").then(() =>
    page.locator("table.products tbody a[href^='/admin/products/']").first().getAttribute("href"),
  );
  expect(product).toBeTruthy();
  await expectNoOverflow(page, ["/admin", "/admin/orders", "/admin/customers", "/admin/staff", "/admin/audit", "/admin/products", "/admin/categories", "/admin/products/import", product!]);
  expect(problems).toEqual([]);
});


test("the owner creates a coupon, a shopper uses it, its report counts the use, and the dashboard's figures follow", async ({ browser, page }) => {
  const problems = watchConsole(page);
  expect(ownerRecoveryCode).not.toEqual("");
  await page.goto("/admin/sign-in");
  await page.getByLabel("Email").fill("owner@duka.test");
  await page.getByLabel("Password").fill("Keeper-Of-The-Souq-77");
  await page.getByRole("button", { name: "Continue" }).click();
  await page.getByLabel("Code").fill(ownerRecoveryCode);
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page).toHaveURL(/\/admin$/);
  // Today's figures before the shopper's order.
  const today = (figure: string) => page.locator(`[data-period="today"] [data-figure="${figure}"] strong`);
  const ordersBefore = Number(await today("orders").textContent());
  await expect(page.locator(".chart svg")).toHaveCount(2);

  await page.getByRole("navigation", { name: "Staff" }).getByRole("link", { name: "Coupons" }).click();
  await page.getByRole("link", { name: "New coupon" }).click();
  await page.getByLabel("Code").fill("souq15");
  await page.getByLabel("Takes off").selectOption("percent");
  await page.getByLabel(/^Percentage/).fill("120");
  await page.getByRole("button", { name: "Create coupon" }).click();
  await expect(page.getByRole("alert")).toContainText("at most 100");
  await page.getByLabel("Code").fill("souq15");
  await page.getByLabel(/^Percentage/).fill("15");
  await page.getByLabel("Uses per customer, empty for no limit").fill("1");
  await page.getByRole("button", { name: "Create coupon" }).click();
  await expect(page.getByRole("status")).toHaveText("Coupon SOUQ15 saved.");
  await expect(page.locator(".coupon-report")).toContainText("15 % off");

  // A shopper in another browser uses it: 15 % off the tote.
  const shopper = await browser.newPage();
  const order = await placeOrder(shopper, `coupon.${Date.now()}@example.com`, "souq15");
  await expect(shopper.locator(".totals")).toContainText("Discount");

  // The report counts the use and links the order.
  await page.reload();
  await expect(page.locator(".coupon-report")).toContainText("Uses1");
  await expect(page.getByRole("link", { name: order.number, exact: true })).toBeVisible();
  // A used coupon may be paused but not deleted.
  await expect(page.getByRole("button", { name: "Delete" })).toHaveCount(0);
  await page.getByRole("button", { name: "Pause" }).click();
  await expect(page.getByRole("status")).toContainText("Coupon SOUQ15 paused");
  await page.goto("/admin/coupons");
  await expect(page.locator("tbody tr").filter({ hasText: "SOUQ15" })).toContainText("Paused");

  // The dashboard counts the order today.
  await page.goto("/admin");
  await expect(today("orders")).toHaveText(String(ordersBefore + 1));
  await expect(today("sales")).not.toHaveText("AED 0.00");
  await expectNoOverflow(page, ["/admin", "/admin/coupons", "/admin/coupons/new", "/admin/settings", "/admin/settings/delivery", "/admin/settings/zones/new"]);
  expect(problems).toEqual([]);
});
