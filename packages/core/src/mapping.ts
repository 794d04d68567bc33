import { ADVICE, type Advice, type Backend, PROT_READ, PROT_WRITE, SYNC_ASYNC } from "./backend.ts";
import { check, checkBig, closedError, errnos, MmapError } from "./errors.ts";
import { type FileSource, reacquire } from "./file-source.ts";
import { noSharedBufferReason, sharedBufferUnsupported } from "./shared-buffer-error.ts";
import { oneOf, optionalBoolean, optionalIndex, options, toIndex } from "./validate.ts";

/** How a file is mapped: see {@linkcode MapOptions.mode}. */
export type MapMode = "read" | "readwrite" | "copy";
export const MAP_MODES: readonly MapMode[] = ["read", "readwrite", "copy"];
export const ADVICE_NAMES = Object.keys(ADVICE) as Advice[];

/**
 * The native side of a mapping. The finalizer holds this, never the Mapping,
 * and fires once the Mapping is unreachable; every ArrayBuffer over the memory
 * keeps its Mapping reachable (see `owners`), so a view kept after its Mapping
 * was dropped stays valid.
 */
export interface Region {
  readonly backend: Backend;
  readonly pageSize: number;
  /** Page-aligned start; meaningless while mapLength is 0. */
  base: bigint;
  /** Bytes mapped from base. */
  mapLength: number;
  /** A descriptor the region owns (anonymous memory), or -1. */
  fd: number;
  released: boolean;
  /** The truncation guard's slot for the mapped range, or -1. */
  guard?: number;
  /** Faults counted in slots given up since (a remap takes a new slot). */
  pastFaults?: number;
  /**
   * The shim registry's id once the region is shared between threads (handle()
   * or fromHandle()): the registry then owns the memory, the descriptor and the
   * guard's slot, and this thread holds one reference.
   */
  shared?: bigint;
}

/** mmap for a region, with the range registered with the truncation guard. */
export function mapRegion(region: Region, length: number, flags: number, fd: number, offset: number, path?: string): void {
  const b = region.backend;
  // Always readable and writable: "read" mode is a private copy-on-write mapping, so a stray write never faults.
  region.base = checkBig(b, b.mmap(BigInt(length), PROT_READ | PROT_WRITE, flags, fd, BigInt(offset)), "mmap", path, mmapHint);
  region.mapLength = length;
  guard(region);
}

/** What to do about a failed mmap. */
export function mmapHint(code: string): string | undefined {
  return code === "ENOMEM"
    ? "Out of address space or of mappings (vm.max_map_count, ~65,530): close() mappings you are done with instead of leaving them to the GC, or map smaller windows."
    : undefined;
}

function guard(region: Region): void {
  // Out of slots (thousands of live mappings), a mapping works unguarded, as any raw mmap.
  const slot = region.backend.guardAdd(region.base, BigInt(region.mapLength));
  region.guard = slot >= 0 ? slot : -1;
}

function unguard(region: Region): void {
  if (region.guard === undefined || region.guard < 0) return;
  region.pastFaults = faultsOf(region);
  region.backend.guardRemove(region.guard);
  region.guard = -1;
}

function faultsOf(region: Region): number {
  const live = region.guard !== undefined && region.guard >= 0 ? Number(region.backend.guardFaults(region.guard)) : 0;
  return (region.pastFaults ?? 0) + live;
}

/** Gives the region's memory up (or this thread's reference to it); the faults its guard absorbed. */
function release(region: Region): number {
  if (region.released) return 0;
  region.released = true;
  // The last reference, in whichever thread, unmaps: the shim decides.
  if (region.shared !== undefined) {
    const faults = faultsOf(region);
    region.backend.registryRelease(region.shared);
    return faults;
  }
  const slot = region.guard ?? -1;
  if (slot < 0 && region.mapLength === 0 && region.fd < 0) return region.pastFaults ?? 0;
  // Guard slot, memory and descriptor in one crossing (map-file.c).
  region.pastFaults = (region.pastFaults ?? 0) + Number(region.backend.unmap(region.base, BigInt(region.mapLength), slot, region.fd));
  region.guard = -1;
  return region.pastFaults;
}

