import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  collectUntil,
  emulator,
  isLinux,
  isRoot,
  mapsLineCount,
  mapsText,
  memlockLimit,
  openFdCount,
  pattern,
  type Suite,
  throwsLike,
  withTempDir,
} from "./context.ts";

/** close(), garbage collection, descriptors and leaks. */
export function lifecycleCases({ describe, it, skip, memmap, gc }: Suite): void {
  const { map, mapAnonymous, MmapError } = memmap;

  describe("lifecycle", () => {
    it("close() is idempotent; afterwards bytes throws and every earlier view has length 0", () =>
      withTempDir((dir) => {
        const path = join(dir, "close.bin");
        writeFileSync(path, pattern(10_000));
        const m = map(path, { mode: "readwrite" });
        const whole = m.bytes;
        const part = m.view(100, 50);
        const i32 = new Int32Array(m.bytes.buffer, 0, 16);
        m.close();
        m.close();
        assert.equal(m.closed, true);
        assert.equal(whole.length, 0);
        assert.equal(part.length, 0);
        assert.equal(i32.length, 0);
        assert.equal(whole[0], undefined, "reading a detached view gives undefined, not a crash");
        whole[0] = 1; // a no-op on a detached view
        const e = throwsLike(() => m.bytes, MmapError, /closed/) as InstanceType<typeof MmapError>;
        assert.equal(e.code, "ERR_MAPPING_CLOSED");
        throwsLike(() => m.view(0, 1), MmapError, /closed/);
        throwsLike(() => m.flush(), MmapError, /closed/);
        throwsLike(() => m.resize(1), MmapError, /closed/);
        throwsLike(() => m.lock(), MmapError, /closed/);
        const d = map(path);
        const v = d.bytes;
        d[Symbol.dispose]();
        assert.equal(d.closed, true);
        assert.equal(v.length, 0);
      }));

    if (!isLinux) {
      skip("descriptors and mappings are counted in /proc", "needs /proc/self/fd and /proc/self/maps (Linux only)");
      skip("lock() and unlock() pin and release the pages", "locked memory is read from VmLck in /proc/self/status (Linux only)");
      return;
    }

    it("the descriptor is closed right after mapping and the mapping lives on", () =>
      withTempDir((dir) => {
        const path = join(dir, "fd-closed.bin");
        writeFileSync(path, pattern(8192));
        const fds = openFdCount();
        const m = map(path, { mode: "readwrite" });
        assert.equal(openFdCount(), fds, "no descriptor is held by a file mapping");
        assert.ok(mapsText().includes(path), "the mapping is in /proc/self/maps");
        m.bytes[1] = 77;
        assert.deepEqual(m.bytes.subarray(2, 10), pattern(8192).subarray(2, 10));
        m.close();
        assert.ok(!mapsText().includes(path), "close() unmaps");
      }));

    if (emulator) {
      skip(
        "populate reads a 'read' mapping's pages in without copying them (no anonymous memory)",
        `${emulator} ignores MAP_POPULATE and MADV_POPULATE_READ, so nothing is read in`,
      );
    } else {
      it("populate reads a 'read' mapping's pages in without copying them (no anonymous memory)", () =>
        withTempDir((dir) => {
          const path = join(dir, "populate.bin");
          writeFileSync(path, pattern(32 * 2 ** 20));
          const rss = (field: string) => Number(readFileSync("/proc/self/status", "utf8").match(new RegExp(`${field}:\\s+(\\d+)`))![1]) * 1024;
          const anon = rss("RssAnon");
          const file = rss("RssFile");
          const m = map(path, { populate: true });
          const grewAnon = rss("RssAnon") - anon;
          const grewFile = rss("RssFile") - file;
          m.close();
          assert.ok(grewAnon < 8 * 2 ** 20, `anonymous memory grew by ${grewAnon} bytes`);
          assert.ok(grewFile > 16 * 2 ** 20, `file-backed resident memory grew by only ${grewFile} bytes`);
        }));
    }

    it(
      "10,000 map/close cycles leak no descriptor and no mapping",
      () =>
        withTempDir((dir) => {
          const path = join(dir, "cycles.bin");
          writeFileSync(path, pattern(4096));
          const warm = map(path);
          void warm.bytes[0];
          warm.close();
          const fds = openFdCount();
          const lines = mapsLineCount();
          for (let i = 0; i < 10_000; i++) {
            const m = map(path, { mode: i % 2 ? "readwrite" : "read", offset: i % 100 });
            if (m.bytes[0] !== pattern(4096)[i % 100]) throw new Error(`wrong byte in cycle ${i}`);
            m.close();
          }
          assert.equal(openFdCount(), fds, "descriptor count returns to baseline");
          // The runtime's own heap adds regions as it grows (up to ~100 seen); one leak per cycle would add 10,000.
          assert.ok(mapsLineCount() - lines < 1000, `maps grew from ${lines} to ${mapsLineCount()} lines`);
          assert.ok(!mapsText().includes(path));
        }),
      60_000,
    );

    if (gc) {
      const collect = (until: () => boolean) => collectUntil(gc, until);

      it(
        "a mapping dropped without close() is unmapped once garbage-collected",
        () =>
          withTempDir(async (dir) => {
            const path = join(dir, "dropped.bin");
            writeFileSync(path, pattern(8192));
            (() => {
              map(path, { mode: "readwrite" }).bytes[0] = 1;
            })();
            assert.ok(mapsText().includes(path));
            assert.ok(await collect(() => !mapsText().includes(path)), "unmapped after GC");
          }),
        30_000,
      );

      it(
        "a view that outlives its dropped Mapping stays valid, and is unmapped after it goes too",
        () =>
          withTempDir(async (dir) => {
            const path = join(dir, "outlived.bin");
            writeFileSync(path, pattern(8192));
            // Held through an object and touched only in inner functions, so no stack
            // slot of this frame keeps the view alive (JSC scans stacks conservatively).
            const held: { view?: Uint8Array } = {};
            (() => {
              held.view = map(path).view(10, 20);
            })();
            await collect(() => false);
            (() => assert.deepEqual(held.view, pattern(8192).subarray(10, 30), "still readable after GC"))();
            assert.ok(mapsText().includes(path), "still mapped while a view is reachable");
            held.view = undefined;
            assert.ok(await collect(() => !mapsText().includes(path)), "unmapped once the view is unreachable too");
          }),
        30_000,
      );
    } else {
      skip("a dropped mapping is unmapped after GC", "this runtime was started without a way to force GC");
    }

    if (!isRoot && memlockLimit() < 65_536) {
      skip("lock() and unlock()", `RLIMIT_MEMLOCK is ${memlockLimit()} bytes, less than the 64 KiB the case locks`);
    } else {
      it("lock() and unlock() pin and release the pages", () => {
        // The kernel's count of this process's locked memory, in bytes.
        const locked = () => Number(readFileSync("/proc/self/status", "utf8").match(/VmLck:\s+(\d+) kB/)![1]) * 1024;
        const m = mapAnonymous(65_536);
        try {
          const before = locked();
          m.lock();
          assert.equal(locked() - before, 65_536, "lock() adds the mapping's 64 KiB to VmLck");
          m.unlock();
          assert.equal(locked(), before, "unlock() takes them off again");
        } finally {
          m.close();
        }
      });
    }
  });
}
