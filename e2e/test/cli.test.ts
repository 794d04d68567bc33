import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, it } from "vitest";
import { BUN, DENO, NODE26, ROOT } from "../../scripts/suites.ts";

/** memmap-cp as each runtime's users run it. */
const CLIS: Record<string, string[]> = {
  // As its shebang runs it (#!/usr/bin/env -S node --disable-warning=ExperimentalWarning).
  node: [NODE26, "--disable-warning=ExperimentalWarning", join(ROOT, "packages/node/dist/bin/memmap-cp.js")],
  bun: [BUN, join(ROOT, "packages/bun/dist/bin/memmap-cp.js")],
  deno: [DENO, "run", "--allow-ffi", "--allow-read", "--allow-write", "--allow-env", join(ROOT, "packages/deno/cp.ts")],
};

let dir = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "memmap-cli-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cp(runtime: string, ...args: string[]) {
  const [command, ...pre] = CLIS[runtime]!;
  return spawnSync(command!, [...pre, ...args], { encoding: "utf8", cwd: dir });
}

describe("memmap-cp", () => {
  for (const runtime of Object.keys(CLIS)) {
    it(`${runtime}: copies, copies into a folder, and exits like cp on errors`, () => {
      const src = join(dir, `src-${runtime}`);
      writeFileSync(src, "some bytes\n".repeat(1000));
      let r = cp(runtime, "-v", src, join(dir, `dst-${runtime}`));
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /by (clone|copy_file_range|mmap) in/);
      assert.deepEqual(readFileSync(join(dir, `dst-${runtime}`)), readFileSync(src));
      const folder = join(dir, `folder-${runtime}`);
      mkdirSync(folder);
      r = cp(runtime, "--strategy=mmap", "--atomic", "--durable", src, folder);
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(readFileSync(join(folder, `src-${runtime}`)), readFileSync(src));

      r = cp(runtime, join(dir, "missing"), join(dir, "x"));
      assert.equal(r.status, 1);
      assert.match(r.stderr, /^memmap-cp: ENOENT: .*missing.*source file does not exist/);
      r = cp(runtime, "-n", src, join(dir, `dst-${runtime}`));
      assert.equal(r.status, 1);
      assert.match(r.stderr, /EEXIST/);
      r = cp(runtime, "--frobnicate", src, join(dir, "y"));
      assert.equal(r.status, 1);
      assert.match(r.stderr, /unknown option --frobnicate/);
      r = cp(runtime, src);
      assert.equal(r.status, 1);
      r = cp(runtime, "--help");
      assert.equal(r.status, 0);
      assert.match(r.stdout, /Usage: memmap-cp \[OPTIONS\] SRC DST/);
      assert.match(r.stdout, /--atomic/);
    });
  }

  it("shows a progress bar on a terminal for a large file, and none when piped", () => {
    const big = join(dir, "big");
    writeFileSync(big, new Uint8Array(96 * 2 ** 20));
    const [command, ...pre] = CLIS.node!;
    const line = [command, ...pre, "--window=16M", big, join(dir, "big-tty")].map((a) => `'${a}'`).join(" ");
    // script(1) gives the command a pseudo-terminal.
    const tty = execFileSync("script", ["-qfec", line, "/dev/null"], { encoding: "utf8" });
    assert.match(tty, /\[#+\.*\]\s+\d+% .*MiB \/ 96\.0 MiB/);
    assert.match(tty, /100% 96\.0 MiB \/ 96\.0 MiB/);
    const piped = cp("node", big, join(dir, "big-pipe"));
    assert.equal(piped.status, 0);
    assert.equal(piped.stderr, "");
  });
});
