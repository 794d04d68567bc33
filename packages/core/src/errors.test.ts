import assert from "node:assert/strict";
import { describe, it } from "vitest";
import type { Backend } from "./backend.ts";
import { ERRNO_NAMES, errnos, loadErrnos, MmapError } from "./errors.ts";

/** A backend that answers only errnoTable, with `table` as the shim's text. */
function withTable(table: string): { -readonly [K in keyof Backend]: Backend[K] } {
  const bytes = new TextEncoder().encode(table);
  return {
    libraryPath: "/fake/libmemmap.so",
    errnoTable: (out: ArrayBufferView, capacity: number) => {
      if (bytes.length + 1 > capacity) return -34;
      const u8 = new Uint8Array(out.buffer, out.byteOffset, capacity);
      u8.set(bytes);
      u8[bytes.length] = 0;
      return bytes.length;
    },
  } as Partial<Backend> as Backend;
}

/** Every name core needs, numbered 100, 101, ... */
const numbered = ERRNO_NAMES.map((name, i) => `${name}=${100 + i}\n`).join("");

describe("the shim's errno table", () => {
  it("gives each name the shim's number, read once", () => {
    let reads = 0;
    const b = withTable(`EPERM=1\n${numbered}`);
    const read = b.errnoTable;
    b.errnoTable = (out, capacity) => {
      reads++;
      return read(out, capacity);
    };
    const e = loadErrnos(b);
    assert.equal(e.ENOTTY, 100 + ERRNO_NAMES.indexOf("ENOTTY"));
    assert.equal(e.ENOSYS, 100 + ERRNO_NAMES.indexOf("ENOSYS"));
    assert.equal(errnos(b), e);
    assert.equal(reads, 1);
  });

  it("keeps two names of one number apart (Linux's ENOTSUP and EOPNOTSUPP)", () => {
    const e = loadErrnos(withTable(numbered.replace(/ENOTSUP=\d+/, "ENOTSUP=95").replace(/EOPNOTSUPP=\d+/, "EOPNOTSUPP=95")));
    assert.equal(e.ENOTSUP, 95);
    assert.equal(e.EOPNOTSUPP, 95);
  });

  it("refuses a shim that lacks a name core needs, naming it and the library", () => {
    const b = withTable(numbered.replace(/ENOTTY=\d+\n/, ""));
    assert.throws(
      () => loadErrnos(b),
      (e: unknown) => e instanceof MmapError && e.code === "ERR_LIBRARY_ABI" && /ENOTTY/.test(e.message) && /\/fake\/libmemmap\.so/.test(e.message),
    );
  });
});
