import { readdirSync, readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "@playwright/test";

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

export function watchConsole(page: Page): string[] {
  const problems: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") problems.push(`console: ${msg.text()}`);
  });
  page.on("pageerror", (err) => problems.push(`pageerror: ${err.message}`));
  return problems;
}

