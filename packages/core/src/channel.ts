import process from "node:process";
import type { Backend } from "./backend.ts";
import { MmapError } from "./errors.ts";
import { type ChildExit, forkedChildExit, forkedChildSettled, forkedCount, forkedSince } from "./fork.ts";
import type { Mapping } from "./mapping.ts";
import { processAlive } from "./process-identity.ts";
import { notify, wait, waitAsync } from "./wait.ts";

/*
 * Channel layout, version 1 (all words little-endian 32-bit, offsets in bytes):
 *   0 magic 0x4d4d4348 ("MMCH")   4 version   8 ring capacity C (a power of two)
 *  12 creator pid   16 attacher pid   20 closed bits (1: creator, 2: attacher)
 *  64 ring 0 control (creator -> attacher), 128 ring 1 control (attacher -> creator):
 *     +0 head: bytes written (wraps at 2^32)   +4 tail: bytes read
 *     +8 data sequence (bumped per message)   +12 space sequence (bumped per read)
 *     +16 consumer may sleep   +20 producer may sleep
 * 192 ring 0 data (C bytes), 192 + C ring 1 data (C bytes).
 * A record is a 32-bit length and the payload, padded to 8 bytes; a length of
 * 0xffffffff pads to the end of the ring. Each ring has one producer and one consumer.
 */
const MAGIC = 0x4d4d4348;
/** The channel layout version this memmap writes and accepts (both peers must agree). */
export const CHANNEL_VERSION = 1;
const HEADER = 192;
const RING_CONTROL = [64, 128];
const W = { magic: 0, version: 1, capacity: 2, creator: 3, attacher: 4, closed: 5 };
const R = { head: 0, tail: 1, dataSeq: 2, spaceSeq: 3, consumerWaiting: 4, producerWaiting: 5 };
const PAD = 0xffffffff;
/** How long a blocked side spins before sleeping in the kernel (a futex round trip costs ~20 µs). */
const SPIN_MS = 0.05;
/** How often a sleeping side wakes to check that its peer is alive. */
const LIVENESS_SLICE_MS = 100;
/** How long an async wait lets a dead child's exit event take to arrive, for its exit code. */
const EXIT_EVENT_MS = 5000;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Options of Channel.create(). */
export interface ChannelOptions {
  /** Bytes per direction, a power of two (default: the largest that fits the mapping). */
  capacity?: number;
  /**
   * The pid of the process expected to attach (fork()'s child.pid): if it exits before
   * attaching, send()/receive() fail with ERR_PEER_GONE instead of waiting for nobody.
   * Without it, a channel whose mapping fork() then shares expects those children the same way.
   */
  peer?: number;
}

/**
 * Messages between two processes over one shared mapping, both ways: a ring
 * per direction, variable-length messages, spinning briefly and then sleeping
 * on a futex. A message longer than half a ring is refused (RangeError), not split.
 * receive() returns null once the peer has closed and every message is read; a
 * peer that died without closing is an ERR_PEER_GONE error, found by checking
 * its pid while waiting (for a child of this process, with its exit code and signal).
 */
export class Channel {
  readonly #b: Backend;
  readonly #mapping: Mapping;
  readonly #i32: Int32Array;
  readonly #u8: Uint8Array;
  readonly #dv: DataView;
  readonly #side: 0 | 1;
  readonly #capacity: number;
  /** How many children fork() had shared the mapping with before: the creator's end expects those after. */
  readonly #forkedBefore: number;
  /** Largest message accepted. */
  readonly maxMessage: number;

  private constructor(backend: Backend, mapping: Mapping, side: 0 | 1) {
    this.#b = backend;
    this.#mapping = mapping;
    this.#u8 = mapping.bytes;
    this.#i32 = new Int32Array(this.#u8.buffer, this.#u8.byteOffset, HEADER / 4);
    this.#dv = new DataView(this.#u8.buffer, this.#u8.byteOffset, this.#u8.byteLength);
    this.#side = side;
    this.#capacity = this.#i32[W.capacity]!;
    this.maxMessage = this.#capacity / 2 - 8;
    this.#forkedBefore = forkedCount(mapping);
  }

