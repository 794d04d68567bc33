import assert from "node:assert/strict";
import { describe, it } from "vitest";
import { MmapError } from "./errors.ts";
import { CONTROL_BYTES, PAD, R, READY, Ring, recordSize } from "./channel-ring.ts";

const CAPACITY = 256;
const START = CONTROL_BYTES;

/** A ring over plain memory: its control block at word 0, its data at byte START. */
function ringOver(head = 0) {
  const buffer = new ArrayBuffer(START + CAPACITY);
  const i32 = new Int32Array(buffer);
  const dv = new DataView(buffer);
  const u8 = new Uint8Array(buffer);
  i32[R.head] = head | 0;
  i32[R.tail] = head | 0;
  return { ring: new Ring(i32, 0, START, CAPACITY), i32, dv, u8 };
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
    assert.equal(i32[R.dataSeq], 0, "nobody said it may sleep: the sequence words never moved");
    assert.equal(i32[R.spaceSeq], 0);
  });

  it("several records in flight across the 2^32 wrap, with the ring filled to the last byte", () => {
    const { ring, u8 } = ringOver(2 ** 32 - 32);
    // 6 records of 32 bytes (28-byte payloads), one of 56 and the 8 bytes kept for the next mark fill 256 bytes.
    const messages = [...Array.from({ length: 6 }, (_, n) => content(28, n)), content(52, 6)];
    for (const m of messages) put(ring, u8, m);
    assert.equal(ring.fits(0), false, "the ring is full: not even an empty record fits");
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
    assert.equal(dv.getUint32(START, true), (READY | 100) >>> 0, "the record's mark at offset 0: ready, 100 bytes");
    assert.equal(i32[R.head]! >>> 0, 256 + recordSize(100), "head counts the padding and the record");
    assert.deepEqual(take(ring, u8), content(100, 1), "the consumer skips the padding");
    assert.equal(i32[R.tail], i32[R.head]);
  });

  it("a claim never published leaves the ring as it was, padding included", () => {
    const { ring, u8 } = ringOver(200);
    const before = u8.slice();
    assert.ok(ring.claim(100) >= 0, "room for 100 bytes at the ring's start, after padding");
    // Not even the padding mark: a consumer that read it and was then held up would follow it
    // to the ring's start and find a later lap's record there.
    assert.deepEqual(u8, before, "claim() wrote nothing");
    assert.equal(ring.peek(), -1, "nothing to read: no padding mark either");
    assert.equal(ring.readable(), false);
    // The producer gives up on that claim (its sender threw) and sends small messages instead.
    for (let n = 0; n < 20; n++) {
      put(ring, u8, content(20, n));
      assert.deepEqual(take(ring, u8), content(20, n), `message ${n} is next, none skipped`);
    }
  });

  it("room counts the padding a wrap needs: an empty ring can refuse a record that would not be contiguous", () => {
    const { ring } = ringOver(200);
    // A 224-byte record does not fit in the 56 bytes before the end, and 56 + 224 > 256.
    assert.equal(ring.fits(220), false);
    assert.equal(ring.fits(196), false, "56 + a 200-byte record + the next record's 8-byte mark is more than 256");
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
    assert.equal(n, 3, "three 64-byte records and the next mark's 8 bytes are all 256 bytes take");
    assert.equal(ring.claim(56), -1);
    i32[R.producerWaiting] = 1;
    ring.peek();
    assert.equal(ring.consume(), true, "the producer said it may sleep: the consumer must wake it");
    assert.equal(ring.fits(56), true);
    i32[R.consumerWaiting] = 0;
    assert.equal(ring.publish(ring.claim(56) >= 0 ? 56 : -1), false, "no sleeping consumer: no wake-up needed");
  });

  it("old bytes never read as a record: payloads full of words that look like marks, at every offset, many times round", () => {
    const { ring, u8, dv } = ringOver(2 ** 32 - 1000);
    // Every word of the data looks like a published 4-byte record before anything is sent.
    for (let at = START; at < START + CAPACITY; at += 4) dv.setUint32(at, (READY | 4) >>> 0, true);
    dv.setUint32(START + ((2 ** 32 - 1000) & (CAPACITY - 1)), 0, true); // what Channel.create clears
    const lookalike = (length: number) => {
      const bytes = new Uint8Array(length);
      const view = new DataView(bytes.buffer);
      for (let at = 0; at + 4 <= length; at += 4) view.setUint32(at, (READY | 4) >>> 0, true);
      return bytes;
    };
    assert.equal(ring.peek(), -1, "an empty ring, whatever its bytes say");
    for (let n = 0; n < 500; n++) {
      const messages = [lookalike((n * 13) % 60), lookalike((n * 7) % 44)];
      for (const m of messages) put(ring, u8, m);
      for (const m of messages) assert.deepEqual(take(ring, u8), m, `round ${n}`);
      assert.equal(ring.peek(), -1, `round ${n}: nothing after the last record`);
      assert.equal(ring.readable(), false);
    }
  });

  it("a sequence word moves only when its side said it may sleep", () => {
    const { ring, i32, u8 } = ringOver();
    put(ring, u8, content(8, 1));
    assert.equal(i32[R.dataSeq], 0);
    i32[R.consumerWaiting] = 1;
    assert.equal(ring.publish(ring.claim(8) >= 0 ? 8 : -1), true, "a consumer that may sleep must be woken");
    assert.equal(i32[R.dataSeq], 1, "and its futex word moved, so a wait that started before returns at once");
    take(ring, u8);
    assert.equal(i32[R.spaceSeq], 0);
    i32[R.producerWaiting] = 1;
    take(ring, u8);
    assert.equal(i32[R.spaceSeq], 1);
  });

  it("each side's last look at the other's index is only ever behind: never a record that is not there, never room that is not free", () => {
    const { ring, i32, u8 } = ringOver(2 ** 32 - 64);
    // A second consumer and producer object over the same ring (a side attached twice in one
    // process): each keeps its own last look, which the other object's moves make stale.
    const consumer2 = new Ring(i32, 0, START, CAPACITY);
    const producer2 = new Ring(i32, 0, START, CAPACITY);
    for (let n = 0; n < 300; n++) {
      const producer = n % 3 === 0 ? producer2 : ring;
      put(producer, u8, content(20 + (n % 50), n));
      put(producer, u8, content(10, n + 1));
      assert.deepEqual(take(n % 2 ? consumer2 : ring, u8), content(20 + (n % 50), n), `message ${n}`);
      assert.deepEqual(take(n % 5 ? ring : consumer2, u8), content(10, n + 1));
      assert.equal(ring.peek(), -1, "nothing left");
      assert.equal(consumer2.peek(), -1, "nothing left, by the other object's look too");
    }
    // Fill the ring through one producer object: the other, whose last tail is old, finds no
    // room until the consumer frees some, and then finds it.
    while (ring.fits(56)) put(ring, u8, content(56, 7));
    assert.equal(producer2.claim(56), -1, "full, whatever the last look said");
    take(consumer2, u8);
    assert.ok(producer2.claim(56) >= 0, "room once a record was read");
  });

  it("a record length no channel writes is ERR_CHANNEL_LAYOUT, not a read past the ring", () => {
    const { ring, i32, dv } = ringOver();
    dv.setUint32(START, 1000, true);
    i32[R.head] = 8;
    assert.throws(
      () => ring.peek(),
      (e: unknown) => e instanceof MmapError && e.code === "ERR_CHANNEL_LAYOUT",
      "a mark without READY",
    );
    dv.setUint32(START, (READY | 1000) >>> 0, true);
    assert.throws(
      () => ring.peek(),
      (e: unknown) => e instanceof MmapError && e.code === "ERR_CHANNEL_LAYOUT",
      "longer than half the ring",
    );
    // A length under half the ring that would run past its end.
    i32[R.tail] = 248;
    dv.setUint32(START + 248, (READY | 100) >>> 0, true);
    assert.throws(
      () => ring.peek(),
      (e: unknown) => e instanceof MmapError && e.code === "ERR_CHANNEL_LAYOUT",
    );
  });
});
