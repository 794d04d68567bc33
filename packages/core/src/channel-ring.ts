/*
 * One direction of a Channel: a single-producer, single-consumer ring of records in shared
 * memory, touched only through Atomics and plain loads and stores (no FFI call).
 *
 * Layout version 2. The control block is three 128-byte blocks, so that no two of them share a
 * cache line (64 bytes on x64, 128 on Apple's arm64) or a pair of lines the prefetcher fetches
 * together (byte offsets from `control`):
 *   +0   the producer's: head, bytes written (wraps at 2^32)
 *   +128 the consumer's: tail, bytes read
 *   +256 the sleep block: +256 data sequence, +260 space sequence, +264 consumer may sleep,
 *        +268 producer may sleep
 * A record is a 32-bit mark and the payload, padded to 8 bytes. The mark is 0 until the record
 * is published, then READY | length; PAD (0xffffffff) says the rest of the ring is padding, so
 * a payload is always contiguous (a view can cover it).
 *
 * Why this shape: a message should move as few cache lines between the two cores as it can.
 * The consumer finds a record by its mark, not by head, so what it waits on arrives with the
 * payload's first bytes. Before a producer publishes a record it zeroes the mark of the next
 * one (room is counted with 8 spare bytes for that), and writes a padding mark only after the
 * record it leads to, so the consumer never mistakes old bytes for a record. Each side reads its own index as plain memory (only its thread writes it) and
 * the other's only when the ring looks full (the producer's look at tail, kept: an index only
 * grows, so an old one errs on the side of less room). The sleep block changes only when a side
 * is about to sleep: a sequence word is bumped (and the futex woken) only when its "may sleep"
 * flag is set. A sleeper sets its flag before its last look; a producer stores the mark (a
 * consumer the tail) before it reads the flag; all sequentially consistent, so a message is
 * either seen by that look or wakes the sleeper.
 */

import { MmapError } from "./errors.ts";

/** Word offsets in a ring's control block. */
export const R = { head: 0, tail: 32, dataSeq: 64, spaceSeq: 65, consumerWaiting: 66, producerWaiting: 67 } as const;
/** Bytes of a ring's control block. */
export const CONTROL_BYTES = 384;
/** A record's mark once published: READY | its payload length. */
export const READY = 0x80000000;
/** The mark that says the rest of the ring is padding. */
export const PAD = 0xffffffff;
/** Room kept free after every record, for the next record's mark. */
const SPARE = 8;

/** Bytes a record of `length` payload bytes takes in the ring. */
export const recordSize = (length: number): number => (4 + length + 7) & ~7;

export class Ring {
  /** Covers the control block and the data: `control` and `start` index it. */
  readonly #i32: Int32Array;
  /** Index in #i32 of the control block, and of the data's first word. */
  readonly #c: number;
  readonly #data: number;
  /** Byte offset of the data in the memory #i32 covers. */
  readonly #start: number;
  readonly #capacity: number;
  /** The producer's last look at tail: a value it had, never a guess. */
  #tailSeen: number;
  /** The producer's claimed record: head once published-to, its byte offset in the data, and where the padding before it starts (-1: none). */
  #claimHead = 0;
  #claimOffset = 0;
  #claimPad = -1;
  /** head when the consumer was last seen to have taken everything (taken()). */
  #takenHead: number;
  /** The consumer's record in hand: the tail before it (past any padding) and its payload length. */
  #peekTail = 0;
  #peekLength = 0;

  /** `control` is a word index in `i32`, `start` a byte offset (a multiple of 8), `capacity` a power of two >= 256. */
  constructor(i32: Int32Array, control: number, start: number, capacity: number) {
    this.#i32 = i32;
    this.#c = control;
    this.#start = start;
    this.#data = start >> 2;
    this.#capacity = capacity;
    this.#tailSeen = Atomics.load(i32, control + R.tail) >>> 0;
    this.#takenHead = i32[control + R.head]! | 0;
  }

  /** Word index of a control word, for futex waits. */
  word(which: number): number {
    return this.#c + which;
  }

  // The producer's side.

  /** Whether a record of `length` bytes fits now, counting the padding a wrap would need. */
  fits(length: number): boolean {
    return this.#room(this.#i32[this.#c + R.head]! >>> 0, length);
  }