  /**
   * Formats `mapping` as a channel and returns the creator's end.
   *
   * @internal
   * @ignore
   */
  static createOn(backend: Backend, mapping: Mapping, channelOptions: ChannelOptions = {}): Channel {
    const room = Math.floor((mapping.length - HEADER) / 2);
    const capacity = channelOptions.capacity ?? 2 ** Math.floor(Math.log2(Math.max(room, 1)));
    if (!Number.isSafeInteger(capacity) || capacity < 256 || (capacity & (capacity - 1)) !== 0 || capacity > 2 ** 30) {
      throw new RangeError(`capacity must be a power of two from 256 to 2^30, got ${capacity}`);
    }
    if (HEADER + 2 * capacity > mapping.length) {
      throw new RangeError(`a channel with ${capacity}-byte rings needs a mapping of ${HEADER + 2 * capacity} bytes, this one has ${mapping.length}`);
    }
    const i32 = new Int32Array(mapping.bytes.buffer, mapping.bytes.byteOffset, HEADER / 4);
    i32.fill(0);
    i32[W.capacity] = capacity;
    i32[W.version] = CHANNEL_VERSION;
    i32[W.creator] = process.pid;
    if (channelOptions.peer !== undefined) {
      if (!Number.isSafeInteger(channelOptions.peer) || channelOptions.peer <= 0) throw new RangeError("options.peer must be a pid");
      // Stored where the attacher's pid goes: attach() takes the slot over from this same pid.
      i32[W.attacher] = channelOptions.peer;
    }
    Atomics.store(i32, W.magic, MAGIC); // last: an attacher that sees the magic sees the rest
    return new Channel(backend, mapping, 0);
  }

  /**
   * Joins a channel another process created on `mapping`.
   *
   * @internal
   * @ignore
   */
  static attachTo(backend: Backend, mapping: Mapping): Channel {
    if (mapping.length < HEADER) throw new RangeError("this mapping is too small to hold a channel");
    const i32 = new Int32Array(mapping.bytes.buffer, mapping.bytes.byteOffset, HEADER / 4);
    if (Atomics.load(i32, W.magic) !== MAGIC) {
      throw new MmapError("this mapping holds no channel (no Channel.create() on it yet?)", { code: "ERR_CHANNEL_LAYOUT" });
    }
    if (i32[W.version] !== CHANNEL_VERSION) {
      throw new MmapError(`channel layout version ${i32[W.version]} is not ${CHANNEL_VERSION}; upgrade both peers`, {
        code: "ERR_CHANNEL_LAYOUT",
      });
    }
    const holder = Atomics.compareExchange(i32, W.attacher, 0, process.pid);
    if (holder !== 0 && holder !== process.pid) {
      // The creator named this process (options.peer) before it started.
      if (processAlive(backend, holder) || Atomics.compareExchange(i32, W.attacher, holder, process.pid) !== holder) {
        throw new MmapError(`this channel is already attached by pid ${holder}`, { code: "ERR_CHANNEL_BUSY" });
      }
    }
    return new Channel(backend, mapping, 1);
  }

