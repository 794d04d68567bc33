import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pattern, type Suite, throwsLike, withTempDir } from "./context.ts";

/** mapping.readInto(offset, target): a record copied out, with readSync's contract and typed errors. */
export function readIntoCases({ describe, it, memmap }: Suite): void {
  const { map, mapAnonymous, MmapError } = memmap;

  /** A mapping of a 100-byte file and a target of 9s, which must still be all 9s after `body` (whose calls all fail). */
  const withMappedFile = (body: (m: ReturnType<typeof map>, target: Uint8Array) => void) =>
    withTempDir((dir) => {
      const path = join(dir, "refused.bin");
      writeFileSync(path, pattern(100));
      const target = new Uint8Array(10).fill(9);
      body(map(path), target);
      assert.ok(
        target.every((b) => b === 9),
        "a refused call writes nothing",
      );
    });

  describe("readInto", () => {
    it("copies target.byteLength bytes from any offset, fewer at the end, and returns the count", () =>
      withTempDir((dir) => {
        const data = pattern(10_000, 3);
        const path = join(dir, "records.bin");
        writeFileSync(path, data);
        const m = map(path);
        const record = new Uint8Array(4096);
        assert.equal(m.readInto(4097, record), 4096);
        assert.deepEqual(record, data.subarray(4097, 4097 + 4096));
        assert.equal(m.readInto(0n, record), 4096, "a bigint offset");
        assert.deepEqual(record, data.subarray(0, 4096));
        record.fill(0xee);
        assert.equal(m.readInto(9000, record), 1000, "fewer at the end of the mapping");
        assert.deepEqual(record.subarray(0, 1000), data.subarray(9000));
        assert.ok(
          record.subarray(1000).every((b) => b === 0xee),
          "bytes past the copied ones stay as they were",
        );
        assert.equal(m.readInto(10_000, record), 0, "at the very end: nothing to copy");
        assert.equal(m.readInto(5, new Uint8Array(0)), 0, "an empty target");
        m.close();
      }));

    it("fills exactly the bytes of any typed array or DataView, and reads relative to the mapping's offset", () =>
      withTempDir((dir) => {
        const data = pattern(8192, 5);
        const path = join(dir, "views.bin");
        writeFileSync(path, data);
        const m = map(path, { offset: 1001 });
        const backing = new Uint8Array(64).fill(0xaa);
        const words = new Uint16Array(backing.buffer, 8, 8);
        assert.equal(m.readInto(10, words), 16);
        assert.deepEqual(backing.subarray(8, 24), data.subarray(1011, 1027));
        assert.ok(backing.subarray(0, 8).every((b) => b === 0xaa) && backing.subarray(24).every((b) => b === 0xaa), "nothing outside the view is written");
        const dv = new DataView(backing.buffer, 32, 4);
        assert.equal(m.readInto(0, dv), 4);
        assert.deepEqual(backing.subarray(32, 36), data.subarray(1001, 1005));
        m.close();
      }));

    it("sees what was written through bytes (the same memory), and works on anonymous and empty mappings", () => {
      const shm = mapAnonymous(100);
      shm.bytes.set([1, 2, 3], 50);
      const out = new Uint8Array(3);
      assert.equal(shm.readInto(50, out), 3);
      assert.deepEqual(out, new Uint8Array([1, 2, 3]));
      shm.close();
      const empty = mapAnonymous(0);
      assert.equal(empty.readInto(0, out), 0);
      empty.close();
    });

    it("a bad offset is a RangeError naming the length, a bad type a TypeError; the target is left alone", () =>
      withMappedFile((m, target) => {
        throwsLike(() => m.readInto(101, target), RangeError, /past the end of the mapping \(length 100\)/);
        throwsLike(() => m.readInto(2n ** 60n, target), RangeError);
        for (const offset of [-1, 1.5, Number.NaN, Infinity, -1n]) throwsLike(() => m.readInto(offset as number, target), RangeError);
        for (const offset of ["1", null, undefined, {}]) throwsLike(() => m.readInto(offset as never, target), TypeError);
        for (const bad of [null, undefined, new ArrayBuffer(10), [0, 0], "abc", 5]) throwsLike(() => m.readInto(0, bad as never), TypeError, /typed array/);
        m.close();
      }));

    it("on a closed mapping: MmapError ERR_MAPPING_CLOSED, nothing written", () =>
      withMappedFile((m, target) => {
        m.close();
        const e = throwsLike(() => m.readInto(0, target), MmapError, /readInto: the mapping is closed/) as InstanceType<typeof MmapError>;
        assert.equal(e.code, "ERR_MAPPING_CLOSED");
      }));
  });
}
