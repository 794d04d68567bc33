import process from "node:process";
import type { Backend } from "./backend.ts";
import { MmapError } from "./errors.ts";
import { type ChildExit, forkedChildExit, forkedChildSettled, forkedChildState, forkedCount, forkedSince, PENDING } from "./fork.ts";
import { CONTROL_BYTES, R, Ring } from "./channel-ring.ts";
import { detach, type Mapping } from "./mapping.ts";
import { processAlive } from "./process-identity.ts";
import { misaligned, notify, wait, waitAsync } from "./wait.ts";

/*
 * Channel layout, version 2 (all words little-endian 32-bit, offsets in bytes):
 *   0 magic 0x4d4d4348 ("MMCH")   4 version   8 ring capacity C (a power of two)
 *  12 creator pid   16 attacher pid   20 closed bits (1: creator, 2: attacher)
 * 128 ring 0 control (creator -> attacher), 512 ring 1 control (attacher -> creator),
 *     three 128-byte blocks each
 * 896 ring 0 data (C bytes), 896 + C ring 1 data (C bytes).
 * Each ring's control block and records: channel-ring.ts. Version 1 (0.x releases before
 * this one) kept each ring's control words on one line; its peers are refused by both sides.
 */
const MAGIC = 0x4d4d4348;
/** The channel layout version this memmap writes and accepts (both peers must agree). */
export const CHANNEL_VERSION = 2;
/** Byte offsets of the two rings' control blocks. */
export const RING_CONTROL = [128, 128 + CONTROL_BYTES];
/** Bytes before the rings' data. */
export const CHANNEL_HEADER = 128 + 2 * CONTROL_BYTES;
const W = { magic: 0, version: 1, capacity: 2, creator: 3, attacher: 4, closed: 5, joined: 6 };
/** How often a sleeping side wakes to check that its peer is alive. */
const LIVENESS_SLICE_MS = 100;
/** How long an async wait lets a dead child's exit event take to arrive, for its exit code. */
const EXIT_EVENT_MS = 5000;
/**
 * How long the adaptive spin lasts (a futex round trip costs ~20-50 µs), and the most an async
 * wait spins on the JS thread before it waits off it.
 */
const SPIN_MAX_US = 50;
/**
 * The adaptive spin reads the memory alone up to this long, then calls sched_yield between reads
 * (lets a peer on this core run); less after spins that needed the yields.
 */
const PURE_SPIN_US = 5;
/**
 * Every this many adaptive waits, one spins the whole PURE_SPIN_US on the memory alone while the
 * yield-free part is shorter: the only way to learn that the peer has a core of its own again.
 * (A reply that comes before a yield is the evidence for that, and once the yield-free part has
 * shrunk below the peer's reply time, no reply can come before the first yield: without this
 * probe, a few slow replies left both ends yielding on every message for good, 2-3x slower.)
 * On a shared core a probe delays one hand-over in this many by PURE_SPIN_US.
 */
const PROBE_EVERY = 16;
/** Reads of the ring between two looks at the clock. */
const READS_PER_CLOCK = 64;
/** #nextIn(): nothing yet, or the peer closed and every message was read. */
const NOTHING = -1;
const DRAINED = -2;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * How a blocked side waits before it sleeps in the kernel: "adaptive" (default) spins 50 µs,
 * first on the memory alone (up to 5 µs, less when replies came only after yielding), then
 * with sched_yield between reads so that a peer on the same core can run; "busy" never sleeps
 * nor yields (the lowest latency, for processes on cores of their own: it burns one); a number
 * spins that many microseconds on the memory alone, then sleeps (0: at once).
 */
export type SpinPolicy = "adaptive" | "busy" | number;

/** Options of Channel.attach(). */
export interface AttachOptions {
  /** How a blocked send or receive waits (default "adaptive"). */
  spin?: SpinPolicy;
}

/** Options of Channel.create(). */
export interface ChannelOptions extends AttachOptions {
  /** Bytes per direction, a power of two (default: the largest that fits the mapping). */
  capacity?: number;
  /**
   * The pid of the process expected to attach (fork()'s child.pid): if it exits before
   * attaching, send()/receive() fail with ERR_PEER_GONE instead of waiting for nobody.
   * Without it, a channel whose mapping fork() then shares expects those children the same way.
   */
  peer?: number;
}