// close() unregisters: leaving the cells to the GC was measured to grow V8's
// resident memory by ~400 bytes per map/close cycle (npm run soak).
const finalizer = new FinalizationRegistry<Region>(release);
/**
 * Every ArrayBuffer over a mapping holds its Mapping under this key, so the
 * Mapping lives as long as any buffer over it. (A symbol-keyed property costs
 * about nothing; a WeakMap entry was measured at 0.1-0.4 µs per buffer in Bun.)
 */
const OWNER = Symbol("memmap.owner");

/** The open Mapping a buffer was made over, if any (wait/notify accept only those). */
export function mappingOf(buffer: ArrayBufferLike): Mapping | undefined {
  const m = (buffer as { [OWNER]?: Mapping })[OWNER];
  return m && !m.closed ? m : undefined;
}

/** Everything map() and mapAnonymous() hand to a new Mapping. */
export interface MappingInit {
  region: Region;
  mode: MapMode;
  /** Requested byte offset into the file. */
  offset: number;
  /** Distance from the page-aligned start to the requested offset. */
  delta: number;
  length: number;
  flags: number;
  path?: string;
  /** How a file mapping reaches its file again (resize, fork); none for memory or fromHandle(). */
  source?: FileSource;
}

/** Something built over a mapping's memory at its address (Mapping.occupy()). */
export interface MappingUser {
  /** What it is, for resize()'s refusal: "a Channel". */
  readonly what: string;
  /** Called on close(), before the memory goes: let go of every view into it. */
  detach(): void;
}

/** Range options of flush(), advise() and resident(): bytes of the mapping. */
export interface RangeOptions {
  /** Start of the range, in bytes from the mapping's start (default 0). */
  offset?: number | bigint;
  /** Bytes in the range (default: to the mapping's end). */
  length?: number | bigint;
}

/** Options of {@linkcode Mapping.flush}: the range, and whether to wait. */
export interface FlushOptions extends RangeOptions {
  /** Schedule the write-back (MS_ASYNC) instead of waiting for it. */
  async?: boolean;
}

/** What {@linkcode Mapping.resident} found. */
export interface Residency {
  /** Pages of pageSize() bytes that cover the range (the first and last may be partly outside it). */
  pages: number;
  /** How many of them are in RAM. */
  resident: number;
  /** One byte per page, in address order: 1 in RAM, 0 not. */
  bitmap: Uint8Array;
}

const MAPPING_INIT = Symbol("memmap.mapping");

/** What {@linkcode Mapping.handle} returns: plain data, structured-cloneable, meaningful only in this process. */
export interface MappingHandle {
  /** Marks the object as a memmap handle, with the version of its layout. */
  readonly kind: "memmap.mapping-handle/1";
  /** The shim registry's slot and generation. */
  readonly id: bigint;
  /** This process's registry key: a handle from another process names nothing here. */
  readonly key: bigint;
  /** The mapping's mode. */
  readonly mode: MapMode;
  /** The file offset the mapping starts at. */
  readonly offset: number;
  /** Distance from the page-aligned start to offset. */
  readonly delta: number;
  /** The mapping's length in bytes. */
  readonly length: number;
  /** Whether it is anonymous memory (or openShared memory) rather than a file. */
  readonly anonymous: boolean;
  /** The mapped file's path, when it was mapped by path. */
  readonly path?: string;
}

/** The `kind` of every MappingHandle. */
export const HANDLE_KIND: MappingHandle["kind"] = "memmap.mapping-handle/1";

const registryKeys = new WeakMap<Backend, bigint>();

/** This process's registry key, which handles carry so another process's are refused. */
export function registryKeyOf(backend: Backend): bigint {
  let key = registryKeys.get(backend);
  if (key === undefined) registryKeys.set(backend, (key = checkBig(backend, backend.registryKey(), "registry")));
  return key;
}

/** process.platform where there is a process object (every runtime here has one). */
function platformOf(): string {
  return (globalThis as { process?: { platform?: string } }).process?.platform ?? "unknown";
}

