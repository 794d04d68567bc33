import assert from "node:assert/strict";
import { closeSync, ftruncateSync, openSync, readSync } from "node:fs";
import { join } from "node:path";
import { type Suite, throwsLike, withTempDir } from "./context.ts";

const GiB = 2 ** 30;

/** Mappings larger than the biggest ArrayBuffer some runtimes can make (Bun: 4 GiB). */
export function largeCases({ describe, it, memmap }: Suite): void {
  const { map } = memmap;

  describe("larger than an ArrayBuffer", () => {
    it(
      "a sparse 6 GiB file maps; bytes says to use view() where it cannot fit; view() works past 4 GiB",
      () =>
        withTempDir((dir) => {
          const path = join(dir, "sparse-6g.bin");
          const fd = openSync(path, "w");
          ftruncateSync(fd, 6 * GiB);
          closeSync(fd);
          const m = map(path, { mode: "readwrite" });
          assert.equal(m.length, 6 * GiB);
          const max = memmap.backend().maxArrayBufferLength;
          if (m.length > max) {
            throwsLike(() => m.bytes, RangeError, /view\(/);
          } else {
            assert.equal(m.bytes.length, 6 * GiB);
          }
          const far = m.view(5 * GiB + 123, 4096);
          assert.equal(far.length, 4096);
          assert.equal(far[0], 0);
          far.set([1, 2, 3]);
          const atEnd = m.view(BigInt(6 * GiB - 10));
          assert.equal(atEnd.length, 10);
          atEnd[9] = 99;
          m.flush({ offset: 5 * GiB, length: GiB });
          m.close();
          assert.equal(far.length, 0, "views over the far end are detached by close() too");
          const back = new Uint8Array(3);
          const rfd = openSync(path, "r");
          readSync(rfd, back, 0, 3, 5 * GiB + 123);
          const last = new Uint8Array(1);
          readSync(rfd, last, 0, 1, 6 * GiB - 1);
          closeSync(rfd);
          assert.deepEqual([...back, last[0]], [1, 2, 3, 99]);
        }),
      60_000,
    );
  });
}
