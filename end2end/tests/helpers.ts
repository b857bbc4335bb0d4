import { readdirSync, readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { expect, type Page } from "@playwright/test";
import { createHmac } from "node:crypto";
import { deflateSync } from "node:zlib";

const mailDir = process.env.MAIL_DIR;

// The newest message in the mail outbox addressed to `to`, quoted-printable decoded (soft
// breaks joined, `=XX` escapes turned back into characters), waiting up to 10 s for the outbox
// worker to write it.
export async function mailTo(to: string): Promise<string> {
  if (!mailDir) throw new Error("MAIL_DIR is not set (scripts/e2e.sh sets it)");
  for (let i = 0; i < 100; i++) {
    if (existsSync(mailDir)) {
      const files = readdirSync(mailDir).filter((f) => f.endsWith(".eml")).sort().reverse();
      for (const f of files) {
        const text = readFileSync(join(mailDir, f), "utf8")
          .replace(/=\r?\n/g, "")
          .replace(/=([0-9A-F]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
        if (text.includes(`To: ${to}`)) return text;
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no email to ${to} in ${mailDir}`);
}

// Fails when a page scrolls sideways at a phone's width: its content is wider than the
// screen. Visits each path at each width, then puts the viewport back.
export async function expectFits(page: Page, what: string) {
  const { scroll, client, culprits } = await page.evaluate(() => {
    const client = document.documentElement.clientWidth;
    // The outermost elements that reach past the screen's edge, to say what to fix.
    const culprits = [...document.querySelectorAll("body *")]
      .filter((e) => e.getBoundingClientRect().right > client + 1)
      .filter((e) => !(e.parentElement && e.parentElement.getBoundingClientRect().right > client + 1))
      .filter((e) => !e.parentElement?.closest("table"))
      .slice(0, 5)
      .map((e) => `${e.tagName.toLowerCase()}${e.className ? "." + String(e.className).split(" ").join(".") : ""}`);
    return { scroll: document.documentElement.scrollWidth, client, culprits };
  });
  expect(scroll, `${what} at ${client} px is ${scroll} px wide (${culprits.join(", ")})`).toBeLessThanOrEqual(client);
}

export async function expectNoOverflow(page: Page, paths: string[], widths = [320, 390]) {
  const before = page.viewportSize();
  for (const width of widths) {
    await page.setViewportSize({ width, height: 800 });
    for (const path of paths) {
      await page.goto(path);
      await expectFits(page, path);
    }
  }
  if (before) await page.setViewportSize(before);
}

export function watchConsole(page: Page): string[] {
  const problems: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") problems.push(`console: ${msg.text()}`);
  });
  page.on("pageerror", (err) => problems.push(`pageerror: ${err.message}`));
  return problems;
}


// RFC 6238 TOTP (HMAC-SHA1, 30 s, 6 digits) from a base32 secret, as an authenticator app does.
export function totp(base32: string, at = Date.now()): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of base32.replace(/=+$/, "")) bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  const key = Buffer.from(bits.match(/.{8}/g)!.map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 1000 / 30)));
  const mac = createHmac("sha1", key).update(counter).digest();
  const offset = mac[19] & 0xf;
  const n = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return n.toString().padStart(6, "0");
}

// A small PNG of one colour, made here so the test needs no picture files.
export function png(width: number, height: number, rgb: [number, number, number]): Buffer {
  const table = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf: Buffer) => {
    let c = 0xffffffff;
    for (const b of buf) c = table[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), body.length + 4);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array(width).fill(rgb).flat())]);
  const pixels = Buffer.concat(Array(height).fill(row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(pixels)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

// A staff member the owner invited (accounts.spec.ts) takes the emailed set-password link,
// signs in and enrols an authenticator; ends on the admin home.
export async function acceptStaffInvitation(page: Page, email: string, password: string) {
  const invitation = await mailTo(email);
  const link = invitation.match(/(https?:\/\/\S+\/account\/reset-password\?token=[A-Za-z0-9_-]+)/)?.[1];
  expect(link).toBeTruthy();
  await page.goto(new URL(link!).pathname + new URL(link!).search);
  await page.getByLabel("New password").fill(password);
  await page.getByRole("button", { name: "Save the new password" }).click();
  // Staff land on the staff sign-in, not the customers'.
  await expect(page).toHaveURL(/\/admin\/sign-in\?reset=1$/);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page).toHaveURL(/\/admin\/enrol$/);
  const secret = (await page.locator(".totp-secret").innerText()).trim();
  await page.getByLabel("Code from the app").fill(totp(secret));
  await page.getByRole("button", { name: "Turn on and continue" }).click();
  await expect(page).toHaveURL(/\/admin$/);
}

// A guest's cash-on-delivery order, placed without ceremony (with `coupon` applied first, if
// given); its number and its page's link.
export async function placeOrder(page: Page, email: string, coupon?: string): Promise<{ number: string; link: string }> {
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
  if (coupon) {
    await page.getByLabel("Coupon code (optional)").fill(coupon);
    await page.getByRole("button", { name: "Apply" }).click();
    await expect(page.locator("#payment").getByText("Discount", { exact: true })).toBeVisible();
  }
  await page.getByRole("button", { name: "Place order" }).click();
  await expect(page).toHaveURL(/\/orders\/\d+\?key=/);
  const number = (await page.getByRole("heading", { level: 1 }).textContent())!.replace("Order ", "");
  return { number, link: page.url() };
}
