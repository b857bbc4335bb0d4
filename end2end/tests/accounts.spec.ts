import { test, expect, type Page } from "@playwright/test";
import { readdirSync, readFileSync, existsSync } from "node:fs";
import { join } from "node:path";

const mailDir = process.env.MAIL_DIR;

// The newest message in the mail outbox addressed to `to`, with quoted-printable soft breaks
// undone, waiting up to 10 s for the outbox worker to write it.
async function mailTo(to: string): Promise<string> {
  if (!mailDir) throw new Error("MAIL_DIR is not set (scripts/e2e.sh sets it)");
  for (let i = 0; i < 100; i++) {
    if (existsSync(mailDir)) {
      const files = readdirSync(mailDir).filter((f) => f.endsWith(".eml")).sort().reverse();
      for (const f of files) {
        const text = readFileSync(join(mailDir, f), "utf8").replace(/=\r?\n/g, "");
        if (text.includes(`To: ${to}`)) return text;
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no email to ${to} in ${mailDir}`);
}

function watchConsole(page: Page): string[] {
  const problems: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") problems.push(`console: ${msg.text()}`);
  });
  page.on("pageerror", (err) => problems.push(`pageerror: ${err.message}`));
  return problems;
}

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
  await page.getByLabel("City").fill("Dubai");
  await page.getByLabel("Country").selectOption("AE");
  await page.getByRole("button", { name: "Save address" }).click();
  await expect(page.getByRole("status")).toContainText("saved");
  await expect(page.locator(".addresses li")).toHaveCount(1);
  await expect(page.locator(".addresses li")).toContainText("United Arab Emirates");
  await expect(page.locator(".addresses li")).toContainText("Default");

  await page.getByRole("navigation", { name: "Account" }).getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/$/);
  await page.goto("/account/addresses");
  await expect(page).toHaveURL(/\/account\/sign-in\?next=%2Faccount%2Faddresses$/);
  expect(problems).toEqual([]);
});
