// 1,000,000 messages of random sizes through a Channel between two runtimes,
// each checked: none lost, duplicated, reordered or corrupted.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, it } from "vitest";
import * as memmap from "@memmap/node";
import { CHILD_RUNTIMES } from "../../scripts/child-runtimes.ts";

const COUNT = 1_000_000;
let dir = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "memmap-stress-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Message n: its 32-bit number, then (n * 31 + i) & 255 for i < a size from 0 to 250 picked by n. */
const SENDER = (count: number) => `
const ch = m.Channel.attach(m.inherited().ring);
const buf = new Uint8Array(256);
const dv = new DataView(buf.buffer);
for (let n = 0; n < ${count}; n++) {
  const size = 4 + ((n * 2654435761) >>> 0) % 251;
  dv.setUint32(0, n, true);
  for (let i = 4; i < size; i++) buf[i] = (n * 31 + i) & 255;
  ch.send(buf.subarray(0, size));
}
ch.close();
`;

describe("Channel stress across runtimes", () => {
  for (const [from, to] of [
    ["bun", "node"],
    ["deno", "node"],
    ["node", "node"],
  ] as const) {
    it(`${from} sends ${COUNT.toLocaleString("en")} messages to ${to}: all arrive once, in order, intact`, async () => {
      const rt = CHILD_RUNTIMES[from];
      const script = join(dir, `sender-${from}.mjs`);
      writeFileSync(script, `const m = await import(${JSON.stringify(rt.entry)});\n${SENDER(COUNT)}`);
      const ring = memmap.mapAnonymous(2 * 2 ** 20 + 192);
      const channel = memmap.Channel.create(ring);
      const child = memmap.fork(script, { share: { ring }, execPath: rt.execPath, runtimeArgs: rt.runtimeArgs });
      try {
        let n = 0;
        for (let message; (message = await channel.receiveAsync(60_000)) !== null; n++) {
          const size = 4 + (((n * 2654435761) >>> 0) % 251);
          const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
          if (message.length !== size || view.getUint32(0, true) !== n) {
            assert.fail(`message ${n}: got ${message.length} bytes numbered ${message.length >= 4 ? view.getUint32(0, true) : "?"}`);
          }
          for (let i = 4; i < size; i++) if (message[i] !== ((n * 31 + i) & 255)) assert.fail(`message ${n} is corrupted at byte ${i}`);
        }
        assert.equal(n, COUNT);
        assert.deepEqual(await child.exited, { code: 0, signal: null });
      } finally {
        child.kill("SIGKILL");
        ring.close();
      }
    }, 300_000);
  }
});
