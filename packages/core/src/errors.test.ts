import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it } from "vitest";
import type { Backend } from "./backend.ts";
import { ERRNO_CODES, ERRNO_NAMES, errnos, isMmapErrorCode, loadErrnos, MEMMAP_CODES, MmapError } from "./errors.ts";

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

describe("MmapErrorCode", () => {
  const root = join(dirname(fileURLToPath(import.meta.url)), "../../..");
  /** Every `code: "..."` literal the packages' sources raise, tests left out. */
  const raised = (() => {
    const codes = new Set<string>();
    const sources = ["packages/core/src", "packages/node/src", "packages/bun/src", "packages/deno/src", "packages/deno/mod.ts", "packages/deno/cp.ts"];
    for (const source of sources) {
      const path = join(root, source);
      const files = statSync(path).isDirectory()
        ? readdirSync(path, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && !f.startsWith("testing"))
        : [""];
      for (const file of files) {
        for (const m of readFileSync(join(path, file), "utf8").matchAll(/\bcode: "([A-Z0-9_]+)"/g)) codes.add(m[1]!);
      }
    }
    return codes;
  })();

  it("has every code the sources raise, and no ERR_ code they never raise", () => {
    const known = new Set<string>([...ERRNO_CODES, ...MEMMAP_CODES]);
    assert.deepEqual([...raised].filter((c) => !known.has(c)).sort(), [], "raised but not in MmapErrorCode");
    assert.deepEqual(
      MEMMAP_CODES.filter((c) => !raised.has(c)),
      [],
      "in MEMMAP_CODES but never raised",
    );
  });

  it("has exactly the errno names of the shim's table (native/src/errnos.h), and EUNKNOWN", () => {
    const header = readFileSync(join(root, "native/src/errnos.h"), "utf8");
    const names = [...header.matchAll(/XX\((E[A-Z0-9]+),/g)].map((m) => m[1]);
    assert.deepEqual([...ERRNO_CODES], [...names, "EUNKNOWN"]);
  });

  it("is documented code by code in docs/errors.md", () => {
    const doc = readFileSync(join(root, "docs/errors.md"), "utf8");
    const documented = new Set([...doc.matchAll(/^\| `([A-Z0-9_]+)` \|/gm)].map((m) => m[1]));
    assert.deepEqual(
      [...ERRNO_CODES, ...MEMMAP_CODES].filter((c) => !documented.has(c)),
      [],
      "codes docs/errors.md does not explain",
    );
    assert.deepEqual(
      [...documented].filter((c) => !isMmapErrorCode(c!)),
      [],
      "codes docs/errors.md explains that memmap never raises",
    );
  });
});
