import assert from "node:assert/strict";
import { describe, it } from "vitest";
import { libraryCandidates, loadHint, openFirst } from "./library.ts";
import { MmapError } from "./errors.ts";
import { detectLibc, normalizeHost, targetFor, TARGETS } from "./platform.ts";

describe("platform table", () => {
  it("picks a target by platform, arch and libc", () => {
    assert.equal(targetFor({ platform: "linux", arch: "x64", libc: "gnu" }), "linux-x64-gnu");
    assert.equal(targetFor({ platform: "linux", arch: "arm64", libc: "musl" }), "linux-arm64-musl");
    assert.equal(targetFor({ platform: "darwin", arch: "arm64" }), "darwin-arm64");
    assert.equal(targetFor({ platform: "win32", arch: "x64" }), "win32-x64");
  });
  it("names what was found and what is supported when nothing fits", () => {
    assert.throws(() => targetFor({ platform: "freebsd", arch: "x64" }), /freebsd-x64.*supported: linux-x64-gnu/);
    assert.throws(() => targetFor({ platform: "linux", arch: "riscv64", libc: "gnu" }), /linux-riscv64-gnu/);
  });
  it("maps Deno's names to Node's", () => {
    assert.deepEqual(normalizeHost("windows", "x86_64"), { platform: "win32", arch: "x64", libc: undefined });
    assert.deepEqual(normalizeHost("linux", "aarch64", "musl"), { platform: "linux", arch: "arm64", libc: "musl" });
  });
  it("tells glibc from musl by the process report, as napi-rs does", () => {
    assert.equal(detectLibc({ header: { glibcVersionRuntime: "2.36" } }), "gnu");
    assert.equal(detectLibc({ header: {} }), "musl");
  });
  it("every target has a file name of its OS's kind", () => {
    for (const t of Object.values(TARGETS)) {
      assert.match(t.file, t.os === "win32" ? /\.dll$/ : t.os === "darwin" ? /\.dylib$/ : /\.so$/);
    }
  });
});

describe("library search", () => {
  const search = { prebuiltDir: "/pkg/prebuilt", target: "linux-x64-gnu" as const };
  it("tries explicit, then MEMMAP_LIBRARY_PATH, then the prebuilt", () => {
    const c = libraryCandidates({ ...search, explicit: "/a.so", env: "/b.so" });
    assert.deepEqual(
      c.map((x) => x.path),
      ["/a.so", "/b.so", "/pkg/prebuilt/linux-x64-gnu/libmemmap.so"],
    );
  });
  it("one error lists every path tried and the override", () => {
    assert.throws(
      () =>
        openFirst(search, () => {
          throw new Error("cannot open");
        }),
      (e: unknown) =>
        e instanceof MmapError && e.code === "ERR_LIBRARY_LOAD" && /linux-x64-gnu\/libmemmap\.so/.test(e.message) && /MEMMAP_LIBRARY_PATH/.test(e.message),
    );
  });
  it("an explicit path that fails is an error at once, not a silent fallback", () => {
    const tried: string[] = [];
    assert.throws(
      () =>
        openFirst({ ...search, env: "/bad.so" }, (p) => {
          tried.push(p);
          throw new Error("nope");
        }),
      /MEMMAP_LIBRARY_PATH/,
    );
    assert.deepEqual(tried, ["/bad.so"]);
  });
  it("a missing FFI permission is one MmapError naming the flag, not a list of paths", () => {
    const denied = Object.assign(new Error('Requires ffi access to "x.so", run again with the --allow-ffi flag'), { name: "NotCapable" });
    assert.throws(
      () =>
        openFirst(search, () => {
          throw denied;
        }),
      (e: unknown) => e instanceof MmapError && e.code === "ERR_ACCESS_DENIED" && /--allow-ffi/.test(e.message) && !/Tried/.test(e.message),
    );
  });
  it("returns the first that opens", () => {
    assert.equal(openFirst({ ...search, env: "/ok.so" }, (p) => p.length).path, "/ok.so");
  });

  it("says when a shim is for another C library or architecture", () => {
    const t = "linux-x64-gnu" as const;
    assert.match(loadHint("dlopen failed: /lib/x86_64-linux-gnu/libc.so: invalid ELF header", "/p/a.so", t), /another C library.*linux-x64-gnu/);
    assert.match(loadHint("Error relocating /p/a.so: __memcpy_chk: symbol not found (needs GLIBC_2.3.4)", "/p/a.so", t), /another C library/);
    assert.match(loadHint("/p/a.so: wrong ELF class: ELFCLASS32", "/p/a.so", t), /another platform or architecture/);
    assert.match(
      loadHint("dlopen failed: /p/a.so: cannot open shared object file: No such file or directory", "/p/a.so", t),
      /missing, or built for another architecture/,
    );
    assert.equal(loadHint("dlopen failed: /p/a.so: undefined symbol: foo", "/p/a.so", t), "");
  });
});
