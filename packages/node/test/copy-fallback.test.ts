// copyFile's "auto" over the real shim, with FICLONE made to fail as a file system without
// that ioctl fails it (ENOTTY): the copy must go on with copy_file_range or mmap. The fake
// backend also gives every file one device number of its own, so no earlier copy in this
// process can have marked the device as unable to clone, which would skip the clone.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, it } from "vitest";
import { type Backend, bindMemmap, MmapError, STAT_DEV } from "@memmap/core/backend";
import { backend } from "@memmap/node";

/** ENOTTY is 25 on Linux, macOS and Windows (mingw) alike. */
const ENOTTY = 25;

// Made in beforeAll, not at import: a run that filters these cases out runs neither hook.
let dir = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "memmap-copy-fallback-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let devices = 0x7fff0000n;

function cloneFailsWithEnotty() {
  const real = backend();
  const device = devices++;
  const calls = { clone: 0 };
  const fake: Backend = {
    ...real,
    clone: () => {
      calls.clone++;
      return -ENOTTY;
    },
    fstat: (fd, out) => {
      const r = real.fstat(fd, out);
      (out as BigInt64Array)[STAT_DEV] = device;
      return r;
    },
  };
  return { memmap: bindMemmap(() => fake), calls };
}

function source(name: string): { path: string; bytes: Buffer } {
  const path = join(dir, name);
  const bytes = randomBytes(3 * 4096 + 1);
  writeFileSync(path, bytes);
  return { path, bytes };
}

describe("copyFile 'auto' when FICLONE fails with ENOTTY", () => {
  it("copyFileSync falls back and copies every byte", () => {
    const { memmap, calls } = cloneFailsWithEnotty();
    const src = source("sync.bin");
    const result = memmap.copyFileSync(src.path, join(dir, "sync.copy"));
    assert.equal(calls.clone, 1, "the clone was tried");
    assert.ok(result.strategy === "copy_file_range" || result.strategy === "mmap", result.strategy);
    assert.equal(result.bytes, src.bytes.length);
    assert.deepEqual(readFileSync(join(dir, "sync.copy")), src.bytes);
  });

  it("copyFile falls back and copies every byte", async () => {
    const { memmap, calls } = cloneFailsWithEnotty();
    const src = source("async.bin");
    const result = await memmap.copyFile(src.path, join(dir, "async.copy"));
    assert.equal(calls.clone, 1, "the clone was tried");
    assert.ok(result.strategy === "copy_file_range" || result.strategy === "mmap", result.strategy);
    assert.deepEqual(readFileSync(join(dir, "async.copy")), src.bytes);
  });

  it("a forced clone fails with an MmapError that names ENOTTY", () => {
    const { memmap } = cloneFailsWithEnotty();
    const src = source("forced.bin");
    assert.throws(
      () => memmap.copyFileSync(src.path, join(dir, "forced.copy"), { strategy: "clone" }),
      (e: unknown) =>
        e instanceof MmapError &&
        e.code === "ENOTTY" &&
        e.errno === -ENOTTY &&
        e.syscall === "ioctl(FICLONE)" &&
        e.message.startsWith("ENOTTY: inappropriate ioctl for device, ioctl(FICLONE)"),
    );
  });
});