/** transfer(0) is the one operation that leaves no alias of the memory: a same-length transfer() or structuredClone moves it. */
export function detach(buffer: ArrayBuffer | undefined): void {
  if (buffer && !buffer.detached) buffer.transfer(0);
}

/** What toIndex accepts as a number, checked without building its error message. */
function isIndex(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

/** A typed array or DataView as the bytes it covers. */
function asBytes(target: unknown): Uint8Array {
  if (target instanceof Uint8Array) return target;
  if (ArrayBuffer.isView(target)) return new Uint8Array(target.buffer, target.byteOffset, target.byteLength);
  throw new TypeError(`readInto target must be a typed array or a DataView, got ${target === null ? "null" : typeof target}`);
}

/**
 * A live memory mapping. `bytes` is a zero-copy Uint8Array over it; `close()`
 * detaches every view handed out (they become length 0) before unmapping, so
 * no JS object is ever left pointing at unmapped memory.
 */
export class Mapping {
  #region: Region;
  #init: MappingInit;
  #length: number;
  #closed = false;
  #bytes: Uint8Array | undefined;
  /** Buffers made by view() over mappings too large for one ArrayBuffer (made on first use, as the next). */
  #extra: WeakRef<ArrayBuffer>[] | undefined;
  #pruneAt = 64;
  /** What occupy() registered: told before the memory goes, and a reason to refuse resize(). */
  #users: Set<MappingUser> | undefined;
  /** The SharedArrayBuffer of sharedBuffer, made once. */
  #sharedBuffer: SharedArrayBuffer | undefined;

  /** Use map(), mapAnonymous() or openShared(); the token keeps JavaScript callers out too. */
  private constructor(token: symbol, init: MappingInit) {
    if (token !== MAPPING_INIT) throw new TypeError("Mapping cannot be constructed directly; use map() or mapAnonymous()");
    this.#region = init.region;
    this.#init = init;
    this.#length = init.length;
    finalizer.register(this, init.region, init.region);
  }

  /**
   * The Mapping for map(), mapAnonymous() and openShared().
   *
   * @internal
   * @ignore
   */
  static create(init: MappingInit): Mapping {
    return new Mapping(MAPPING_INIT, init);
  }

  /**
   * The whole mapping as one zero-copy view. Throws RangeError if larger than the runtime's largest ArrayBuffer.
   *
   * @example
   * ```ts
   * const m = map("data.bin");
   * console.log(m.bytes.length, m.bytes[0]);
   * ```
   */
  get bytes(): Uint8Array {
    this.#ensureOpen("bytes");
    if (this.#bytes) return this.#bytes;
    const max = this.#region.backend.maxArrayBufferLength;
    if (this.#length > max) {
      throw new RangeError(
        `this mapping is ${this.#length} bytes, more than the largest ArrayBuffer this runtime ` +
          `(${this.#region.backend.name}) can create (${max} bytes); use mapping.view(offset, length) for windows of it`,
      );
    }
    this.#bytes = this.#newView(0, this.#length);
    return this.#bytes;
  }

  /** Length in bytes. */
  get length(): number {
    return this.#length;
  }

  /** Byte offset into the file where the mapping starts. */
  get offset(): number {
    return this.#init.offset;
  }

  /** How it was mapped: "read", "readwrite" or "copy" (anonymous and shared memory: "readwrite"). */
  get mode(): MapMode {
    return this.#init.mode;
  }

  /** The mapped file's path, when it was given by path. */
  get path(): string | undefined {
    return this.#init.path;
  }

  /** Whether close() was called (every method but close() then throws ERR_MAPPING_CLOSED). */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Faults the truncation guard absorbed: touches of pages past the end of a
   * file that another process shrank. Each replaced the rest of the mapping
   * with zero pages: reads there give 0, writes there are lost.
   */
  get faults(): number {
    return faultsOf(this.#region);
  }

  /** Whether the file shrank under this mapping (a guarded fault happened). */
  get truncated(): boolean {
    return this.faults > 0;
  }

  /**
   * A zero-copy view of `length` bytes at `offset` (default: to the end).
   * Works at any offset, also past 4 GiB on runtimes whose ArrayBuffers stop there.
   *
   * @example
   * ```ts
   * const header = m.view(0, 16);
   * const tail = m.view(m.length - 4096); // to the end
   * ```
   */
  view(offset: number | bigint = 0, length?: number | bigint): Uint8Array {
    this.#ensureOpen("view");
    const [o, l] = this.#range(offset, length, "view");
    const max = this.#region.backend.maxArrayBufferLength;
    if (this.#length <= max) return this.bytes.subarray(o, o + l);
    if (l > max) {
      throw new RangeError(`a view of ${l} bytes is larger than this runtime's largest ArrayBuffer (${max} bytes); take smaller windows`);
    }
    const v = this.#newView(o, l);
    if (l > 0) this.#track(v.buffer as ArrayBuffer);
    return v;
  }

  /**
   * Copies the bytes at `offset` into `target`, as `readSync(fd, target, 0,
   * target.byteLength, offset)` would: `target.byteLength` bytes, fewer at the
   * end of the mapping. Returns how many were copied. Checks only what it must,
   * so a loop of random record reads costs little more than the copy.
   *
   * @example
   * ```ts
   * const m = map("records.bin");
   * const record = new Uint8Array(4096);
   * m.readInto(42 * 4096, record); // record 42, copied out
   * ```
   */
  readInto(offset: number | bigint, target: ArrayBufferView): number {
    if (this.#closed) throw closedError("readInto");
    const o = isIndex(offset) ? offset : toIndex(offset, "readInto offset");
    if (o > this.#length) throw new RangeError(`readInto offset ${o} is past the end of the mapping (length ${this.#length})`);
    const dst = asBytes(target);
    const n = Math.min(dst.length, this.#length - o);
    if (n === 0) return 0;
    // A subarray of the cached whole view: the copy from memory, not the subarray, is what a record read costs.
    const src = this.#length <= this.#region.backend.maxArrayBufferLength ? (this.#bytes ?? this.bytes).subarray(o, o + n) : this.view(o, n);
    dst.set(src);
    return n;
  }

  /**
   * A zero-copy buffer over `length` bytes at `offset`, for a caller that detaches it
   * itself and registered with occupy() to do so on close(); it keeps this Mapping alive.
   *
   * @internal
   * @ignore
   */
  window(offset: number, length: number): ArrayBuffer {
    return this.#newBuffer(offset, length);
  }

  /**
   * Registers `user`, something built over this memory that cannot follow it to a new address
   * (a Channel): resize() is refused while it is registered, and `user.detach` runs on close(),
   * before the memory goes. Returns its removal.
   *
   * @internal
   * @ignore
   */
  occupy(user: MappingUser): () => void {
    const users = (this.#users ??= new Set());
    users.add(user);
    return () => users.delete(user);
  }

  /**
   * Writes changes back to the file (msync). A no-op for "read" and "copy" mappings, which never write back.
   *
   * @example
   * ```ts
   * m.bytes.set(update, 4096);
   * m.flush({ offset: 4096, length: update.length });
   * ```
   */
  flush(flushOptions?: FlushOptions): void {
    this.#ensureOpen("flush");
    const opts = options<FlushOptions>(flushOptions, "flush options");
    const isAsync = optionalBoolean(opts.async, "options.async");
    const [o, l] = this.#range(opts.offset, opts.length, "flush");
    if (this.#init.mode !== "readwrite" || l === 0) return;
    const [addr, len] = this.#pageRange(o, l);
    check(this.#region.backend, this.#region.backend.msync(addr, len, isAsync ? SYNC_ASYNC : 0), "msync", this.path);
    this.#reportTruncation("flush");
  }

  /** Writes past a shrunk file's end were lost: say so where the user expects them kept. */
  #reportTruncation(what: string, faults = this.faults): void {
    if (faults === 0 || this.#init.mode !== "readwrite") return;
    throw new MmapError(
      `${what}: the file${this.path ? ` '${this.path}'` : ""} was truncated by another process while mapped ` +
        `(${faults} fault${faults === 1 ? "" : "s"} absorbed); what was written past its new end is lost`,
      { code: "ERR_FILE_TRUNCATED", path: this.path },
    );
  }

  /**
   * Tells the kernel how the memory will be used (madvise). "dontneed" on a private mapping drops its private changes.
   *
   * @example
   * ```ts
   * m.advise("sequential");
   * m.advise("willneed", { offset: 0, length: 1 << 20 });
   * ```
   */
  advise(advice: Advice, range?: RangeOptions): void {
    this.#ensureOpen("advise");
    const a = oneOf(advice, "advice", ADVICE_NAMES);
    const opts = options<RangeOptions>(range, "range");
    const [o, l] = this.#range(opts.offset, opts.length, "advise");
    if (l === 0) return;
    const [addr, len] = this.#pageRange(o, l);
    check(this.#region.backend, this.#region.backend.madvise(addr, len, ADVICE[a]), "madvise", this.path);
  }

  /**
   * How many of the pages covering a range (default: the whole mapping) are in
   * RAM right now (mincore): page cache for a file, memory for anonymous
   * pages. A snapshot, stale as soon as it returns. An empty range is 0 pages.
   * Not available on Windows (MmapError ENOSYS).
   *
   * @example
   * ```ts
   * const m = map("data.bin");
   * const { pages, resident, bitmap } = m.resident({ offset: 0, length: 1 << 20 });
   * console.log(`${resident} of ${pages} pages cached; the first one ${bitmap[0] ? "is" : "is not"}`);
   * ```
   */
  resident(range?: RangeOptions): Residency {
    this.#ensureOpen("resident");
    const opts = options<RangeOptions>(range, "range");
    const [o, l] = this.#range(opts.offset, opts.length, "resident");
    if (l === 0) return { pages: 0, resident: 0, bitmap: new Uint8Array(0) };
    const [addr, len] = this.#pageRange(o, l);
    const r = this.#region;
    const bitmap = new Uint8Array(Math.ceil(Number(len) / r.pageSize));
    check(r.backend, r.backend.mincore(addr, len, bitmap), "mincore", this.path, (code) =>
      code === "ENOSYS" ? "resident() is not available on this OS (Windows has no mincore)." : undefined,
    );
    let resident = 0;
    for (const page of bitmap) resident += page;
    return { pages: bitmap.length, resident, bitmap };
  }

  /**
   * Keeps the pages in RAM (mlock). Fails with EAGAIN/ENOMEM/EPERM past RLIMIT_MEMLOCK.
   *
   * @example
   * ```ts
   * m.lock();
   * try {
   *   // latency-critical work on m.bytes
   * } finally {
   *   m.unlock();
   * }
   * ```
   */
  lock(): void {
    this.#ensureOpen("lock");
    const r = this.#region;
    check(r.backend, r.backend.mlock(r.base, BigInt(r.mapLength)), "mlock", this.path, (code) =>
      code === "ENOMEM" || code === "EAGAIN" || code === "EPERM"
        ? "Locking needs RLIMIT_MEMLOCK (ulimit -l) to cover the mapping, or CAP_IPC_LOCK."
        : undefined,
    );
  }

  /**
   * Lets the pages be swapped or evicted again (munlock).
   *
   * @example
   * ```ts
   * m.unlock();
   * ```
   */
  unlock(): void {
    this.#ensureOpen("unlock");
    const r = this.#region;
    check(r.backend, r.backend.munlock(r.base, BigInt(r.mapLength)), "munlock", this.path);
  }

  /**
   * Grows or shrinks a "readwrite" mapping (and its file, which follows) or
   * anonymous memory. Views taken before are detached: take new ones.
   * Refused (ERR_NOT_RESIZABLE) while a Channel is open on the mapping.
   *
   * @example
   * ```ts
   * const log = map("log.bin", { mode: "readwrite", size: 4096 });
   * log.resize(log.length * 2); // the file grows too; take new views
   * ```
   */
  resize(newLength: number | bigint): void {
    this.#ensureOpen("resize");
    const n = toIndex(newLength, "newLength");
    const init = this.#init;
    if (init.mode !== "readwrite") {
      throw new MmapError(
        `resize: only 'readwrite' mappings and anonymous memory can be resized; this mapping is '${init.mode}'. Map the file again with the length you need.`,
        { code: "ERR_MAPPING_MODE", path: this.path },
      );
    }
    const r = this.#region;
    const b = r.backend;
    const file = init.source;
    if (!file && r.fd < 0) {
      throw new MmapError("resize: this file mapping came from fromHandle(), which cannot reach the file again; resize it in the thread that mapped it", {
        code: "ERR_NOT_RESIZABLE",
        path: this.path,
      });
    }
    const user = this.#users?.values().next().value;
    if (user) {
      throw new MmapError(`resize: ${user.what} is open on this mapping, and resizing would move or cut the memory under it; close() it first`, {
        code: "ERR_NOT_RESIZABLE",
        path: this.path,
      });
    }
    if (r.shared !== undefined) this.#unshare();
    const { fd, owned } = file ? reacquire(b, file, true) : { fd: r.fd, owned: false };
    try {
      // The file ends where the mapping does: at offset + n (anonymous memory: offset 0).
      const fileLength = BigInt(init.offset + n);
      // The file first: if that fails (a seal, a full disk) nothing has changed yet.
      let truncated = b.ftruncate(fd, fileLength);
      if (truncated === -errnos(b).EBUSY && n < this.#length) {
        // Windows will not shrink a file while a view of it is mapped (ERROR_USER_MAPPED_FILE):
        // unmap ours and try again; if it is still refused, map the old length back.
        this.#detachAll();
        this.#remap(fd, 0);
        truncated = b.ftruncate(fd, fileLength);
        if (truncated < 0) this.#remap(fd, init.delta + this.#length);
      }
      check(b, truncated, "ftruncate", this.path, (code) =>
        code === "EPERM" && !file
          ? "Anonymous memory is sealed against shrinking (F_SEAL_SHRINK), so no process sharing it can truncate it under another; it can only grow."
          : code === "EBUSY"
            ? "Windows cannot shrink a file while another mapping of it (in this or another process) is open; close those first."
            : undefined,
      );
      this.#detachAll();
      this.#remap(fd, init.delta + n);
      this.#length = n;
    } finally {
      if (owned) b.close(fd);
    }
  }

  /**
   * A plain, structured-cloneable description of this mapping for another
   * thread of this process (postMessage it, or put it in workerData); there,
   * fromHandle(handle) makes a Mapping over the same memory. The memory stays
   * mapped while any thread's Mapping of it is open: each close() (or
   * finalization, or the thread's exit) drops one reference, the last unmaps.
   * Keep this Mapping open until the receiver's fromHandle() has returned.
   *
   * @example
   * ```ts
   * const m = mapAnonymous(1 << 20);
   * new Worker(new URL("./worker.ts", import.meta.url), { type: "module" }).postMessage(m.handle());
   * ```
   */
  handle(): MappingHandle {
    this.#ensureOpen("handle");
    const r = this.#region;
    const b = r.backend;
    const id = this.#register();
    const init = this.#init;
    return {
      kind: HANDLE_KIND,
      id,
      key: registryKeyOf(b),
      mode: init.mode,
      offset: init.offset,
      delta: init.delta,
      length: this.#length,
      anonymous: r.fd >= 0,
      ...(init.path === undefined ? {} : { path: init.path }),
    };
  }

  /**
   * A SharedArrayBuffer over the mapping's bytes, made once per Mapping, where the runtime can
   * make one over mapped memory: Node 24.16+/26.1+ and Bun, on Linux. It can be posted to
   * Workers (native `Atomics.wait`/`notify` work on it between threads of this process only).
   * A SharedArrayBuffer cannot be detached, so it follows other rules than `bytes`: while any
   * thread's Mapping of this memory is open it sees the real memory; once the last one is
   * closed (or collected) it reads zeros and its writes go to private memory, never to the
   * file (zero pages replace the range), and the address range is released when the last SharedArrayBuffer is collected.
   * resize() is refused (ERR_SHARED_BUFFER_LIVE) for good once one was made. Elsewhere
   * (Deno, Windows, macOS) it throws ERR_SHARED_BUFFER_UNSUPPORTED. See docs/threads.md.
   *
   * @example
   * ```ts
   * const m = mapAnonymous(4096);
   * const counter = new Int32Array(m.sharedBuffer);
   * worker.postMessage(counter); // the Worker's Atomics.add(counter, 0, 1) lands in the mapping
   * ```
   */
  get sharedBuffer(): SharedArrayBuffer {
    this.#ensureOpen("sharedBuffer");
    if (this.#sharedBuffer) return this.#sharedBuffer;
    const r = this.#region;
    const b = r.backend;
    if (!b.sharedBuffer) throw sharedBufferUnsupported(noSharedBufferReason(b.name, platformOf()));
    if (this.#length > b.maxArrayBufferLength) {
      throw new RangeError(
        `this mapping is ${this.#length} bytes, more than the largest buffer this runtime (${b.name}) can create over foreign memory (${b.maxArrayBufferLength} bytes)`,
      );
    }
    if (this.#length === 0) return (this.#sharedBuffer = new SharedArrayBuffer(0));
    const made = b.sharedBuffer(this.#register(), this.#init.delta, this.#length);
    if (typeof made === "number") {
      if (made === -errnos(b).ENOSYS) throw sharedBufferUnsupported(noSharedBufferReason(b.name, platformOf()));
      check(b, made, "sharedBuffer", this.path);
    }
    const sab = made as SharedArrayBuffer;
    // Keeps this Mapping (and so the real memory) alive while this thread can reach the buffer.
    (sab as { [OWNER]?: Mapping })[OWNER] = this;
    this.#sharedBuffer = sab;
    return sab;
  }

  /** Registers the region with the shim's registry (first call only); its id. */
  #register(): bigint {
    const r = this.#region;
    const b = r.backend;
    if (r.shared === undefined) {
      const id = b.registryAdd(r.base, BigInt(r.mapLength), r.fd, r.guard ?? -1, this.#init.flags);
      r.shared = checkBig(b, id, "registry", this.path, (code) =>
        code === "ENOSPC" ? "The shim shares at most 4,096 mappings between threads at once; close shared mappings you are done with." : undefined,
      );
    }
    return r.shared;
  }

  /**
   * A descriptor a child process can map the same memory from, and
   * whether the caller must close it after handing it over.
   *
   * @internal
   * @ignore
   */
  shareDescriptor(): { fd: number; owned: boolean } {
    this.#ensureOpen("fork");
    if (this.#region.fd >= 0) return { fd: this.#region.fd, owned: false };
    if (this.#init.source) return reacquire(this.#region.backend, this.#init.source, this.#init.mode === "readwrite");
    throw new MmapError("this mapping cannot be shared: it was made from a descriptor that is no longer known", {
      code: "ERR_NOT_SHAREABLE",
    });
  }

  /**
   * Whether this is anonymous memory (owns its descriptor).
   *
   * @internal
   * @ignore
   */
  get anonymous(): boolean {
    return this.#region.fd >= 0;
  }

  /**
   * Unmaps. Idempotent. Every view handed out becomes length 0.
   *
   * @example
   * ```ts
   * const m = map("data.bin");
   * const view = m.bytes;
   * m.close();
   * console.log(view.length); // 0: detached, never dangling
   * ```
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#detachAll();
    } finally {
      // Every view is detached by now, even if a user's detach() threw: the memory can go.
      this.#sharedBuffer = undefined;
      finalizer.unregister(this.#region);
      const faults = release(this.#region);
      if (faults > 0) this.#reportTruncation("close", faults);
    }
  }

  /** close(), for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** Takes the region back from the registry for resize(): refused while another thread holds it. */
  #unshare(): void {
    const r = this.#region;
    const taken = r.backend.registryTake(r.shared!);
    if (taken === -errnos(r.backend).EBUSY) {
      throw new MmapError(
        "resize: other threads hold this mapping (fromHandle), and resizing would move or cut the memory under their views; close it in those threads first, or map a new one and hand that over",
        { code: "ERR_MAPPING_SHARED", path: this.path },
      );
    }
    if (taken === -errnos(r.backend).ENOTEMPTY) {
      throw new MmapError(
        "resize: a sharedBuffer of this mapping exists (in this or another thread), and a SharedArrayBuffer cannot be detached, so the memory under it cannot move or shrink; map a new one with the size you need",
        { code: "ERR_SHARED_BUFFER_LIVE", path: this.path },
      );
    }
    check(r.backend, taken, "resize", this.path);
    r.shared = undefined;
  }

  #remap(fd: number, newMapLength: number): void {
    const r = this.#region;
    const b = r.backend;
    const init = this.#init;
    if (newMapLength === r.mapLength) return;
    unguard(r);
    if (r.mapLength > 0 && newMapLength > 0) {
      const moved = b.mremap(r.base, BigInt(r.mapLength), BigInt(newMapLength));
      if (moved !== BigInt(-errnos(b).ENOSYS)) {
        r.base = checkBig(b, moved, "mremap", this.path);
        r.mapLength = newMapLength;
        guard(r);
        return;
      }
    }
    // No mremap on this OS, or nothing mapped before or after: unmap and map afresh.
    if (r.mapLength > 0) b.munmap(r.base, BigInt(r.mapLength));
    r.mapLength = 0;
    if (newMapLength > 0) mapRegion(r, newMapLength, init.flags, fd, init.offset - init.delta, this.path);
  }

  #newView(offset: number, length: number): Uint8Array {
    if (length === 0) return new Uint8Array(0);
    return new Uint8Array(this.#newBuffer(offset, length));
  }

  #newBuffer(offset: number, length: number): ArrayBuffer {
    const r = this.#region;
    const buffer = r.backend.arrayBuffer(r.base + BigInt(this.#init.delta + offset), length);
    (buffer as { [OWNER]?: Mapping })[OWNER] = this;
    return buffer;
  }

  #track(buffer: ArrayBuffer): void {
    (this.#extra ??= []).push(new WeakRef(buffer));
    if (this.#extra.length >= this.#pruneAt) {
      this.#extra = this.#extra.filter((ref) => ref.deref() !== undefined);
      this.#pruneAt = Math.max(64, this.#extra.length * 2);
    }
  }

  /** Detaches every view; a user's detach() that throws does not stop the others (its error is thrown after). */
  #detachAll(): void {
    let failed: { error: unknown } | undefined;
    for (const user of this.#users ?? []) {
      try {
        user.detach();
      } catch (error) {
        failed ??= { error };
      }
    }
    detach(this.#bytes?.buffer as ArrayBuffer | undefined);
    this.#bytes = undefined;
    for (const ref of this.#extra ?? []) detach(ref.deref());
    this.#extra = undefined;
    if (failed) throw failed.error;
  }

  /** Validates an (offset, length) pair inside the mapping; length defaults to the rest. */
  #range(offset: unknown, length: unknown, what: string): [number, number] {
    // The argument names are built only for an error: a template string per call was a fifth of view()'s cost.
    const o = isIndex(offset) ? offset : (optionalIndex(offset, `${what} offset`) ?? 0);
    if (o > this.#length) {
      throw new RangeError(`${what} offset ${o} is past the end of the mapping (length ${this.#length})`);
    }
    const l = isIndex(length) ? length : (optionalIndex(length, `${what} length`) ?? this.#length - o);
    if (o + l > this.#length) {
      throw new RangeError(`${what} range ${o}..${o + l} is past the end of the mapping (length ${this.#length})`);
    }
    return [o, l];
  }

  /** The page-aligned address range covering [offset, offset + length) of the mapping. */
  #pageRange(offset: number, length: number): [bigint, bigint] {
    const start = this.#init.delta + offset;
    const aligned = start - (start % this.#region.pageSize);
    return [this.#region.base + BigInt(aligned), BigInt(start + length - aligned)];
  }

  #ensureOpen(what: string): void {
    if (this.#closed) throw closedError(what);
  }
}
