// The API reference (npm run docs) in a real browser: Debian's headless Chromium, driven by
// playwright-core, loads the generated site from a loopback server this test starts and stops,
// searches for `map` and takes a screenshot (.test-results/api-docs-search.png, to look at).
// Without /usr/bin/chromium (apt-get install chromium; native/scripts/install-cross-tools.sh
// installs it) the case is skipped and says so.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { extname, join, normalize } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";
import { describe, it } from "vitest";
import { RESULTS, ROOT } from "../../scripts/suites.ts";

const CHROMIUM = "/usr/bin/chromium";
const absent = !existsSync(CHROMIUM);
const test = absent ? it.skip : it;
const note = absent ? ` [skipped: ${CHROMIUM} not installed; apt-get install chromium]` : "";
// The flags that work in this sandbox-less, offline container; the profile folder is the test's own.
const FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const TYPES: Record<string, string> = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml" };

function serve(root: string): Promise<Server> {
  const server = createServer((req, res) => {
    let path = normalize(join(root, decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname)));
    if (path.endsWith("/")) path = join(path, "index.html");
    if (!path.startsWith(root) || !existsSync(path) || !statSync(path).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": TYPES[extname(path)] ?? "application/octet-stream" }).end(readFileSync(path));
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

describe("API reference", () => {
  test(`loads in headless Chromium, and its search finds map${note}`, async () => {
    // Made here, not at load: a skipped case leaves no folder behind.
    const scratch = mkdtempSync(join(tmpdir(), "memmap-api-docs-"));
    let server: Server | undefined;
    let browser: BrowserContext | undefined;
    try {
      const site = join(scratch, "api");
      const docs = spawnSync(process.execPath, [join(ROOT, "scripts/docs.ts"), `--out=${site}`], { cwd: ROOT, encoding: "utf8" });
      assert.equal(docs.status, 0, docs.stderr);
      server = await serve(site);
      browser = await chromium.launchPersistentContext(join(scratch, "profile"), { executablePath: CHROMIUM, headless: true, args: FLAGS });
      const page = await browser.newPage();
      const { port } = server.address() as AddressInfo;
      const response = await page.goto(`http://127.0.0.1:${port}/`);
      assert.equal(response?.status(), 200);
      assert.equal(await page.title(), "memmap documentation");
      await page.fill("#searchbar", "map");
      // A hit is a link with the symbol's name in a span: map itself, once per runtime package.
      const hits = page.locator("#searchResults a:has(span:text-is('map'))");
      await hits.first().waitFor({ timeout: 10_000 });
      assert.deepEqual((await hits.evaluateAll((links) => links.map((a) => a.getAttribute("href")))).sort(), [
        "bun/src/index.ts/~/map.html",
        "deno/mod.ts/~/map.html",
        "node/src/index.ts/~/map.html",
      ]);
      mkdirSync(RESULTS, { recursive: true });
      await page.screenshot({ path: join(RESULTS, "api-docs-search.png") });
      // Deno's hit leads to map's own page, with its documentation.
      await page.locator("#searchResults a[href='deno/mod.ts/~/map.html']").click();
      await page.waitForLoadState();
      assert.match((await page.locator("main").textContent()) ?? "", /Maps a file, given by path, file: URL or open descriptor/);
    } finally {
      await browser?.close();
      await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
