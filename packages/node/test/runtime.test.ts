import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, it } from "vitest";
import { backend, configure, map, MmapError } from "@memmap/node";

const major = Number(process.versions.node.split(".")[0]);
const entry = fileURLToPath(import.meta.resolve("@memmap/node"));

describe("node runtime package", () => {
  it(`picks ${major >= 26 ? "node:ffi" : "koffi"} on Node ${major}`, () => {
    assert.equal(backend().name, major >= 26 ? "node:ffi" : "koffi");
  });

  it("configure() after the shim is loaded is a clear error", () => {
    backend();
    assert.throws(
      () => configure({ libraryPath: "/x.so" }),
      (e: unknown) => e instanceof MmapError && /already loaded/.test(e.message),
    );
  });

  it("a wrong MEMMAP_LIBRARY_PATH is one error naming the path and the variable", () => {
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", `import { map } from ${JSON.stringify(entry)}; map("/etc/hostname");`], {
      env: { ...process.env, MEMMAP_LIBRARY_PATH: "/nonexistent/libmemmap.so" },
      encoding: "utf8",
    });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /MEMMAP_LIBRARY_PATH/);
    assert.match(r.stderr, /\/nonexistent\/libmemmap\.so/);
  });

  it("the CommonJS build works through require()", () => {
    const cjs = entry.replace(/index\.js$/, "index.cjs");
    const out = execFileSync(
      process.execPath,
      ["-e", `const m = require(${JSON.stringify(cjs)}); const x = m.mapAnonymous(10); x.bytes[0] = 7; console.log(x.bytes[0]); x.close();`],
      {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    assert.equal(out.trim(), "7");
  });

  it("a mapping works with the runtime's own Buffer and TextDecoder", () => {
    const m = map(fileURLToPath(import.meta.url));
    assert.match(Buffer.from(m.bytes.buffer, m.bytes.byteOffset, 64).toString("utf8"), /import assert/);
    m.close();
  });
});
