import assert from "node:assert/strict";
import type { Suite } from "./context.ts";
import { isLinux, mapsText, throwsLike } from "./context.ts";

/** mapAnonymous(): shared memory backed by an anonymous file. */
export function anonymousCases({ describe, it, memmap }: Suite): void {
  const { mapAnonymous } = memmap;

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
      m.resize(10);
      assert.equal(m.bytes.length, 10);
      m.close();
    });

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
