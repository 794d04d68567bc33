import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "vitest";
import { command, ROOT, RUNTIMES } from "../../scripts/runtimes.ts";

describe("Node's permission model", () => {
  const entry = join(ROOT, "packages/node/dist/index.js");
  const run = (flags: string[]) =>
    spawnSync(
      ...command(RUNTIMES.node26, [
        ...flags,
        "--input-type=module",
        "-e",
        `import { mapAnonymous } from ${JSON.stringify(entry)}; const m = mapAnonymous(8); m.bytes[0] = 9; console.log(m.bytes[0]);`,
      ]),
      { encoding: "utf8" },
    );

  it("without --allow-ffi the error is an MmapError naming the flag", () => {
    const r = run(["--permission", "--allow-fs-read=*"]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /MmapError: node:ffi is denied by Node's permission model: run node with --allow-ffi/);
  });

  it("with --allow-ffi it works", () => {
    const r = run(["--permission", "--allow-fs-read=*", "--allow-ffi"]);
    assert.equal(r.stdout.trim(), "9", r.stderr);
  });
});
