import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "vitest";
import { command, ROOT, type Runtime, RUNTIMES } from "../../scripts/runtimes.ts";

const entry = join(ROOT, "packages/node/dist/index.js");
const run = (runtime: Runtime, flags: string[]) =>
  spawnSync(
    ...command(runtime, [
      ...flags,
      "--input-type=module",
      "-e",
      `import { mapAnonymous } from ${JSON.stringify(entry)}; const m = mapAnonymous(8); m.bytes[0] = 9; console.log(m.bytes[0]);`,
    ]),
    { encoding: "utf8" },
  );

describe("Node 26's permission model (node:ffi)", () => {
  it("without --allow-ffi the error is an MmapError naming the flag", () => {
    const r = run(RUNTIMES.node26, ["--permission", "--allow-fs-read=*"]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /MmapError: node:ffi is denied by Node's permission model: run node with --allow-ffi/);
  });

  it("with --allow-ffi it works", () => {
    const r = run(RUNTIMES.node26, ["--permission", "--allow-fs-read=*", "--allow-ffi"]);
    assert.equal(r.stdout.trim(), "9", r.stderr);
  });
});

describe("Node 22's permission model (koffi, a native addon)", () => {
  it("without --allow-addons the error is an MmapError naming that flag, not --allow-ffi or a build", () => {
    const r = run(RUNTIMES.node22, ["--permission", "--allow-fs-read=*"]);
    assert.notEqual(r.status, 0);
    assert.match(
      r.stderr,
      /MmapError: memmap uses koffi on Node v22\.\S+, a native addon, and Node's permission model denies addons: run node with --allow-addons/,
    );
    assert.match(r.stderr, /code: 'ERR_ACCESS_DENIED'/);
    assert.doesNotMatch(r.stderr, /build:native|MEMMAP_LIBRARY_PATH/);
  });

  it("with --allow-addons it works", () => {
    const r = run(RUNTIMES.node22, ["--permission", "--allow-fs-read=*", "--allow-addons"]);
    assert.equal(r.stdout.trim(), "9", r.stderr);
  });
});
