import assert from "node:assert/strict";
import { describe, it } from "vitest";
import { MmapError } from "./errors.ts";
import { PAD, R, Ring, recordSize } from "./channel-ring.ts";

const CAPACITY = 256;
const START = 64;

/** A ring over plain memory: its control block at word 0, its data at byte START. */
function ringOver(head = 0) {
  const buffer = new ArrayBuffer(START + CAPACITY);
  const i32 = new Int32Array(buffer);
  const dv = new DataView(buffer);
  const u8 = new Uint8Array(buffer);
  i32[R.head] = head | 0;
  i32[R.tail] = head | 0;
  return { ring: new Ring(i32, dv, 0, START, CAPACITY), i32, dv, u8 };
}

const content = (length: number, seed: number) => Uint8Array.from({ length }, (_, i) => (seed * 7 + i) & 255);

/** Sends one message through the ring (claim, write, publish). */
function put(ring: Ring, u8: Uint8Array, message: Uint8Array): void {
  const at = ring.claim(message.length);
  assert.ok(at >= 0, `room for ${message.length} bytes`);
  u8.set(message, at);
  ring.publish(message.length);
}

/** Takes one message out of the ring (peek, copy, consume). */
function take(ring: Ring, u8: Uint8Array): Uint8Array {
  const at = ring.peek();
  assert.ok(at >= 0, "a record is waiting");
  const message = u8.slice(at, at + ring.length);
  ring.consume();
  return message;
}

describe("Channel ring", () => {
  it("head and tail wrap at 2^32: records written across the wrap come out intact and in order", () => {
    const { ring, i32, u8 } = ringOver(2 ** 32 - 40);
    for (let n = 0; n < 200; n++) {
      const message = content((n * 37) % 100, n);
      put(ring, u8, message);
      assert.deepEqual(take(ring, u8), message, `message ${n}`);
    }
    const head = i32[R.head]! >>> 0;
    assert.ok(head > 0 && head < 2 ** 20, `head wrapped past 2^32 to ${head}`);
    assert.equal(i32[R.tail], i32[R.head], "all read");
    assert.equal(i32[R.dataSeq], 200);
    assert.equal(i32[R.spaceSeq], 200);
  });

  it("several records in flight across the 2^32 wrap, with the ring filled to the last byte", () => {
    const { ring, u8 } = ringOver(2 ** 32 - 32);
    // 8 records of 32 bytes (28-byte payloads) fill 256 bytes exactly.
    const messages = Array.from({ length: 8 }, (_, n) => content(28, n));
    for (const m of messages) put(ring, u8, m);
    assert.equal(ring.fits(0), false, "the ring is full");
    assert.equal(ring.claim(0), -1);
    for (const m of messages) assert.deepEqual(take(ring, u8), m);
    assert.equal(ring.peek(), -1, "empty again");
  });

  it("a record that does not fit before the end is preceded by a padding marker and starts at the ring's first byte", () => {
    const { ring, i32, dv, u8 } = ringOver(200);
    assert.equal(ring.fits(100), true, "56 bytes of padding + a 104-byte record fit an empty ring");
    const at = ring.claim(100);
    assert.equal(at, START + 4, "the payload starts after the length word at offset 0");
    u8.set(content(100, 1), at);
    ring.publish(100);
    assert.equal(dv.getUint32(START + 200, true), PAD, "the padding marker at the old head");
    assert.equal(dv.getUint32(START, true), 100, "the record's length at offset 0");
    assert.equal(i32[R.head]! >>> 0, 256 + recordSize(100), "head counts the padding and the record");
    assert.deepEqual(take(ring, u8), content(100, 1), "the consumer skips the padding");
    assert.equal(i32[R.tail], i32[R.head]);
  });

  it("room counts the padding a wrap needs: an empty ring can refuse a record that would not be contiguous", () => {
    const { ring } = ringOver(200);
    // A 224-byte record does not fit in the 56 bytes before the end, and 56 + 224 > 256.
    assert.equal(ring.fits(220), false);
    assert.equal(ring.claim(220), -1);
    assert.equal(ring.fits(44), true, "a record that fits before the end needs no padding");
  });

  it("a claimed record is invisible until published, and a shorter publish frees the rest", () => {
    const { ring, i32, u8 } = ringOver();
    const at = ring.claim(100);
    u8.set(content(10, 3), at);
    assert.equal(ring.readable(), false, "nothing is published yet");
    ring.publish(10);
    assert.equal(i32[R.head], recordSize(10), "head moved by the published record only");
    assert.deepEqual(take(ring, u8), content(10, 3));
  });

  it("a full ring refuses a claim until the consumer frees room; the flags say whether the peer may sleep", () => {
    const { ring, i32, u8 } = ringOver();
    let n = 0;
    while (ring.fits(56)) put(ring, u8, content(56, n++));
    assert.equal(n, 4, "four 64-byte records fill 256 bytes");
    assert.equal(ring.claim(56), -1);
    i32[R.producerWaiting] = 1;
    ring.peek();
    assert.equal(ring.consume(), true, "the producer said it may sleep: the consumer must wake it");
    assert.equal(ring.fits(56), true);
    i32[R.consumerWaiting] = 0;
    assert.equal(ring.publish(ring.claim(56) >= 0 ? 56 : -1), false, "no sleeping consumer: no wake-up needed");
  });

  it("a record length no channel writes is ERR_CHANNEL_LAYOUT, not a read past the ring", () => {
    const { ring, i32, dv } = ringOver();
    dv.setUint32(START, 1000, true);
    i32[R.head] = 8;
    assert.throws(
      () => ring.peek(),
      (e: unknown) => e instanceof MmapError && e.code === "ERR_CHANNEL_LAYOUT",
    );
  });
});