function spinPolicy(value: unknown): SpinPolicy {
  if (value === undefined) return "adaptive";
  if (value === "adaptive" || value === "busy") return value;
  if (typeof value !== "number") throw new TypeError(`options.spin must be "adaptive", "busy" or a number of microseconds, got ${typeof value}`);
  if (!(value >= 0 && value <= 1e6)) throw new RangeError(`options.spin must be from 0 to 1,000,000 microseconds, got ${value}`);
  return value;
}

const heldError = (call: string) =>
  new MmapError(`${call}: the message from receiveView() is still held; release() it first`, { code: "ERR_CHANNEL_VIEW_HELD" });
const reservedError = (call: string) =>
  new MmapError(`${call}: the room from reserve() is not committed yet; commit() it first`, { code: "ERR_CHANNEL_VIEW_HELD" });

/**
 * Messages between two processes over one shared mapping, both ways: a ring
 * per direction, variable-length messages, spinning briefly and then sleeping
 * on a futex. A message longer than maxMessage (half a ring less 16 bytes) is refused (RangeError), not split.
 * receive() returns null once the peer has closed and every message is read; a
 * peer that died without closing is an ERR_PEER_GONE error, found by checking
 * its pid while waiting (for a child of this process, with its exit code and signal).
 * reserve()/commit() and receiveView()/release() move a message without copying it:
 * the views are windows into the ring, detached (length 0) once they are given back.
 */
export class Channel {
  readonly #b: Backend;
  readonly #mapping: Mapping;
  readonly #i32: Int32Array;
  readonly #u8: Uint8Array;
  /** #u8's buffer and offset, kept: the `buffer` getter is a call into the runtime in V8. */
  readonly #buffer: ArrayBuffer;
  readonly #base: number;
  readonly #side: 0 | 1;
  readonly #out: Ring;
  readonly #in: Ring;
  readonly #spin: SpinPolicy;
  /** The closed bit of this end, and of the peer's, in the closed word. */
  readonly #mine: number;
  readonly #peers: number;
  /** How long the adaptive spin reads the memory alone before it yields, in microseconds. */
  #pureUs = PURE_SPIN_US;
  /** Adaptive waits that spun, for PROBE_EVERY. */
  #spins = 0;
  /** This end's waits now past their spin, for a record and for room (see #sleeps()). */
  readonly #sleepers = [0, 0];
  /** close() was called: checked before the words, which a resize() after it may have detached. */
  #closed = false;
  /** The view receiveView() handed out, until release(). */
  #held: Uint8Array | undefined;
  /** The view reserve() handed out, until commit(), and its length. */
  #reserved: Uint8Array | undefined;
  #reservedLength = 0;
  /** Takes this channel off the mapping's users (close()). */
  readonly #vacate: () => void;
  /** How many children fork() had shared the mapping with before: the creator's end expects those after. */
  readonly #forkedBefore: number;
  /** Largest message accepted. */
  readonly maxMessage: number;

