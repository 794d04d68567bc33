import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { describe, it } from "vitest";
import { olderNode, ROOT } from "../../scripts/runtimes.ts";

const node = olderNode();
const version = node && execFileSync(node, ["--version"], { encoding: "utf8" }).trim().slice(1);
const BIN = join(ROOT, "packages/node/dist/bin/memmap-cp.js");
/** The refusal, in one line and no stack trace. */
const REFUSAL = new RegExp(
  `^memmap-cp: memmap needs Node 22 or newer; this is ${version?.replaceAll(".", "\\.")} \\(.*\\)\\. Put Node 22 or newer first on PATH[^\\n]*\\n$`,
);

describe("Node older than 22", () => {
  const test = node ? it : it.skip;
  const reason = node ? "" : " [skipped: no Node < 22 on PATH]";
  test(`is refused at import with a clear message${reason}`, () => {
    const entry = join(ROOT, "packages/node/dist/index.js");
    const r = spawnSync(node!, ["--input-type=module", "-e", `await import(${JSON.stringify(entry)})`], { encoding: "utf8" });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /memmap needs Node 22 or newer, found v\d+/);
  });

  test(`running memmap-cp, directly or through its shebang with that Node first on PATH, is refused in one line${reason}`, () => {
    const env = { ...process.env, PATH: `${dirname(node!)}:${process.env.PATH}` };
    for (const [command, args] of [
      [node!, [BIN, "a", "b"]],
      [BIN, ["a", "b"]],
    ] as const) {
      const r = spawnSync(command, args, { encoding: "utf8", env });
      assert.equal(r.status, 1, `${command}: ${r.stderr}`);
      assert.match(r.stderr, REFUSAL);
      assert.equal(r.stdout, "");
    }
  });
});
