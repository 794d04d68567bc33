import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, it } from "vitest";
import { MmapError } from "./errors.ts";
import { openFirst } from "./library.ts";
import { CHECKSUMS_FILE, sha256Of, verifyPrebuilt } from "./prebuilt-checksum.ts";

describe("prebuilt checksums", () => {
  let dir = "";
  let shim = "";
  const isChecksumError = (e: unknown) => e instanceof MmapError && e.code === "ERR_LIBRARY_CHECKSUM" && /Reinstall/.test(e.message);
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "memmap-checksum-"));
    shim = join(dir, "linux-x64-gnu", "libmemmap.so");
    mkdirSync(join(dir, "linux-x64-gnu"));
    writeFileSync(shim, "a shim");
    writeFileSync(join(dir, CHECKSUMS_FILE), JSON.stringify({ sha256: { "linux-x64-gnu/libmemmap.so": sha256Of(shim) } }));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const search = () => ({ prebuiltDir: dir, target: "linux-x64-gnu" as const, verifyPrebuilt: (path: string) => verifyPrebuilt(dir, path) });

  it("opens a prebuilt whose SHA-256 is the recorded one", () => {
    assert.equal(openFirst(search(), (path) => path).path, shim);
  });
  it("refuses a corrupted prebuilt with ERR_LIBRARY_CHECKSUM, before opening it", () => {
    writeFileSync(shim, "a shim, corrupted");
    let opened = false;
    assert.throws(
      () =>
        openFirst(search(), () => {
          opened = true;
        }),
      (e) => isChecksumError(e) && (e as Error).message.includes("corrupt or was replaced"),
    );
    assert.equal(opened, false);
  });
  it("refuses a prebuilt the manifest does not name, and one with no manifest", () => {
    writeFileSync(join(dir, CHECKSUMS_FILE), JSON.stringify({ sha256: {} }));
    assert.throws(
      () => verifyPrebuilt(dir, shim),
      (e) => isChecksumError(e) && /records no checksum/.test((e as Error).message),
    );
    rmSync(join(dir, CHECKSUMS_FILE));
    assert.throws(
      () => verifyPrebuilt(dir, shim),
      (e) => isChecksumError(e) && /missing or unreadable/.test((e as Error).message),
    );
  });
  it("does not check a shim the user names (MEMMAP_LIBRARY_PATH)", () => {
    assert.equal(openFirst({ ...search(), env: "/elsewhere/libmemmap.so" }, (path) => path).path, "/elsewhere/libmemmap.so");
  });
});
