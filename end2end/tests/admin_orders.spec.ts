import { test, expect } from "@playwright/test";
import { acceptStaffInvitation, mailTo, placeOrder, watchConsole } from "./helpers";

const password = "Packs-And-Ships-2026";

test("an order clerk sees new orders arrive, ships one with a tracking number, and the shopper sees it live and is emailed it", async ({ browser, page }) => {
  const problems = watchConsole(page);
  const email = `amina.${Date.now()}@example.com`;
  const shopper = await browser.newPage();
  const order = await placeOrder(shopper, email);

  // The clerk the owner invited (accounts.spec.ts) sets a password and enrols a second factor.
  await acceptStaffInvitation(page, "clerk@duka.test", password);
  const bar = page.getByRole("navigation", { name: "Staff" });
  await expect(bar.getByRole("link").filter({ hasNotText: "to pack or ship" })).toHaveText(["Home", "Orders", "Customers", "Products", "Categories"]);

  // The list open: an order placed meanwhile in another browser arrives at the top, and the
  // count of orders to pack or ship goes up, without a reload.
  await page.goto("/admin/orders");
  await expect(page.getByRole("link", { name: order.number, exact: true })).toBeVisible();
  const count = page.locator("[data-live-count]");
  const before = Number(await count.textContent());
  const second = await placeOrder(shopper, `second.${email}`);
  await expect(page.locator("tbody tr").first().getByRole("link", { name: second.number, exact: true })).toBeVisible({ timeout: 10_000 });
  await expect(count).toHaveText(String(before + 1));

  // The shopper keeps the first order's page open while the clerk works on it.
  await shopper.goto(order.link);
  await expect(shopper.locator(".order-status")).toContainText("Confirmed");

  // Pack, then ship with Aramex: a carrier that gives every parcel a number needs it.
  await page.getByRole("link", { name: order.number, exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/admin/orders/${order.number}$`));
  await page.getByRole("button", { name: "Mark all packed" }).click();
  await expect(page.getByRole("status")).toHaveText(`Order ${order.number} marked packed.`);
  const ship = page.locator("form", { has: page.getByRole("button", { name: "Mark shipped and email the customer" }) });
  await ship.getByRole("combobox", { name: /^Carrier/ }).selectOption("aramex");
  await ship.getByRole("button", { name: "Mark shipped and email the customer" }).click();
  await expect(page.getByRole("alert")).toContainText("enter it");
  await ship.getByRole("combobox", { name: /^Carrier/ }).selectOption("aramex");
  await ship.getByLabel("Tracking number").fill("AX 7781 2203");
  await ship.getByRole("button", { name: "Mark shipped and email the customer" }).click();
  await expect(page.getByRole("status")).toHaveText(`Order ${order.number} marked shipped.`);
  await expect(page.locator(".shipment")).toContainText("Shipped with Aramex");

  // A note for the team, never shown to the shopper.
  await page.getByLabel("Add a note").fill("Leave with the guard if nobody answers");
  await page.getByRole("button", { name: "Add note" }).click();
  await expect(page.getByRole("status")).toHaveText(`Order ${order.number}: note added.`);
  await expect(page.locator(".order-notes")).toContainText("Leave with the guard");

  // The shopper's open page has followed: shipped, with the tracking number, no reload.
  await expect(shopper.locator(".shipment")).toContainText("AX 7781 2203", { timeout: 10_000 });
  await expect(shopper.locator(".order-status")).toContainText("Shipped");
  // After a reload it shows the carrier, the number and the tracking link; the email too.
  await shopper.goto(order.link);
  await expect(shopper.locator(".order-status")).toContainText("Shipped");
  await expect(shopper.locator(".shipment")).toContainText("AX 7781 2203");
  await expect(shopper.getByRole("link", { name: "Track your parcel" })).toHaveAttribute(
    "href",
    "https://www.aramex.com/track/results?ShipmentNumber=AX%207781%202203",
  );
  await expect(shopper.getByText("Leave with the guard")).toHaveCount(0);
  const shipped = await mailTo(email);
  expect(shipped).toContain(`Subject: Order ${order.number} has shipped`);
  expect(shipped).toContain("ShipmentNumber=AX%207781%202203");

  // Delivered: the courier's cash is recorded (the total, as the form offers it).
  const deliver = page.locator("form", { has: page.getByRole("button", { name: "Mark delivered" }) });
  await expect(deliver.getByLabel(/^Cash collected/)).not.toHaveValue("");
  await deliver.getByRole("button", { name: "Mark delivered" }).click();
  await expect(page.getByRole("status")).toHaveText(`Order ${order.number} marked delivered.`);
  // A refund states its amount and is confirmed with a box (the same form sent twice refunds
  // once: app/tests/it/fulfilment.rs).
  const refund = page.locator("form", { has: page.getByRole("button", { name: "Refund", exact: true }) });
  await refund.getByLabel(/^Amount/).fill("5.00");
  await refund.getByLabel("Reason").fill("Strap frayed");
  await refund.getByRole("checkbox").check();
  await refund.getByRole("button", { name: "Refund", exact: true }).click();
  await expect(page.getByRole("status")).toHaveText(`Order ${order.number}: refund made.`);
  await expect(page.locator(".order-items")).toContainText("Refunded: AED 5.00");
  // The tote comes back unsold: back on sale through the ledger, and what it was paid refunded
  // (returns by lines, the same form twice recording once: app/tests/it/returns.rs).
  const back = page.locator("form", { has: page.getByRole("button", { name: "Record the return" }) });
  await back.getByLabel(/^Line 1: Chitenge Tote Bag/).fill("1");
  await back.getByRole("checkbox", { name: /put them back on sale/ }).check();
  await back.getByRole("checkbox", { name: /Refund what they were paid/ }).check();
  await back.getByRole("button", { name: "Record the return" }).click();
  await expect(page.getByRole("status")).toHaveText(`Order ${order.number}: return recorded.`);
  await expect(back.getByLabel(/^Line 1: Chitenge Tote Bag \(sold 1, back so far 1\)/)).toBeDisabled();
  await expect(page.locator(".order-items")).not.toContainText("Refunded: AED 5.00");
  expect(problems).toEqual([]);
  await shopper.close();
});