  /** Whether a record of `length` bytes fits after `head` (which only this producer moves). */
  #room(head: number, length: number): boolean {
    const record = recordSize(length);
    const contiguous = this.#capacity - (head & (this.#capacity - 1));
    const need = (record <= contiguous ? record : contiguous + record) + SPARE;
    // Free space by the last tail seen; one that is not behind head (another object of this
    // side moved it) reads as no room, and then tail is read again.
    if (this.#capacity - ((head - this.#tailSeen) >>> 0) >= need) return true;
    this.#tailSeen = Atomics.load(this.#i32, this.#c + R.tail) >>> 0;
    return this.#capacity - ((head - this.#tailSeen) >>> 0) >= need;
  }

  /**
   * Claims room for a record of up to `length` bytes: the byte offset (in the memory) of its
   * payload, or -1 when there is no room yet. Nothing is written, so nothing is visible to the
   * consumer, until publish(); a claim never published leaves the ring as it was.
   */
  claim(length: number): number {
    let head = this.#i32[this.#c + R.head]! >>> 0;
    if (!this.#room(head, length)) return -1;
    let offset = head & (this.#capacity - 1);
    this.#claimPad = -1;
    if (recordSize(length) > this.#capacity - offset) {
      // The record goes at the ring's start; publish() marks the rest as padding.
      this.#claimPad = offset;
      head = (head + this.#capacity - offset) >>> 0;
      offset = 0;
    }
    this.#claimHead = head;
    this.#claimOffset = offset;
    return this.#start + offset + 4;
  }

  /** Publishes the claimed record with `length` bytes (at most what was claimed); true if the consumer may be asleep. */
  publish(length: number): boolean {
    const head = (this.#claimHead + recordSize(length)) >>> 0;
    // The next record's mark, then this one's: the consumer reads the payload only after the mark.
    this.#i32[this.#data + ((head & (this.#capacity - 1)) >> 2)] = 0;
    Atomics.store(this.#i32, this.#data + (this.#claimOffset >> 2), READY | length | 0);
    // A record at the ring's start: the padding mark last, so the consumer it leads there finds the record.
    if (this.#claimPad >= 0) Atomics.store(this.#i32, this.#data + (this.#claimPad >> 2), PAD | 0);
    this.#i32[this.#c + R.head] = head | 0;
    if (Atomics.load(this.#i32, this.#c + R.consumerWaiting) === 0) return false;
    Atomics.add(this.#i32, this.#c + R.dataSeq, 1);
    return true;
  }

  /**
   * Whether the consumer has read every record published, and some were published since this
   * last said so (a fresh look at tail): evidence that the consumer ran since, which a side that
   * sent nothing (one end of a one-way stream) never has.
   */
  taken(): boolean {
    const head = this.#i32[this.#c + R.head]! | 0;
    if (head === this.#takenHead || Atomics.load(this.#i32, this.#c + R.tail) !== head) return false;
    this.#takenHead = head;
    return true;
  }

  // The consumer's side.

  /** Whether a record is waiting. */
  readable(): boolean {
    const mark = Atomics.load(this.#i32, this.#data + ((this.#i32[this.#c + R.tail]! & (this.#capacity - 1)) >> 2));
    return mark !== 0 && (mark !== (PAD | 0) || Atomics.load(this.#i32, this.#data) !== 0);
  }

  /** The byte offset (in the memory) of the next record's payload, or -1 when there is none yet; its length is `length`. */
  peek(): number {
    let tail = this.#i32[this.#c + R.tail]! >>> 0;
    let offset = tail & (this.#capacity - 1);
    let mark = Atomics.load(this.#i32, this.#data + (offset >> 2)) >>> 0;
    if (mark === PAD) {
      tail = (tail + this.#capacity - offset) >>> 0;
      offset = 0;
      mark = Atomics.load(this.#i32, this.#data) >>> 0;
    }
    if (mark === 0) return -1;
    const length = mark - READY;
    if (length < 0 || length > this.#capacity / 2 || offset + 4 + length > this.#capacity) {
      throw new MmapError(
        `a channel record's mark at offset ${offset} is 0x${mark.toString(16)}, not a message of at most half its ${this.#capacity}-byte ring that ends inside it: ` +
          "something else wrote over the channel's memory",
        { code: "ERR_CHANNEL_LAYOUT" },
      );
    }
    this.#peekTail = tail;
    this.#peekLength = length;
    return this.#start + offset + 4;
  }

  /** The payload length of the record peek() returned. */
  get length(): number {
    return this.#peekLength;
  }

  /** Frees the record peek() returned; true if the producer may be asleep. */
  consume(): boolean {
    Atomics.store(this.#i32, this.#c + R.tail, (this.#peekTail + recordSize(this.#peekLength)) | 0);
    if (Atomics.load(this.#i32, this.#c + R.producerWaiting) === 0) return false;
    Atomics.add(this.#i32, this.#c + R.spaceSeq, 1);
    return true;
  }
}
