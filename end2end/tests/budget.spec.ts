import { test, expect, type Page } from "@playwright/test";
import { placeOrder } from "./helpers";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, constants } from "node:zlib";

// The storefront's weight budget: the JavaScript and WebAssembly a shopper's browser fetches
// for a page, brotli-compressed as the server sends it, lazy chunks included. Sizes are
// deterministic for a given build, so this is a test, not a benchmark.
const BUDGET_BYTES = 60_000;
const siteRoot = process.env.SITE_ROOT || join(__dirname, "..", "..", "target", "site");

// Brotli size of a file of the built site: the precompressed `.br` the server sends when
// there is one, else compressed here at the same (highest) quality.
function brotliBytes(path: string): number {
  const file = join(siteRoot, path);
  if (existsSync(`${file}.br`)) return statSync(`${file}.br`).size;
  return brotliCompressSync(readFileSync(file), {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11 },
  }).length;
}

// Every script and WebAssembly file the page fetches from the site, until the network is quiet.
async function codeFetched(page: Page, path: string): Promise<string[]> {
  const seen = new Set<string>();
  const listener = (r: { url(): string }) => {
    const url = new URL(r.url());
    if (/\.(js|wasm)$/.test(url.pathname) && url.pathname.startsWith("/pkg/")) seen.add(url.pathname);
  };
  page.on("request", listener);
  await page.goto(path);
  await page.waitForLoadState("networkidle");
  page.off("request", listener);
  return [...seen].sort();
}

test("each storefront page's JavaScript and WebAssembly stay within 60 KB (brotli)", async ({ page }) => {
  await page.goto("/");
  const product = await page.locator("a[href^='/products/']").first().getAttribute("href");
  const collection = await page.locator("a[href^='/collections/']").first().getAttribute("href");
  expect(product).toBeTruthy();
  expect(collection).toBeTruthy();
  // Something in the cart, so the cart and checkout pages show their full forms.
  await page.goto(product!);
  await expect(page.locator(".variant-picker[data-hydrated='true']")).toHaveCount(1);
  await page.getByRole("button", { name: "Add to cart" }).click();
  await page.waitForURL(/\/cart/);

  const report: string[] = [];
  for (const path of ["/", collection!, product!, "/search?q=linen", "/cart", "/checkout", "/pages/about"]) {
    const files = await codeFetched(page, path);
    // Every page hydrates: the entry script and the WASM at least.
    expect(files.some((f) => f.endsWith(".wasm")), `${path} fetched no WASM`).toBe(true);
    const sizes = files.map((f) => [f, brotliBytes(f)] as const);
    const total = sizes.reduce((sum, [, n]) => sum + n, 0);
    report.push(`${path}: ${total} B (${sizes.map(([f, n]) => `${f.replace(/\.[^.]+\.(js|wasm)$/, ".$1")} ${n}`).join(", ")})`);
    expect(total, `${path} fetches ${total} bytes of code: ${report.at(-1)}`).toBeLessThanOrEqual(BUDGET_BYTES);
  }
  // An order's page, which follows the order live: from the main WASM, no chunk of its own.
  const order = await placeOrder(page, `budget.${Date.now()}@example.com`);
  const files = await codeFetched(page, new URL(order.link).pathname + new URL(order.link).search);
  expect(files.filter((f) => /chunk_/.test(f)), "the order page loads no lazy chunk").toEqual([]);
  const total = files.reduce((sum, f) => sum + brotliBytes(f), 0);
  report.push(`/orders/N: ${total} B (${files.length} files)`);
  expect(total, `the order page fetches ${total} bytes of code`).toBeLessThanOrEqual(BUDGET_BYTES);
  console.log(`storefront code, brotli:\n  ${report.join("\n  ")}`);
});
