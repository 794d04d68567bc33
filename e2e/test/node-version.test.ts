import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "vitest";
import { ROOT } from "../../scripts/suites.ts";

/** A Node older than 22 on PATH outside node_modules (this machine kind ships Node 20), if any. */
function oldNode(): string | undefined {
  const dirs = (process.env.PATH ?? "").split(":").filter((d) => d && !d.includes("node_modules"));
  for (const dir of dirs) {
    const candidate = join(dir, "node");
    try {
      const version = execFileSync(candidate, ["--version"], { encoding: "utf8" }).trim();
      if (Number(version.slice(1).split(".")[0]) < 22) return candidate;
    } catch {
      /* not there */
    }
  }
  return undefined;
}

const node = oldNode();
describe("Node older than 22", () => {
  (node ? it : it.skip)(`is refused at import with a clear message${node ? "" : " [skipped: no Node < 22 on PATH]"}`, () => {
    const entry = join(ROOT, "packages/node/dist/index.js");
    const r = spawnSync(node!, ["--input-type=module", "-e", `await import(${JSON.stringify(entry)})`], { encoding: "utf8" });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /memmap needs Node 22 or newer, found v\d+/);
  });
});
