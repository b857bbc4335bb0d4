import { test, expect, type Page } from "@playwright/test";
import { acceptStaffInvitation, mailTo, watchConsole } from "./helpers";

const password = "Packs-And-Ships-2026";

// A guest's cash-on-delivery order, placed without ceremony; its number and its page's link.
async function placeOrder(page: Page, email: string): Promise<{ number: string; link: string }> {
  await page.goto("/products/chitenge-tote");
  await page.getByRole("button", { name: "Add to cart" }).click();
  await expect(page).toHaveURL(/\/cart\?done=added$/);
  await page.getByRole("link", { name: "Check out" }).click();
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByLabel("Full name", { exact: true }).fill("Amina Phiri");
  await page.getByLabel("Street address", { exact: true }).fill("4 Kabulonga Road");
  await page.getByLabel("City", { exact: true }).fill("Dubai");
  await page.getByRole("combobox", { name: /^Country/ }).selectOption("AE");
  await page.getByRole("button", { name: "Continue" }).click();
  await page.getByRole("button", { name: "Place order" }).click();
  await expect(page).toHaveURL(/\/orders\/\d+\?key=/);
  const number = (await page.getByRole("heading", { level: 1 }).textContent())!.replace("Order ", "");
  return { number, link: page.url() };
}

test("an order clerk ships an order with a tracking number, and the shopper sees and is emailed it", async ({ browser, page }) => {
  const problems = watchConsole(page);
  const email = `amina.${Date.now()}@example.com`;
  const shopper = await browser.newPage();
  const order = await placeOrder(shopper, email);

  // The clerk the owner invited (accounts.spec.ts) sets a password and enrols a second factor.
  await acceptStaffInvitation(page, "clerk@duka.test", password);

  // Pack, then ship with Aramex: a carrier that gives every parcel a number needs it.
  await page.goto("/admin/orders");
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

  // The shopper's page shows the carrier, the number and the tracking link; the email too.
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
  expect(problems).toEqual([]);
  await shopper.close();
});
