import assert from "node:assert/strict";
import type { Suite } from "./context.ts";
import { spawnSync } from "node:child_process";
import { readdirSync, readlinkSync } from "node:fs";
import process from "node:process";
import { isLinux, mapsText, throwsLike } from "./context.ts";

/** The descriptor number of this process's newest memmap memfd. */
function openMemfd(): number {
  const fds = readdirSync("/proc/self/fd")
    .map(Number)
    .sort((a, b) => b - a);
  for (const fd of fds) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith("/memfd:memmap:")) return fd;
    } catch {
      /* closed meanwhile */
    }
  }
  throw new Error("no memmap memfd is open");
}

/** mapAnonymous(): shared memory backed by an anonymous file. */
export function anonymousCases({ describe, it, memmap }: Suite): void {
  const { mapAnonymous, MmapError } = memmap;

  describe("anonymous memory", () => {
    it("is zero-filled, readable and writable like a file mapping", () => {
      const m = mapAnonymous(100_000);
      assert.equal(m.length, 100_000);
      assert.equal(m.mode, "readwrite");
      assert.equal(m.path, undefined);
      assert.ok(m.bytes.every((b) => b === 0));
      m.bytes.fill(0x5a, 1000, 2000);
      assert.equal(m.view(1500, 1)[0], 0x5a);
      const i32 = new Int32Array(m.bytes.buffer, 0, 4);
      assert.equal(Atomics.add(i32, 0, 5), 0);
      assert.equal(Atomics.load(i32, 0), 5);
      m.flush();
      m.close();
      assert.equal(i32.length, 0);
    });

    it("resizes, keeping its contents", () => {
      const m = mapAnonymous(4096, { name: "resize-case" });
      m.bytes[4095] = 7;
      m.resize(3 * 4096 + 5);
      assert.equal(m.length, 3 * 4096 + 5);
      assert.equal(m.bytes[4095], 7);
      assert.equal(m.bytes[3 * 4096 + 4], 0);
      if (isLinux) {
        const e = throwsLike(() => m.resize(10), MmapError, /sealed against shrinking/) as InstanceType<typeof MmapError>;
        assert.equal(e.code, "EPERM");
        assert.equal(m.bytes[4095], 7, "a refused shrink changes nothing");
      }
      m.close();
    });

    if (isLinux) {
      it("is sealed against shrinking: a process it is shared with cannot truncate it", () => {
        const m = mapAnonymous(8192);
        m.bytes[8000] = 5;
        // Another process would reach the memfd the same way: through a descriptor of it.
        const r = spawnSync("truncate", ["-s", "0", `/proc/${process.pid}/fd/${openMemfd()}`], { encoding: "utf8" });
        assert.notEqual(r.status, 0);
        assert.match(r.stderr, /Operation not permitted/);
        assert.equal(m.bytes[8000], 5);
        m.close();
      });
    }

    it("size 0 is a valid empty mapping that can grow", () => {
      const m = mapAnonymous(0);
      assert.equal(m.bytes.length, 0);
      m.resize(100);
      m.bytes[99] = 1;
      assert.equal(m.bytes[99], 1);
      m.close();
    });

    if (isLinux) {
      it("is a memfd: it has no name on any file system and is gone after close()", () => {
        const m = mapAnonymous(8192, { name: "visible-name" });
        assert.ok(mapsText().includes("memfd:memmap:visible-name"));
        m.close();
        assert.ok(!mapsText().includes("memfd:memmap:visible-name"));
      });
    }

    it("rejects a bad size", () => {
      throwsLike(() => mapAnonymous(-1), RangeError);
      throwsLike(() => mapAnonymous(1.5), RangeError);
      throwsLike(() => mapAnonymous(Number.NaN), RangeError);
      throwsLike(() => mapAnonymous("10" as never), TypeError);
      throwsLike(() => mapAnonymous(10, { name: 5 as never }), TypeError);
    });
  });
}
