import assert from "node:assert/strict";
import { chmodSync, closeSync, fstatSync, openSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ABI } from "../abi.ts";
import type { Backend } from "../backend.ts";
import { canDropRoot, isRoot, isWindows, pattern, readByOtherProcess, type Suite, thrownAsNobody, throwsLike, withTempDir } from "./context.ts";

/** map() over files: modes, offsets, sizes, descriptors and the errors users meet. */
export function fileCases({ describe, it, skip, memmap, children, self }: Suite): void {
  const { map, mapAnonymous, pageSize, MmapError } = memmap;
  // A runtime's descriptors are C-runtime numbers on Windows, which the shim cannot use.
  const itWithFd = isWindows ? (name: string) => skip(name, "Windows: map(fd) is refused (see the case below)") : it;

  describe("file mappings", () => {
    it("readwrite: writes reach the file, seen by the runtime's fs and by a second process", () =>
      withTempDir((dir) => {
        const path = join(dir, "rw.bin");
        writeFileSync(path, pattern(10_000));
        const m = map(path, { mode: "readwrite" });
        assert.equal(m.length, 10_000);
        assert.equal(m.mode, "readwrite");
        m.bytes.set(new TextEncoder().encode("hello"), 4321);
        const expected = pattern(10_000);
        expected.set(new TextEncoder().encode("hello"), 4321);
        assert.deepEqual(readByOtherProcess(path), expected, "a second process sees the write while mapped");
        m.flush();
        m.close();
        assert.deepEqual(new Uint8Array(readFileSync(path)), expected);
      }));

    it("map() by path and close() each cross into the shim once: the FFI call, not the system calls, was map()'s cost", () =>
      withTempDir((dir) => {
        const path = join(dir, "calls.bin");
        writeFileSync(path, pattern(4096));
        map(path).close(); // the page size is asked once per process
        const calls = countShimCalls(memmap.backend(), () => {
          const m = map(path);
          assert.equal(m.bytes[4095], pattern(4096)[4095]);
          m.close();
        });
        assert.deepEqual(calls, ["mapFile", "unmap"]);
      }));

    it("copy: writes stay private and never reach the file", () =>
      withTempDir((dir) => {
        const path = join(dir, "copy.bin");
        writeFileSync(path, pattern(5000));
        const m = map(path, { mode: "copy" });
        m.bytes.fill(7);
        assert.equal(m.bytes[4999], 7);
        m.flush();
        m.close();
        assert.deepEqual(new Uint8Array(readFileSync(path)), pattern(5000));
      }));

    it("read: an accidental write neither crashes nor reaches the file", () =>
      withTempDir((dir) => {
        const path = join(dir, "read.bin");
        writeFileSync(path, pattern(3000));
        const m = map(path);
        assert.equal(m.mode, "read");
        assert.deepEqual(m.bytes, pattern(3000));
        m.bytes[10] = (m.bytes[10]! + 1) & 0xff;
        m.close();
        assert.deepEqual(new Uint8Array(readFileSync(path)), pattern(3000));
      }));

    it("any byte offset and length works, unaligned ones and windows ending at EOF too", () =>
      withTempDir((dir) => {
        const page = memmap.pageSize();
        const size = 3 * page + 500;
        const data = pattern(size, 7);
        const path = join(dir, "offsets.bin");
        writeFileSync(path, data);
        for (const offset of [0, 1, 1000, page - 1, page, page + 1, 2 * page + 123, size - 1, size]) {
          const toEnd = map(path, { offset });
          assert.equal(toEnd.offset, offset);
          assert.deepEqual(toEnd.bytes, data.subarray(offset), `to EOF from ${offset}`);
          toEnd.close();
          const length = Math.min(700, size - offset);
          const window = map(path, { offset: BigInt(offset), length });
          assert.deepEqual(window.bytes, data.subarray(offset, offset + length), `window at ${offset}`);
          window.close();
        }
      }));

    it("an offset or length past the end of the file is a RangeError naming the file's size", () =>
      withTempDir((dir) => {
        const path = join(dir, "short.bin");
        writeFileSync(path, pattern(1234));
        throwsLike(() => map(path, { offset: 1235 }), RangeError, /1234 bytes/);
        throwsLike(() => map(path, { offset: 1000, length: 235 }), RangeError, /1234 bytes/);
        throwsLike(() => map(path, { length: 5000 }), RangeError, /1234 bytes/);
      }));

    it("an empty file, or an offset at EOF, gives a zero-length mapping", () =>
      withTempDir((dir) => {
        const path = join(dir, "empty.bin");
        writeFileSync(path, "");
        for (const mode of ["read", "readwrite", "copy"] as const) {
          const m = map(path, { mode });
          assert.equal(m.length, 0);
          assert.equal(m.bytes.length, 0);
          assert.equal(m.view().length, 0);
          m.flush();
          m.close();
        }
        writeFileSync(path, "abc");
        const atEnd = map(path, { offset: 3 });
        assert.equal(atEnd.bytes.length, 0);
        atEnd.close();
      }));

    it("size creates a missing file and extends a short one in readwrite mode, keeping its bytes", () =>
      withTempDir((dir) => {
        const created = join(dir, "new.bin");
        const m = map(created, { mode: "readwrite", size: 5000 });
        assert.equal(m.length, 5000);
        assert.ok(m.bytes.every((b) => b === 0));
        m.bytes[4999] = 9;
        m.close();
        assert.equal(statSync(created).size, 5000);
        assert.equal(readFileSync(created)[4999], 9);

        const short = join(dir, "short.bin");
        writeFileSync(short, pattern(100));
        const grown = map(short, { mode: "readwrite", size: 8192 });
        assert.equal(grown.length, 8192);
        assert.deepEqual(grown.bytes.subarray(0, 100), pattern(100));
        grown.close();
        assert.equal(statSync(short).size, 8192);

        const kept = map(short, { mode: "readwrite", size: 10 });
        assert.equal(kept.length, 8192, "size never shrinks a file");
        kept.close();
        assert.equal(statSync(short).size, 8192);
      }));

    it("a file: URL works like its path", () =>
      withTempDir((dir) => {
        const path = join(dir, "url file.bin");
        writeFileSync(path, pattern(64));
        const m = map(pathToFileURL(path));
        assert.deepEqual(m.bytes, pattern(64));
        assert.equal(m.path, path);
        m.close();
      }));

    itWithFd("an open descriptor can be mapped and stays the caller's", () =>
      withTempDir((dir) => {
        const path = join(dir, "fd.bin");
        writeFileSync(path, pattern(4096));
        const fd = openSync(path, "r+");
        try {
          const m = map(fd, { mode: "readwrite", offset: 100 });
          assert.deepEqual(m.bytes, pattern(4096).subarray(100));
          m.bytes[0] = 0xab;
          m.close();
          assert.equal(fstatSync(fd).size, 4096, "the descriptor is still open after close()");
          assert.equal(readFileSync(path)[100], 0xab);
        } finally {
          closeSync(fd);
        }
      }),
    );

    itWithFd("readwrite over a read-only descriptor is EACCES saying it is not writable", () =>
      withTempDir((dir) => {
        const path = join(dir, "ro.bin");
        writeFileSync(path, pattern(100));
        const fd = openSync(path, "r");
        try {
          const e = throwsLike(() => map(fd, { mode: "readwrite" }), MmapError, /not writable/) as InstanceType<typeof MmapError>;
          assert.equal(e.code, "EACCES");
          const copy = map(fd, { mode: "copy" });
          copy.bytes[0] = 1;
          copy.close();
        } finally {
          closeSync(fd);
        }
      }),
    );

    itWithFd("a write-only descriptor is EACCES: mmap needs read access", () =>
      withTempDir((dir) => {
        const path = join(dir, "wo.bin");
        writeFileSync(path, pattern(100));
        const fd = openSync(path, "w");
        try {
          const e = throwsLike(() => map(fd), MmapError, /write-only/) as InstanceType<typeof MmapError>;
          assert.equal(e.code, "EACCES");
        } finally {
          closeSync(fd);
        }
      }),
    );

    if (isWindows) {
      it("on Windows, mapping a descriptor is a clear ERR_UNSUPPORTED_PLATFORM error naming the alternative", () =>
        withTempDir((dir) => {
          const path = join(dir, "fd.bin");
          writeFileSync(path, pattern(100));
          const fd = openSync(path, "r+");
          try {
            const e = throwsLike(() => map(fd), MmapError, /pass the file's path/) as InstanceType<typeof MmapError>;
            assert.equal(e.code, "ERR_UNSUPPORTED_PLATFORM");
          } finally {
            closeSync(fd);
          }
        }));
    }

    if (isRoot) {
      it("a read-only file (0444) maps for read and, for root, readwrite", () =>
        withTempDir((dir) => {
          const path = join(dir, "0444.bin");
          writeFileSync(path, pattern(10));
          chmodSync(path, 0o444);
          map(path).close();
          // Root bypasses file permissions: memmap adds no check of its own.
          map(path, { mode: "readwrite" }).close();
        }));
    }

    if (isRoot && !canDropRoot) {
      skip(
        "a file without write permission is EACCES for readwrite",
        "root may write any file, and setpriv, which would run the call as nobody, is not installed",
      );
    } else {
      it(
        "a file without write permission is EACCES for readwrite",
        () =>
          withTempDir((dir) => {
            const path = join(dir, "0444.bin");
            writeFileSync(path, pattern(10));
            chmodSync(path, 0o444);
            map(path).close();
            const e = isRoot
              ? thrownAsNobody(children[self]!, dir, `m.map(${JSON.stringify(path)}, { mode: "readwrite" })`)
              : (throwsLike(() => map(path, { mode: "readwrite" }), MmapError) as InstanceType<typeof MmapError>);
            assert.equal(e.name, "MmapError", e.message);
            assert.equal(e.code, "EACCES");
            assert.match(e.message, /write permission/);
            assert.equal(e.path, path);
          }),
        30_000,
      ); // as root, it starts a runtime as nobody, which has no Deno cache to read
    }

    it("a missing path is ENOENT naming the path", () =>
      withTempDir((dir) => {
        const path = join(dir, "missing.bin");
        const e = throwsLike(() => map(path), MmapError, /missing\.bin/) as InstanceType<typeof MmapError>;
        assert.equal(e.code, "ENOENT");
        assert.equal(e.path, path);
        assert.equal(e.syscall, "open");
        assert.ok(typeof e.errno === "number" && e.errno < 0);
      }));

    it("a directory is a clear EISDIR error", () =>
      withTempDir((dir) => {
        for (const mode of ["read", "readwrite"] as const) {
          const e = throwsLike(() => map(dir, { mode }), MmapError, /directory/) as InstanceType<typeof MmapError>;
          assert.equal(e.code, "EISDIR");
        }
      }));

    it("flush works sync, async and on ranges", () =>
      withTempDir((dir) => {
        const path = join(dir, "flush.bin");
        writeFileSync(path, new Uint8Array(20_000));
        const m = map(path, { mode: "readwrite", offset: 777 });
        m.bytes[0] = 1;
        m.flush();
        m.bytes[10_000] = 2;
        m.flush({ async: true });
        m.bytes[15_000] = 3;
        m.flush({ offset: 15_000, length: 1 });
        m.flush({ offset: 14_000, length: 2_000, async: true });
        throwsLike(() => m.flush({ offset: 19_000, length: 1000 }), RangeError, /past the end/);
        m.close();
        const back = readFileSync(path);
        assert.deepEqual([back[777], back[10_777], back[15_777]], [1, 2, 3]);
      }));

    it("advise takes every advice, on the whole mapping and on ranges", () =>
      withTempDir((dir) => {
        const path = join(dir, "advise.bin");
        writeFileSync(path, pattern(50_000));
        for (const mode of ["read", "readwrite"] as const) {
          const m = map(path, { mode, offset: 10 });
          for (const advice of ["normal", "random", "sequential", "willneed", "dontneed", "hugepage", "nohugepage"] as const) {
            m.advise(advice);
            m.advise(advice, { offset: 5000, length: 100 });
          }
          assert.deepEqual(m.bytes, pattern(50_000).subarray(10), "advice never changes file-backed contents");
          m.close();
        }
        const hinted = map(path, { advice: "sequential", populate: true });
        assert.equal(hinted.bytes[0], pattern(1)[0]);
        hinted.close();
      }));

    if (isWindows) {
      it("resident() is a clear MmapError on Windows, which has no mincore", () => {
        const m = mapAnonymous(65_536);
        const e = throwsLike(() => m.resident(), MmapError, /not available/) as InstanceType<typeof MmapError>;
        assert.equal(e.code, "ENOSYS");
        m.close();
      });
    } else {
      it("resident() counts the pages in RAM: none of fresh memory, all once touched, per range, per page", () =>
        withTempDir((dir) => {
          const page = pageSize();
          const m = mapAnonymous(16 * page);
          const fresh = m.resident();
          assert.equal(fresh.pages, 16);
          assert.equal(fresh.bitmap.length, 16);
          assert.ok(fresh.resident <= 2, `fresh anonymous memory: ${fresh.resident} of 16 pages resident`);
          // Pages 3 and 7 only; the range starts inside page 3 and ends inside page 8.
          m.bytes[3 * page + 100] = 1;
          m.bytes[7 * page] = 1;
          const part = m.resident({ offset: 3 * page + 10, length: 5 * page });
          assert.deepEqual([...part.bitmap], [1, 0, 0, 0, 1, 0]);
          assert.deepEqual([part.pages, part.resident], [6, 2]);
          for (let at = 0; at < m.length; at += page) m.bytes[at] = 1;
          assert.deepEqual(m.resident(), { pages: 16, resident: 16, bitmap: new Uint8Array(16).fill(1) });
          assert.deepEqual(m.resident({ offset: 5 * page, length: 0 }), { pages: 0, resident: 0, bitmap: new Uint8Array(0) });
          throwsLike(() => m.resident({ offset: 17 * page }), RangeError, /past the end/);
          throwsLike(() => m.resident({ offset: page, length: 16 * page }), RangeError, /past the end/);
          throwsLike(() => m.resident({ offset: 1.5 }), RangeError);
          throwsLike(() => m.resident({ length: -1 }), RangeError);
          throwsLike(() => m.resident("all" as never), TypeError);
          m.close();
          const e = throwsLike(() => m.resident(), MmapError, /resident: the mapping is closed/) as InstanceType<typeof MmapError>;
          assert.equal(e.code, "ERR_MAPPING_CLOSED");

          // A file mapping at an unaligned offset counts the file's pages under [offset, offset + length).
          const path = join(dir, "resident.bin");
          writeFileSync(path, pattern(3 * page));
          const f = map(path, { offset: page - 1, length: 2 });
          assert.equal(f.resident().pages, 2, "two bytes across a page boundary are two pages");
          assert.equal(f.resident({ offset: 1 }).pages, 1);
          f.close();
        }));
    }

    it("resize grows and shrinks a readwrite mapping; the file follows; old views are detached", () =>
      withTempDir((dir) => {
        const path = join(dir, "resize.bin");
        writeFileSync(path, pattern(10_000));
        const m = map(path, { mode: "readwrite", offset: 3000 });
        const before = m.bytes;
        m.resize(50_000);
        assert.equal(before.length, 0, "views taken before resize are detached");
        assert.equal(m.length, 50_000);
        assert.equal(statSync(path).size, 53_000);
        assert.deepEqual(m.bytes.subarray(0, 7000), pattern(10_000).subarray(3000));
        m.bytes[49_999] = 42;
        m.resize(100);
        assert.equal(statSync(path).size, 3100);
        assert.deepEqual(m.bytes, pattern(10_000).subarray(3000, 3100));
        m.resize(0);
        assert.equal(m.bytes.length, 0);
        assert.equal(statSync(path).size, 3000);
        m.resize(4096);
        m.bytes[4095] = 5;
        m.close();
        assert.equal(readFileSync(path)[3000 + 4095], 5);
        const ro = map(path);
        throwsLike(() => ro.resize(10), MmapError, /readwrite/);
        ro.close();
      }));
  });
}

/** The shim calls (ABI names) `fn` makes through `backend`, in order. */
function countShimCalls(backend: Backend, fn: () => void): string[] {
  const calls: string[] = [];
  const table = backend as unknown as Record<string, (...args: unknown[]) => unknown>;
  const saved = new Map<string, (...args: unknown[]) => unknown>();
  for (const name of Object.keys(ABI)) {
    const original = table[name]!;
    saved.set(name, original);
    table[name] = (...args) => {
      calls.push(name);
      return original.apply(backend, args);
    };
  }
  try {
    fn();
  } finally {
    for (const [name, original] of saved) table[name] = original;
  }
  return calls;
}