  private constructor(backend: Backend, mapping: Mapping, side: 0 | 1, spin: SpinPolicy) {
    this.#b = backend;
    this.#mapping = mapping;
    this.#u8 = mapping.bytes;
    this.#buffer = this.#u8.buffer as ArrayBuffer;
    this.#base = this.#u8.byteOffset;
    this.#i32 = new Int32Array(this.#buffer, this.#base, this.#u8.byteLength >> 2);
    this.#side = side;
    this.#mine = side === 0 ? 1 : 2;
    this.#peers = side === 0 ? 2 : 1;
    const capacity = this.#i32[W.capacity]!;
    const rings = RING_CONTROL.map((control, i) => new Ring(this.#i32, control / 4, CHANNEL_HEADER + i * capacity, capacity));
    this.#out = rings[side]!;
    this.#in = rings[1 - side]!;
    this.#spin = spin;
    // Two of the largest records and the spare mark fit a ring with room to spare, so the
    // sender can write one while the receiver reads the other.
    this.maxMessage = capacity / 2 - 16;
    this.#forkedBefore = forkedCount(mapping);
    // Its rings cannot follow the memory to a new address: resize() is refused while it is open.
    this.#vacate = mapping.occupy({ what: "a Channel", detach: () => this.#memoryGoing() });
  }

  /** Bytes a mapping needs for a channel with `capacity`-byte rings (a power of two from 256 to 2^30): the rings and the header. */
  static bytesFor(capacity: number): number {
    if (typeof capacity !== "number") throw new TypeError(`capacity must be a number of bytes, got ${typeof capacity}`);
    if (!isCapacity(capacity)) throw new RangeError(`capacity must be a power of two from 256 to 2^30, got ${capacity}`);
    return CHANNEL_HEADER + 2 * capacity;
  }

  /**
   * Formats `mapping` as a channel and returns the creator's end.
   *
   * @internal
   * @ignore
   */
  static createOn(backend: Backend, mapping: Mapping, channelOptions: ChannelOptions = {}): Channel {
    const spin = spinPolicy(channelOptions.spin);
    checkAligned(backend, mapping);
    const room = Math.floor((mapping.length - CHANNEL_HEADER) / 2);
    if (channelOptions.capacity === undefined && room < 256) {
      throw new RangeError(`a channel needs a mapping of at least ${Channel.bytesFor(256)} bytes (Channel.bytesFor(256)), this one has ${mapping.length}`);
    }
    const capacity = channelOptions.capacity ?? 2 ** Math.floor(Math.log2(room));
    const needs = Channel.bytesFor(capacity);
    if (needs > mapping.length) {
      throw new RangeError(`a channel with ${capacity}-byte rings needs a mapping of ${needs} bytes (Channel.bytesFor), this one has ${mapping.length}`);
    }
    const i32 = new Int32Array(mapping.bytes.buffer, mapping.bytes.byteOffset, (CHANNEL_HEADER + 2 * capacity) / 4);
    i32.fill(0, 0, CHANNEL_HEADER / 4);
    // Each ring's first mark: what the memory held before must not read as a record.
    for (let ring = 0; ring < 2; ring++) i32[(CHANNEL_HEADER + ring * capacity) / 4] = 0;
    i32[W.capacity] = capacity;
    i32[W.version] = CHANNEL_VERSION;
    i32[W.creator] = process.pid;
    if (channelOptions.peer !== undefined) {
      if (!Number.isSafeInteger(channelOptions.peer) || channelOptions.peer <= 0) throw new RangeError("options.peer must be a pid");
      // Stored where the attacher's pid goes: attach() takes the slot over from this same pid.
      i32[W.attacher] = channelOptions.peer;
    }
    Atomics.store(i32, W.magic, MAGIC); // last: an attacher that sees the magic sees the rest
    return new Channel(backend, mapping, 0, spin);
  }

  /**
   * Joins a channel another process created on `mapping`.
   *
   * @internal
   * @ignore
   */
  static attachTo(backend: Backend, mapping: Mapping, attachOptions: AttachOptions = {}): Channel {
    const spin = spinPolicy(attachOptions.spin);
    if (mapping.length < 64) throw new RangeError("this mapping is too small to hold a channel");
    checkAligned(backend, mapping);
    const i32 = new Int32Array(mapping.bytes.buffer, mapping.bytes.byteOffset, 16);
    if (Atomics.load(i32, W.magic) !== MAGIC) {
      throw new MmapError("this mapping holds no channel (no Channel.create() on it yet?)", { code: "ERR_CHANNEL_LAYOUT" });
    }
    if (i32[W.version] !== CHANNEL_VERSION) {
      throw new MmapError(
        `this channel has layout version ${i32[W.version]}, and this memmap speaks version ${CHANNEL_VERSION} only: ` +
          "run the same memmap release on both sides",
        {
          code: "ERR_CHANNEL_LAYOUT",
        },
      );
    }
    const capacity = i32[W.capacity]!;
    const valid = isCapacity(capacity);
    if (!valid || Channel.bytesFor(capacity) > mapping.length) {
      throw new MmapError(
        valid
          ? `this channel's rings take ${capacity} bytes each, so it needs a mapping of ${Channel.bytesFor(capacity)} bytes; this one has ${mapping.length}: map all of it`
          : `this channel's header says its rings take ${capacity} bytes, which no channel has: something else wrote over its memory`,
        { code: "ERR_CHANNEL_LAYOUT" },
      );
    }
    const holder = Atomics.compareExchange(i32, W.attacher, 0, process.pid);
    if (holder !== 0 && holder !== process.pid) {
      // The creator named this process (options.peer) before it started.
      if (processAlive(backend, holder) || Atomics.compareExchange(i32, W.attacher, holder, process.pid) !== holder) {
        throw new MmapError(`this channel is already attached by pid ${holder}`, { code: "ERR_CHANNEL_BUSY" });
      }
    }
    // The slot alone cannot tell a pid named by create({ peer }) from one that attached already,
    // so the first attach also sets `joined`. A second end on the same side (another attach in
    // this process or one of its Workers) would consume the same ring as the first.
    if (Atomics.exchange(i32, W.joined, 1) !== 0 && holder === process.pid) {
      throw new MmapError(
        `this channel is already attached in this process (pid ${process.pid}): a channel has one end per side, so use the Channel that attach() returned, or create another channel`,
        { code: "ERR_CHANNEL_BUSY" },
      );
    }
    return new Channel(backend, mapping, 1, spin);
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
    while (!this.#trySend(bytes)) this.#block(this.#out, bytes.length, deadline);
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
    while (!this.#trySend(bytes)) await this.#blockAsync(this.#out, bytes.length, deadline);
  }

  /**
   * Room for a message of `length` bytes, as a view into the ring to write it in place (no
   * copy); commit() sends it. Waits for room as send() does. Until commit(), send() and
   * another reserve() are refused (ERR_CHANNEL_VIEW_HELD).
   * @example
   * const room = channel.reserve(8);
   * new DataView(room.buffer, room.byteOffset).setFloat64(0, Math.PI, true);
   * channel.commit();
   */
  reserve(length: number, timeoutMs?: number): Uint8Array {
    if (typeof length !== "number") throw new TypeError("reserve(length) needs a number of bytes");
    if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`reserve(length): length must be an integer >= 0, got ${length}`);
    this.#checkLength(length);
    if (this.#reserved) throw reservedError("reserve");
    this.#checkSendable();
    const deadline = this.#deadline(timeoutMs);
    let at = this.#out.claim(length);
    while (at < 0) {
      this.#block(this.#out, length, deadline);
      this.#checkSendable();
      at = this.#out.claim(length);
    }
    this.#reserved = this.#window(at, length);
    this.#reservedLength = length;
    return this.#reserved;
  }

  /**
   * Sends what was written into reserve()'s view: all of it, or its first `length` bytes.
   * The view is detached (length 0) from then on: the message is the peer's.
   */
  commit(length?: number): void {
    const view = this.#reserved;
    if (!view) throw new MmapError("commit: nothing is reserved; call reserve(length) first", { code: "ERR_CHANNEL_NOT_RESERVED" });
    const n = length ?? this.#reservedLength;
    if (typeof n !== "number") throw new TypeError("commit(length) needs a number of bytes");
    if (!Number.isSafeInteger(n) || n < 0 || n > this.#reservedLength) {
      throw new RangeError(`commit(length): length must be an integer from 0 to the ${this.#reservedLength} bytes reserved, got ${n}`);
    }
    this.#reserved = undefined;
    detach(view.buffer as ArrayBuffer);
    this.#checkSendable();
    if (this.#out.publish(n)) this.#wake(this.#out, R.dataSeq);
  }

  /**
   * The next message; null once the peer closed and all was read. Blocks up to timeoutMs (ETIMEDOUT).
   * Each message is a new array: in a hot loop, receiveInto() a reused one (a new ArrayBuffer
   * costs about 1.4 µs in Deno at any size, and in Node above 64 bytes).
   *
   * @example
   * ```ts
   * for (let m = channel.receive(); m !== null; m = channel.receive()) console.log(new TextDecoder().decode(m));
   * ```
   */
  receive(timeoutMs?: number): Uint8Array | null {
    const at = this.#awaitIn(timeoutMs);
    return at === DRAINED ? null : this.#copyOut(at);
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
    const at = this.#awaitIn(timeoutMs);
    if (at === DRAINED) return null;
    const length = this.#in.length;
    if (length > target.length) {
      throw new RangeError(`the next message is ${length} bytes, more than the ${target.length}-byte target; it stays in the channel`);
    }
    copyInto(target, this.#u8, at, length);
    this.#consumeIn();
    return length;
  }

  /**
   * receive() that waits without blocking the event loop (after a spin of at most 50 µs).
   * Several may wait at once: each message goes to one of them, not necessarily the first
   * called (and the messages of several sendAsync() waiting for room go in any order).
   *
   * @example
   * ```ts
   * const message = await channel.receiveAsync(5000);
   * ```
   */
  async receiveAsync(timeoutMs?: number): Promise<Uint8Array | null> {
    return this.#awaitInAsync(timeoutMs, (at) => this.#copyOut(at));
  }

  /**
   * The next message as a view into the ring (no copy), valid until release(), which hands its
   * room back to the sender; null once the peer closed and all was read. Until release(), every
   * receive call is refused (ERR_CHANNEL_VIEW_HELD); after it the view is detached (length 0),
   * so it can never show a later message.
   * @example
   * const view = channel.receiveView();
   * if (view) {
   *   console.log(view.length);
   *   channel.release();
   * }
   */
  receiveView(timeoutMs?: number): Uint8Array | null {
    const at = this.#awaitIn(timeoutMs);
    return at === DRAINED ? null : this.#hold(at);
  }

  /** receiveView() that waits without blocking the event loop (after a spin of at most 50 µs). */
  async receiveViewAsync(timeoutMs?: number): Promise<Uint8Array | null> {
    return this.#awaitInAsync(timeoutMs, (at) => this.#hold(at));
  }

  /** Gives the message from receiveView() back: its view is detached and its room goes to the sender. A no-op when none is held. */
  release(): void {
    const view = this.#held;
    if (!view) return;
    this.#held = undefined;
    detach(view.buffer as ArrayBuffer);
    if (!this.#mapping.closed) this.#consumeIn();
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
   * A view still held is released, an uncommitted reservation dropped, and an async call of this
   * end still waiting ends with ERR_CHANNEL_CLOSED (so does one whose mapping is closed).
   *
   * @example
   * ```ts
   * channel.sendJson({ done: true });
   * channel.close(); // the peer reads the message, then null
   * ```
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#detachViews();
    this.#vacate();
    if (this.#mapping.closed) return;
    Atomics.or(this.#i32, W.closed, this.#mine);
    this.#endSleepers();
    for (const ring of [this.#out, this.#in]) {
      for (const seq of [R.dataSeq, R.spaceSeq]) {
        Atomics.add(this.#i32, ring.word(seq), 1);
        this.#wake(ring, seq);
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

  #peerClosed(): boolean {
    return (Atomics.load(this.#i32, W.closed) & this.#peers) !== 0;
  }

  #checkLength(length: number): void {
    if (length > this.maxMessage) {
      throw new RangeError(
        `a message of ${length} bytes is larger than this channel takes (${this.maxMessage}, about half a ring); ` +
          "create the channel over a larger mapping, or send it in parts",
      );
    }
  }

  #bytesOf(message: Uint8Array | string): Uint8Array {
    const bytes = typeof message === "string" ? encoder.encode(message) : message;
    if (!(bytes instanceof Uint8Array)) throw new TypeError("a message is a Uint8Array or a string");
    this.#checkLength(bytes.length);
    return bytes;
  }

  /** Throws unless this end may send now. */
  #checkSendable(): void {
    // A plain read: this end's bit is this process's own, and a peer's close() seen a moment
    // late costs a message nobody reads, which a close() just after it would cost anyway.
    const closed = this.#i32[W.closed]!;
    if (this.#closed || this.#mapping.closed || (closed & this.#mine) !== 0)
      throw new MmapError("send: this end of the channel is closed", { code: "ERR_CHANNEL_CLOSED" });
    if ((closed & this.#peers) !== 0) throw new MmapError("send: the peer closed the channel", { code: "ERR_CHANNEL_CLOSED" });
  }

  #trySend(bytes: Uint8Array): boolean {
    // At each try: a sendAsync waiting for room must not claim the room a reserve() made meanwhile.
    if (this.#reserved) throw reservedError("send");
    this.#checkSendable();
    const at = this.#out.claim(bytes.length);
    if (at < 0) return false;
    this.#u8.set(bytes, at);
    if (this.#out.publish(bytes.length)) this.#wake(this.#out, R.dataSeq);
    return true;
  }

  /** The next message's payload offset; NOTHING when there is none yet; DRAINED once the peer closed and all was read. */
  #nextIn(): number {
    if (this.#held) throw heldError("receive");
    if (this.#closed || this.#mapping.closed || (this.#i32[W.closed]! & this.#mine) !== 0) {
      throw new MmapError("receive: this end of the channel is closed", { code: "ERR_CHANNEL_CLOSED" });
    }
    const at = this.#in.peek();
    if (at >= 0) return at;
    // None yet: closed by the peer? It closes after its last send, so once its close() is seen,
    // a second look at the ring finds any message sent before it.
    if ((Atomics.load(this.#i32, W.closed) & this.#peers) === 0) return NOTHING;
    const last = this.#in.peek();
    return last >= 0 ? last : DRAINED;
  }

  /** #nextIn() once a message is there (or the peer closed), waiting up to timeoutMs. */
  #awaitIn(timeoutMs: number | undefined): number {
    const deadline = this.#deadline(timeoutMs);
    let at = this.#nextIn();
    while (at === NOTHING) {
      this.#block(this.#in, -1, deadline);
      at = this.#nextIn();
    }
    return at;
  }

  /**
   * #awaitIn() without blocking, and `take` the message in the same turn as the look that found
   * it: between two turns another receive of this end (several async ones may wait at once)
   * could take the same message.
   */
  async #awaitInAsync<T>(timeoutMs: number | undefined, take: (at: number) => T): Promise<T | null> {
    const deadline = this.#deadline(timeoutMs);
    for (;;) {
      const at = this.#nextIn();
      if (at === DRAINED) return null;
      if (at !== NOTHING) return take(at);
      await this.#blockAsync(this.#in, -1, deadline);
    }
  }

  #copyOut(at: number): Uint8Array {
    const message = this.#u8.slice(at, at + this.#in.length);
    this.#consumeIn();
    return message;
  }

  #consumeIn(): void {
    if (this.#in.consume()) this.#wake(this.#in, R.spaceSeq);
  }

  /**
   * Wakes every waiter on `ring`'s `seq` word, not one: the peer's end may have several waits
   * asleep (async ones, and a sync one), and the one woken could be a wait whose thread is busy in
   * another; the rest would sleep until their liveness check. A wake costs one call either way.
   */
  #wake(ring: Ring, seq: number): void {
    // Through wait.ts's notify(), the path every release so far used. (A raw backend call with a
    // kept address was tried on 2026-12-04; node26 children then crashed at exit now and then, and
    // this path alone did not stop that: the cause is open, see docs/channel-internals.md.)
    notify(this.#b, this.#i32, ring.word(seq));
  }

  /** The mapping is closing, and its memory goes next: the views are detached, and this end's sleepers ended. */
  #memoryGoing(): void {
    this.#detachViews();
    this.#endSleepers();
  }

  /**
   * Ends this end's waits that sleep on the futex, for a close() of the channel or of its mapping:
   * their may-sleep flags are cleared (else the peer would go on waking a sleeper that is gone,
   * one futex call per message), their sequence words bumped (a wait still on its way to the
   * futex then returns at once) and they are woken, to end with ERR_CHANNEL_CLOSED now rather
   * than at their next liveness check. Never throws: it runs inside Mapping.close(), which must
   * not stop halfway; a wake that fails leaves a wait to its liveness check, as before.
   */
  #endSleepers(): void {
    const waits = [
      [this.#in, R.consumerWaiting, R.dataSeq],
      [this.#out, R.producerWaiting, R.spaceSeq],
    ] as const;
    for (const [kind, [ring, flag, seq]] of waits.entries()) {
      if (this.#sleepers[kind] === 0) continue;
      Atomics.store(this.#i32, ring.word(flag), 0);
      Atomics.add(this.#i32, ring.word(seq), 1);
      // Not notify() of wait.ts: it refuses a mapping already marked closed, as it is in here.
      this.#b.notify(this.#b.address(this.#i32) + BigInt(ring.word(seq) * 4), -1);
    }
  }

  #hold(at: number): Uint8Array {
    this.#held = this.#window(at, this.#in.length);
    return this.#held;
  }

  /** A view of its own over `length` bytes at `at`, which this channel detaches when it is given back or the mapping goes. */
  #window(at: number, length: number): Uint8Array {
    if (length === 0) return new Uint8Array(0);
    return new Uint8Array(this.#mapping.window(this.#base + at, length));
  }

  #detachViews(): void {
    detach(this.#held?.buffer as ArrayBuffer | undefined);
    detach(this.#reserved?.buffer as ArrayBuffer | undefined);
    this.#held = undefined;
    this.#reserved = undefined;
  }

  #deadline(timeoutMs: number | undefined): number {
    if (timeoutMs === undefined) return Infinity;
    if (typeof timeoutMs !== "number" || !(timeoutMs >= 0)) throw new RangeError("timeoutMs must be a number >= 0");
    return performance.now() + timeoutMs;
  }

  /**
   * Whether `ring` has a record (need < 0) or room for `need` bytes, or the wait is over anyway:
   * either end closed, or the mapping (then the ring is not read: its memory is gone).
   */
  #ready(ring: Ring, need: number): boolean {
    return this.#ended() || ringReady(ring, need);
  }

  /** Either end's close() or the mapping's: what ends a wait that no message or room will. */
  #ended(): boolean {
    return this.#closed || this.#mapping.closed || (Atomics.load(this.#i32, W.closed) & 3) !== 0;
  }

  /**
   * Spins until #ready() or the spin policy's budget is spent: true if ready. Reads the ring
   * alone (no FFI call); the adaptive policy calls sched_yield between reads after its first
   * microseconds. "busy" ends only when ready, at the deadline or when the peer is gone.
   */
  #spinFor(ring: Ring, need: number, deadline: number, async: boolean): boolean {
    if (this.#ready(ring, need)) return true;
    const policy = this.#spin;
    const busy = policy === "busy" && !async;
    const adaptive = policy === "adaptive";
    const budget = Math.min(typeof policy === "number" ? policy : SPIN_MAX_US, async ? SPIN_MAX_US : Infinity);
    if (budget <= 0) return false;
    const start = performance.now();
    const until = Math.min(start + budget / 1000, deadline);
    const probe = adaptive && this.#pureUs < PURE_SPIN_US && ++this.#spins % PROBE_EVERY === 0;
    let pureUntil = adaptive ? start + (probe ? PURE_SPIN_US : this.#pureUs) / 1000 : until;
    // The peer's own progress, seen before this side yields: it has taken everything this side
    // sent (waiting for a message), or sent more since the wait began (waiting for room). It
    // shows the peer running on another core: a yield cannot help it and would only see its
    // answer later, so the rest of the spin reads the memory alone. (Without this, two peers that
    // each answered only after their yields each saw the other's replies come late, kept
    // yielding, and never stopped.) Waiting for a message, nothing of the peer's is read before
    // then: its line stays in its core's cache for its next move.
    const peerMark = need < 0 ? 0 : Atomics.load(this.#i32, this.#in.word(R.head));
    let checkAt = start + LIVENESS_SLICE_MS;
    let yielded = false;
    for (;;) {
      // The ring alone between two looks at the clock; the peer's close() is seen at the clock.
      for (let k = 0; k < READS_PER_CLOCK; k++) {
        if (ringReady(ring, need)) {
          // Ready only after yielding: the peer needed this core, so yield sooner next time
          // (and later again, step by step, while replies come without; at once after a probe).
          if (adaptive) this.#pureUs = yielded ? this.#pureUs / 2 : probe ? PURE_SPIN_US : Math.min(PURE_SPIN_US, this.#pureUs * 2 + 0.05);
          return true;
        }
      }
      if (this.#ended()) return true;
      const now = performance.now();
      if (busy) {
        if (now >= checkAt || now >= deadline) {
          this.#checkWaiting(deadline - now);
          checkAt = now + LIVENESS_SLICE_MS;
        }
      } else if (now >= until) {
        return false;
      } else if (now >= pureUntil) {
        if (!yielded && (need < 0 ? this.#out.taken() : Atomics.load(this.#i32, this.#in.word(R.head)) !== peerMark)) {
          pureUntil = until;
          continue;
        }
        this.#b.yield();
        yielded = true;
      }
    }
  }

  /** Waits until #ready() (spin, then futex on the ring's sequence word), checking the peer and the deadline. */
  #block(ring: Ring, need: number, deadline: number): void {
    if (this.#spinFor(ring, need, deadline, false)) return;
    for (const sleep of this.#sleeps(ring, need, deadline)) {
      this.#checkWaiting(sleep.left);
      wait(this.#b, this.#i32, sleep.seq, sleep.observed, Math.min(LIVENESS_SLICE_MS, sleep.left));
    }
  }

  async #blockAsync(ring: Ring, need: number, deadline: number): Promise<void> {
    if (this.#spinFor(ring, need, deadline, true)) return;
    for (const sleep of this.#sleeps(ring, need, deadline)) {
      await this.#settleDeadPeers();
      // The mapping may have closed meanwhile (a child-exit handler's close()): its words are gone.
      if (this.#ended()) return;
      this.#checkWaiting(sleep.left);
      try {
        await waitAsync(this.#b, this.#i32, sleep.seq, sleep.observed, Math.min(LIVENESS_SLICE_MS, sleep.left));
      } catch (e) {
        // The mapping closed while the wait was on its way to the futex (off the JS thread): the
        // futex then met unmapped memory (EFAULT). The close is what ended it.
        if (!this.#mapping.closed) throw e;
      }
    }
  }

  /**
   * The sleeps of a wait on `ring` (need < 0: for a record, else for room) once its spin is
   * spent: each gives the futex word, the value it must still hold, and the time left; it ends
   * once #ready(). The ring's may-sleep flag is set throughout, and cleared by the last wait of
   * this end to leave (async waits can overlap, and a sync one can run while they sleep): one
   * that cleared it under another would let the peer skip the wake that one sleeps for.
   */
  *#sleeps(ring: Ring, need: number, deadline: number): Generator<{ seq: number; observed: number; left: number }> {
    const kind = need < 0 ? 0 : 1;
    const seq = ring.word(need < 0 ? R.dataSeq : R.spaceSeq);
    const flag = ring.word(need < 0 ? R.consumerWaiting : R.producerWaiting);
    // Set once, before every look below, and kept set while any wait of this end is in here: a
    // peer that publishes after a look sees it, bumps seq and wakes us.
    Atomics.store(this.#i32, flag, 1);
    this.#sleepers[kind]!++;
    try {
      for (;;) {
        if (this.#mapping.closed) return; // its words are gone; #ready() sees the closed bits after the load
        const observed = Atomics.load(this.#i32, seq);
        if (this.#ready(ring, need)) return;
        yield { seq, observed, left: deadline - performance.now() };
      }
    } finally {
      if (--this.#sleepers[kind]! === 0 && !this.#mapping.closed) Atomics.store(this.#i32, flag, 0);
    }
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
    if (!this.#peerClosed()) {
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
    const state = forkedChildState(this.#b, pid);
    // Our child, unreaped and not reported by the kernel yet: running, or still exiting (a zombie
    // in /proc whose other threads have not gone yet). Either way, not gone.
    if (state === PENDING) return undefined;
    if (state) return state;
    return processAlive(this.#b, pid) ? undefined : null;
  }
}

/**
 * The layout puts each side's words on cache lines of their own counted from the mapping's
 * start, so that start must be a line's (64 bytes); memory, shared memory and a file mapped
 * from a multiple of 64 are.
 */
function checkAligned(backend: Backend, mapping: Mapping): void {
  const address = backend.address(mapping.bytes);
  if ((address & 63n) !== 0n) throw misaligned("a Channel needs", 64, address);
}

/** A ring capacity a channel can have: a power of two from 256 to 2^30. */
function isCapacity(capacity: number): boolean {
  return Number.isSafeInteger(capacity) && capacity >= 256 && capacity <= 2 ** 30 && (capacity & (capacity - 1)) === 0;
}

/**
 * Messages up to this long are copied by a loop: a view to copy from is garbage per message,
 * and the GC pauses it brings are a peer's late replies. Up to 64 B the loop costs no more than
 * making the view; from 128 B on it costs more in V8 (bench/channel-parts.mjs, 2026-12-04).
 */
const COPY_LOOP_MAX = 64;

/** Copies `length` bytes at `at` in `from` to the start of `target`. */
function copyInto(target: Uint8Array, from: Uint8Array, at: number, length: number): void {
  if (length > COPY_LOOP_MAX) {
    // A view made by the constructor costs half what subarray() does (V8).
    target.set(new Uint8Array(from.buffer, from.byteOffset + at, length));
    return;
  }
  for (let i = 0; i < length; i++) target[i] = from[at + i]!;
}

/** Whether `ring` has a record (need < 0) or room for `need` bytes. */
function ringReady(ring: Ring, need: number): boolean {
  return need < 0 ? ring.readable() : ring.fits(need);
}

/** ERR_PEER_GONE, with the child's exit code and signal when they are known. */
function peerGone(what: string, exit: ChildExit | null): MmapError {
  const how = exit === null ? "" : exit.signal !== null ? ` (killed by ${exit.signal})` : ` (exit code ${exit.code}; its output says why)`;
  return new MmapError(what + how, { code: "ERR_PEER_GONE", exitCode: exit?.code, signal: exit?.signal });
}
