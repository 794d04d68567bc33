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

/**
 * The zero-copy sender: message n is [n][FNV-1a of the rest][bytes], of a random size from 8 to
 * 1,031 (xorshift, seed 1), written in place into reserve()'s view; the checksum is computed
 * over the bytes as they sit in the ring.
 */
const VIEW_SENDER = (count: number) => `
const ch = m.Channel.attach(m.inherited().ring);
let x = 1;
for (let n = 0; n < ${count}; n++) {
  x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
  const size = 8 + ((x >>> 0) % 1024);
  const room = ch.reserve(size);
  for (let i = 8; i < size; i++) room[i] = (n * 131 + i * 7) & 255;
  let h = 0x811c9dc5;
  for (let i = 8; i < size; i++) h = Math.imul(h ^ room[i], 0x01000193);
  const dv = new DataView(room.buffer, room.byteOffset, 8);
  dv.setUint32(0, n, true);
  dv.setUint32(4, h >>> 0, true);
  ch.commit();
}
ch.close();
`;

/**
 * Starts `body` (a sender) in a child of runtime `from` over a channel of `ringBytes`-byte
 * rings, runs `receiveAll` on this end (it returns how many messages came), and checks that
 * all came and the child exited cleanly; the child is killed whatever happened.
 */
async function withSender(
  from: keyof typeof CHILD_RUNTIMES,
  name: string,
  body: string,
  ringBytes: number,
  receiveAll: (channel: ReturnType<typeof memmap.Channel.create>) => number | Promise<number>,
): Promise<void> {
  const rt = CHILD_RUNTIMES[from];
  const script = join(dir, `${name}-${from}.mjs`);
  writeFileSync(script, `const m = await import(${JSON.stringify(rt.entry)});\n${body}`);
  const ring = memmap.mapAnonymous(memmap.Channel.bytesFor(ringBytes));
  const channel = memmap.Channel.create(ring);
  const child = memmap.fork(script, { share: { ring }, execPath: rt.execPath, runtimeArgs: rt.runtimeArgs });
  try {
    assert.equal(await receiveAll(channel), COUNT);
    assert.deepEqual(await child.exited, { code: 0, signal: null });
  } finally {
    child.kill("SIGKILL");
    ring.close();
  }
}

describe("Channel stress across runtimes", () => {
  for (const from of ["bun", "deno"] as const) {
    it(
      `zero-copy: ${from} reserve()s ${COUNT.toLocaleString("en")} random-size messages, node receiveView()s them: each once, in order, checksum intact`,
      () =>
        // A 64 KiB ring: the sender goes round it thousands of times, through every padding position.
        withSender(from, "view-sender", VIEW_SENDER(COUNT), 65_536, (channel) => {
          let x = 1;
          let n = 0;
          for (let view; (view = channel.receiveView(60_000)) !== null; n++) {
            x ^= x << 13;
            x ^= x >>> 17;
            x ^= x << 5;
            const size = 8 + ((x >>> 0) % 1024);
            const header = new DataView(view.buffer, view.byteOffset, 8);
            let h = 0x811c9dc5;
            for (let i = 8; i < view.length; i++) h = Math.imul(h ^ view[i]!, 0x01000193);
            if (view.length !== size || header.getUint32(0, true) !== n || header.getUint32(4, true) !== h >>> 0) {
              assert.fail(
                `message ${n}: ${view.length} bytes (want ${size}), numbered ${header.getUint32(0, true)}, checksum ${h >>> 0} vs ${header.getUint32(4, true)}`,
              );
            }
            channel.release();
          }
          return n;
        }),
      120_000,
    );
  }

  for (const [from, to] of [
    ["bun", "node"],
    ["deno", "node"],
    ["node", "node"],
  ] as const) {
    it(
      `${from} sends ${COUNT.toLocaleString("en")} messages to ${to}: all arrive once, in order, intact`,
      () =>
        withSender(from, "sender", SENDER(COUNT), 2 ** 20, async (channel) => {
          let n = 0;
          for (let message; (message = await channel.receiveAsync(60_000)) !== null; n++) {
            const size = 4 + (((n * 2654435761) >>> 0) % 251);
            const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
            if (message.length !== size || view.getUint32(0, true) !== n) {
              assert.fail(`message ${n}: got ${message.length} bytes numbered ${message.length >= 4 ? view.getUint32(0, true) : "?"}`);
            }
            for (let i = 4; i < size; i++) if (message[i] !== ((n * 31 + i) & 255)) assert.fail(`message ${n} is corrupted at byte ${i}`);
          }
          return n;
        }),
      300_000,
    );
  }
});
