/*
 * One direction of a Channel: a single-producer, single-consumer ring of records in shared
 * memory, touched only through Atomics on its control words (no FFI call). Its control block
 * (32-bit words from `control`):
 *   +0 head: bytes written (wraps at 2^32)   +4 tail: bytes read
 *   +8 data sequence (bumped per message)   +12 space sequence (bumped per read)
 *   +16 consumer may sleep   +20 producer may sleep
 * A record is a 32-bit length and the payload, padded to 8 bytes; a length of 0xffffffff
 * pads to the end of the ring, so a payload is always contiguous (a view can cover it).
 */

import { MmapError } from "./errors.ts";

/** Word offsets in a ring's control block. */
export const R = { head: 0, tail: 1, dataSeq: 2, spaceSeq: 3, consumerWaiting: 4, producerWaiting: 5 } as const;
/** The length that marks the rest of the ring as padding. */
export const PAD = 0xffffffff;

/** Bytes a record of `length` payload bytes takes in the ring. */
export const recordSize = (length: number): number => (4 + length + 7) & ~7;

export class Ring {
  readonly #i32: Int32Array;
  readonly #dv: DataView;
  /** Index in #i32 of the control block. */
  readonly #c: number;
  /** Byte offset in #dv of the ring's data. */
  readonly #start: number;
  readonly #capacity: number;
  /** The producer's claimed record: head once published-to, and its byte offset in the data. */
  #claimHead = 0;
  #claimOffset = 0;
  /** The consumer's record in hand: the tail before it (past any padding) and its payload length. */
  #peekTail = 0;
  #peekLength = 0;

  /** `i32` and `dv` cover the same memory; `control` is a word index, `start` a byte offset. */
  constructor(i32: Int32Array, dv: DataView, control: number, start: number, capacity: number) {
    this.#i32 = i32;
    this.#dv = dv;
    this.#c = control;
    this.#start = start;
    this.#capacity = capacity;
  }

  /** Word index of a control word, for futex waits. */
  word(which: number): number {
    return this.#c + which;
  }

  // The producer's side.

  /** Whether a record of `length` bytes fits now, counting the padding a wrap would need. */
  fits(length: number): boolean {
    return this.#room(Atomics.load(this.#i32, this.#c + R.head) >>> 0, length);
  }

  /** Whether a record of `length` bytes fits after `head` (which only this producer moves). */
  #room(head: number, length: number): boolean {
    const tail = Atomics.load(this.#i32, this.#c + R.tail) >>> 0;
    const record = recordSize(length);
    const contiguous = this.#capacity - (head & (this.#capacity - 1));
    return this.#capacity - ((head - tail) >>> 0) >= (record <= contiguous ? record : contiguous + record);
  }

  /**
   * Claims room for a record of up to `length` bytes: the byte offset (in the memory) of its
   * payload, or -1 when there is no room yet. Nothing is visible to the consumer until publish().
   */
  claim(length: number): number {
    let head = Atomics.load(this.#i32, this.#c + R.head) >>> 0;
    if (!this.#room(head, length)) return -1;
    let offset = head & (this.#capacity - 1);
    if (recordSize(length) > this.#capacity - offset) {
      // Free space, not yet published: the consumer reads it only once head passes it.
      this.#dv.setUint32(this.#start + offset, PAD, true);
      head = (head + this.#capacity - offset) >>> 0;
      offset = 0;
    }
    this.#claimHead = head;
    this.#claimOffset = offset;
    return this.#start + offset + 4;
  }

  /** Publishes the claimed record with `length` bytes (at most what was claimed); true if the consumer may be asleep. */
  publish(length: number): boolean {
    this.#dv.setUint32(this.#start + this.#claimOffset, length, true);
    // The store publishes the record: the consumer's Atomics.load of head orders after it.
    Atomics.store(this.#i32, this.#c + R.head, (this.#claimHead + recordSize(length)) | 0);
    Atomics.add(this.#i32, this.#c + R.dataSeq, 1);
    return Atomics.load(this.#i32, this.#c + R.consumerWaiting) !== 0;
  }

  // The consumer's side.

  /** Whether a record is waiting. */
  readable(): boolean {
    return Atomics.load(this.#i32, this.#c + R.head) !== Atomics.load(this.#i32, this.#c + R.tail);
  }

  /** The byte offset (in the memory) of the next record's payload, or -1 when the ring is empty; its length is `length`. */
  peek(): number {
    let tail = Atomics.load(this.#i32, this.#c + R.tail) >>> 0;
    if (Atomics.load(this.#i32, this.#c + R.head) >>> 0 === tail) return -1;
    let offset = tail & (this.#capacity - 1);
    let length = this.#dv.getUint32(this.#start + offset, true);
    if (length === PAD) {
      tail = (tail + this.#capacity - offset) >>> 0;
      offset = 0;
      length = this.#dv.getUint32(this.#start, true);
    }
    if (length > this.#capacity / 2) {
      throw new MmapError(
        `a channel record claims ${length} bytes, more than half its ${this.#capacity}-byte ring: something else wrote over the channel's memory`,
        {
          code: "ERR_CHANNEL_LAYOUT",
        },
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
    Atomics.add(this.#i32, this.#c + R.spaceSeq, 1);
    return Atomics.load(this.#i32, this.#c + R.producerWaiting) !== 0;
  }
}
