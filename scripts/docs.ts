// The API reference and its lint, both by deno doc (which JSR runs on the same JSDoc):
//   npm run docs           writes the reference, a static site with a search box, to docs/api/
//                          (or to --out=DIR); generated, never committed (.gitignore)
//   npm run docs:lint      deno doc --lint over the JSR packages' entries (a check of npm test)
// The entries are the JSR packages' exports (their deno.json) and the npm packages' own.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join, relative } from "node:path";
import { command, ROOT, RUNTIMES } from "./runtimes.ts";

const JSR_PACKAGES = ["packages/core", "packages/deno"];
const NPM_ENTRIES = ["packages/node/src/index.ts", "packages/bun/src/index.ts"];

/** The files a JSR package exports, as paths from the root. */
function jsrEntries(dir: string): string[] {
  const { exports } = JSON.parse(readFileSync(join(ROOT, dir, "deno.json"), "utf8")) as { exports: Record<string, string> };
  return Object.values(exports).map((file) => join(dir, file));
}

const jsr = JSR_PACKAGES.flatMap(jsrEntries);
const lint = process.argv.includes("--lint");
const out = process.argv.find((a) => a.startsWith("--out="))?.slice("--out=".length) ?? join(ROOT, "docs", "api");
// -q: deno doc warns about every @types/node file it cannot resolve for itself, which says nothing about ours.
const args = lint
  ? ["doc", "-q", "--lint", ...jsr]
  : ["doc", "-q", "--html", "--name=memmap", `--output=${relative(ROOT, out) || "."}`, ...jsr, ...NPM_ENTRIES];
const [file, argv] = command(RUNTIMES.deno, args);
// A fresh folder: deno doc leaves the pages of symbols that are gone.
if (!lint) {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
}
const run = spawnSync(file, argv, { cwd: ROOT, stdio: "inherit" });
if (run.status === 0 && !lint) console.log(`API reference written to ${relative(process.cwd(), out) || "."}/index.html`);
process.exit(run.status ?? 1);