  /**
   * Sends a message (bytes or a string, as UTF-8), waiting for room if the ring is full.
   *
   * @example
   * ```ts
   * channel.send("hello");
   * channel.send(new Uint8Array([1, 2, 3]), 1000); // ETIMEDOUT if no room within 1 s
   * ```
   */
  send(message: Uint8Array | string, timeoutMs?: number): void {
    const bytes = this.#bytesOf(message);
    const deadline = this.#deadline(timeoutMs);
    for (;;) {
      if (this.#trySend(bytes)) return;
      this.#block(this.#outRing(), R.spaceSeq, R.producerWaiting, () => this.#fits(bytes.length), deadline);
    }
  }

  /**
   * send() that waits without blocking the event loop.
   *
   * @example
   * ```ts
   * await channel.sendAsync(bytes);
   * ```
   */
  async sendAsync(message: Uint8Array | string, timeoutMs?: number): Promise<void> {
    const bytes = this.#bytesOf(message);
    const deadline = this.#deadline(timeoutMs);
    for (;;) {
      if (this.#trySend(bytes)) return;
      await this.#blockAsync(this.#outRing(), R.spaceSeq, R.producerWaiting, () => this.#fits(bytes.length), deadline);
    }
  }

  /**
   * The next message; null once the peer closed and all was read. Blocks up to timeoutMs (ETIMEDOUT).
   *
   * @example
   * ```ts
   * for (let m = channel.receive(); m !== null; m = channel.receive()) console.log(new TextDecoder().decode(m));
   * ```
   */
  receive(timeoutMs?: number): Uint8Array | null {
    const deadline = this.#deadline(timeoutMs);
    for (;;) {
      const got = this.#tryReceive() as Uint8Array | null | undefined;
      if (got !== undefined) return got;
      this.#block(this.#inRing(), R.dataSeq, R.consumerWaiting, () => this.#readable(), deadline);
    }
  }

  /**
   * receive() into `target` instead of a new array (no allocation per message): returns the
   * message's length, or null once the peer closed. A message longer than `target` is left in
   * the channel and a RangeError says how long it is.
   *
   * @example
   * ```ts
   * const buffer = new Uint8Array(channel.maxMessage);
   * const length = channel.receiveInto(buffer);
   * if (length !== null) handle(buffer.subarray(0, length));
   * ```
   */
  receiveInto(target: Uint8Array, timeoutMs?: number): number | null {
    if (!(target instanceof Uint8Array)) throw new TypeError("receiveInto needs a Uint8Array to copy into");
    const deadline = this.#deadline(timeoutMs);
    for (;;) {
      const got = this.#tryReceive(target);
      if (got !== undefined) return got as number | null;
      this.#block(this.#inRing(), R.dataSeq, R.consumerWaiting, () => this.#readable(), deadline);
    }
  }

  /**
   * receive() that waits without blocking the event loop.
   *
   * @example
   * ```ts
   * const message = await channel.receiveAsync(5000);
   * ```
   */
  async receiveAsync(timeoutMs?: number): Promise<Uint8Array | null> {
    const deadline = this.#deadline(timeoutMs);
    for (;;) {
      const got = this.#tryReceive() as Uint8Array | null | undefined;
      if (got !== undefined) return got;
      await this.#blockAsync(this.#inRing(), R.dataSeq, R.consumerWaiting, () => this.#readable(), deadline);
    }
  }

  /**
   * Sends `value` as JSON (JSON.stringify), waiting for room as send() does.
   *
   * @example
   * ```ts
   * channel.sendJson({ op: "sum", values: [1, 2, 3] });
   * ```
   */
  sendJson(value: unknown, timeoutMs?: number): void {
    this.send(JSON.stringify(value), timeoutMs);
  }

  /**
   * The next message parsed as JSON, as receive() waits for it; null once the peer closed
   * and every message was read (a message that is JSON `null` reads the same: use receive()
   * to tell them apart). `T` is what the caller expects: nothing checks it.
   *
   * @example
   * ```ts
   * const request = channel.receiveJson<{ op: string; values: number[] }>(1000);
   * if (request === null) console.log("the peer closed the channel");
   * ```
   */
  receiveJson<T = unknown>(timeoutMs?: number): T | null {
    const bytes = this.receive(timeoutMs);
    return bytes === null ? null : (JSON.parse(decoder.decode(bytes)) as T);
  }

  /**
   * receiveJson() that waits without blocking the event loop.
   *
   * @example
   * ```ts
   * const reply = await channel.receiveJsonAsync<{ sum: number }>();
   * ```
   */
  async receiveJsonAsync<T = unknown>(timeoutMs?: number): Promise<T | null> {
    const bytes = await this.receiveAsync(timeoutMs);
    return bytes === null ? null : (JSON.parse(decoder.decode(bytes)) as T);
  }

  /**
   * Closes this end: the peer's receive() returns null after the last message, its send() fails.
   *
   * @example
   * ```ts
   * channel.sendJson({ done: true });
   * channel.close(); // the peer reads the message, then null
   * ```
   */
  close(): void {
    if (this.#mapping.closed) return;
    Atomics.or(this.#i32, W.closed, this.#side === 0 ? 1 : 2);
    for (const ring of RING_CONTROL) {
      for (const seq of [R.dataSeq, R.spaceSeq]) {
        Atomics.add(this.#i32, ring / 4 + seq, 1);
        notify(this.#b, this.#i32, ring / 4 + seq);
      }
    }
  }

  /** close(), for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  get #peerPid(): number {
    return this.#i32[this.#side === 0 ? W.attacher : W.creator]!;
  }

  #closedBy(side: 0 | 1): boolean {
    return (Atomics.load(this.#i32, W.closed) & (side === 0 ? 1 : 2)) !== 0;
  }

  #outRing(): number {
    return RING_CONTROL[this.#side]! / 4;
  }

  #inRing(): number {
    return RING_CONTROL[1 - this.#side]! / 4;
  }

  #dataStart(ringWord: number): number {
    return HEADER + (ringWord === RING_CONTROL[0]! / 4 ? 0 : this.#capacity);
  }

  #bytesOf(message: Uint8Array | string): Uint8Array {
    const bytes = typeof message === "string" ? encoder.encode(message) : message;
    if (!(bytes instanceof Uint8Array)) throw new TypeError("a message is a Uint8Array or a string");
    if (bytes.length > this.maxMessage) {
      throw new RangeError(
        `a message of ${bytes.length} bytes is larger than this channel takes (${this.maxMessage}, half a ring); ` +
          "create the channel over a larger mapping, or send it in parts",
      );
    }
    if (this.#closedBy(this.#side)) throw new MmapError("send: this end of the channel is closed", { code: "ERR_CHANNEL_CLOSED" });
    return bytes;
  }

  /** Room for `length` bytes, counting the padding a wrap would need. */
  #fits(length: number): boolean {
    const ring = this.#outRing();
    const head = Atomics.load(this.#i32, ring + R.head) >>> 0;
    const tail = Atomics.load(this.#i32, ring + R.tail) >>> 0;
    const record = (4 + length + 7) & ~7;
    const contiguous = this.#capacity - (head & (this.#capacity - 1));
    const need = record <= contiguous ? record : contiguous + record;
    return this.#capacity - ((head - tail) >>> 0) >= need;
  }

  #trySend(bytes: Uint8Array): boolean {
    if (this.#closedBy((1 - this.#side) as 0 | 1)) {
      throw new MmapError("send: the peer closed the channel", { code: "ERR_CHANNEL_CLOSED" });
    }
    if (!this.#fits(bytes.length)) return false;
    const ring = this.#outRing();
    const start = this.#dataStart(ring);
    let head = Atomics.load(this.#i32, ring + R.head) >>> 0;
    const record = (4 + bytes.length + 7) & ~7;
    let offset = head & (this.#capacity - 1);
    if (record > this.#capacity - offset) {
      this.#dv.setUint32(start + offset, PAD, true);
      head = (head + this.#capacity - offset) >>> 0;
      offset = 0;
    }
    this.#dv.setUint32(start + offset, bytes.length, true);
    this.#u8.set(bytes, start + offset + 4);
    // The store publishes the record: the consumer's Atomics.load of head orders after it.
    Atomics.store(this.#i32, ring + R.head, (head + record) | 0);
    Atomics.add(this.#i32, ring + R.dataSeq, 1);
    if (Atomics.load(this.#i32, ring + R.consumerWaiting)) notify(this.#b, this.#i32, ring + R.dataSeq, 1);
    return true;
  }

  #readable(): boolean {
    const ring = this.#inRing();
    return Atomics.load(this.#i32, ring + R.head) !== Atomics.load(this.#i32, ring + R.tail) || this.#closedBy((1 - this.#side) as 0 | 1);
  }

  /**
   * A message (a new array, or its length once copied into `into`), null when the peer
   * closed and the ring is drained, undefined when there is nothing yet.
   */
  #tryReceive(into?: Uint8Array): Uint8Array | number | null | undefined {
    if (this.#mapping.closed || this.#closedBy(this.#side)) {
      throw new MmapError("receive: this end of the channel is closed", { code: "ERR_CHANNEL_CLOSED" });
    }
    const ring = this.#inRing();
    const start = this.#dataStart(ring);
    for (;;) {
      const peerClosed = this.#closedBy((1 - this.#side) as 0 | 1);
      let tail = Atomics.load(this.#i32, ring + R.tail) >>> 0;
      const head = Atomics.load(this.#i32, ring + R.head) >>> 0;
      if (head === tail) return peerClosed ? null : undefined;
      let offset = tail & (this.#capacity - 1);
      let length = this.#dv.getUint32(start + offset, true);
      if (length === PAD) {
        tail = (tail + this.#capacity - offset) >>> 0;
        offset = 0;
        length = this.#dv.getUint32(start, true);
      }
      const from = start + offset + 4;
      let message: Uint8Array | number;
      if (into) {
        if (length > into.length) {
          throw new RangeError(`the next message is ${length} bytes, more than the ${into.length}-byte target; it stays in the channel`);
        }
        into.set(this.#u8.subarray(from, from + length));
        message = length;
      } else {
        message = this.#u8.slice(from, from + length);
      }
      Atomics.store(this.#i32, ring + R.tail, (tail + ((4 + length + 7) & ~7)) | 0);
      Atomics.add(this.#i32, ring + R.spaceSeq, 1);
      if (Atomics.load(this.#i32, ring + R.producerWaiting)) notify(this.#b, this.#i32, ring + R.spaceSeq, 1);
      return message;
    }
  }

  #deadline(timeoutMs: number | undefined): number {
    if (timeoutMs === undefined) return Infinity;
    if (typeof timeoutMs !== "number" || !(timeoutMs >= 0)) throw new RangeError("timeoutMs must be a number >= 0");
    return performance.now() + timeoutMs;
  }

  /** Waits until ready() (spin, then futex on the ring's `seq` word), checking the peer and the deadline. */
  #block(ring: number, seq: number, flag: number, ready: () => boolean, deadline: number): void {
    // Spin with sched_yield: on two cores it returns at once; when the peer shares this
    // core, it lets the peer run instead of burning the whole spin (measured: 110 µs
    // round trips without it when both processes sat on one core).
    const spinUntil = performance.now() + SPIN_MS;
    while (performance.now() < spinUntil) {
      if (ready()) return;
      this.#b.yield();
    }
    for (;;) {
      const observed = Atomics.load(this.#i32, ring + seq);
      Atomics.store(this.#i32, ring + flag, 1);
      if (ready()) break;
      const left = deadline - performance.now();
      this.#checkWaiting(left);
      wait(this.#b, this.#i32, ring + seq, observed, Math.min(LIVENESS_SLICE_MS, left));
      if (ready()) break;
    }
    Atomics.store(this.#i32, ring + flag, 0);
  }

  async #blockAsync(ring: number, seq: number, flag: number, ready: () => boolean, deadline: number): Promise<void> {
    for (;;) {
      const observed = Atomics.load(this.#i32, ring + seq);
      Atomics.store(this.#i32, ring + flag, 1);
      if (ready()) break;
      const left = deadline - performance.now();
      await this.#settleDeadPeers();
      this.#checkWaiting(left);
      await waitAsync(this.#b, this.#i32, ring + seq, observed, Math.min(LIVENESS_SLICE_MS, left));
      if (ready()) break;
    }
    Atomics.store(this.#i32, ring + flag, 0);
  }

  /** The pids that may attach or have: the peer, or before one attached, the children fork() gave the memory to. */
  #candidates(): number[] {
    const peer = this.#peerPid;
    if (peer !== 0) return [peer];
    return this.#side === 0 ? forkedSince(this.#mapping, this.#forkedBefore) : [];
  }

  /** A dead child of this process whose exit event has not run yet: let it run, so its exit code is known (bounded: a runtime under emulation takes seconds). */
  async #settleDeadPeers(): Promise<void> {
    for (const pid of this.#candidates()) {
      if (forkedChildExit(this.#b, pid) === undefined && !processAlive(this.#b, pid)) await forkedChildSettled(pid, EXIT_EVENT_MS);
    }
  }

  #checkWaiting(left: number): void {
    if (!this.#closedBy((1 - this.#side) as 0 | 1)) {
      const peer = this.#peerPid;
      if (peer !== 0) {
        const exit = this.#exitOf(peer);
        if (exit !== undefined) throw peerGone(`the channel's peer (pid ${peer}) exited without closing it`, exit);
      } else if (this.#side === 0) {
        // Nobody attached yet: the children fork() gave this memory to are the only candidates.
        const children = forkedSince(this.#mapping, this.#forkedBefore);
        const exits = children.map((pid) => this.#exitOf(pid));
        if (children.length > 0 && exits.every((e) => e !== undefined)) {
          throw peerGone(`fork()'s child (pid ${children.at(-1)}) that got the channel's mapping exited without attaching`, exits.at(-1)!);
        }
      }
    }
    if (left <= 0) throw new MmapError("ETIMEDOUT: nothing arrived in time", { code: "ETIMEDOUT" });
  }

  /** undefined while `pid` runs; how it ended if this process forked it and saw that, else null. */
  #exitOf(pid: number): ChildExit | null | undefined {
    // A child's exit is known once the event loop has turned; its pid may be reused by then.
    const exit = forkedChildExit(this.#b, pid);
    if (exit) return exit;
    return processAlive(this.#b, pid) ? undefined : null;
  }
}

/** ERR_PEER_GONE, with the child's exit code and signal when they are known. */
function peerGone(what: string, exit: ChildExit | null): MmapError {
  const how = exit === null ? "" : exit.signal !== null ? ` (killed by ${exit.signal})` : ` (exit code ${exit.code}; its output says why)`;
  return new MmapError(what + how, { code: "ERR_PEER_GONE", exitCode: exit?.code, signal: exit?.signal });
}
