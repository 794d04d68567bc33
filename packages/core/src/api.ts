import type { URL } from "node:url";
import { ABI_VERSION, type Backend } from "./backend.ts";
import { loadErrnos, MmapError } from "./errors.ts";
import { type AttachOptions, Channel, type ChannelOptions } from "./channel.ts";
import { copyFile, copyFileSync, type CopyOptions, type CopyResult } from "./copy.ts";
import { type ChildHandle, type ForkOptions, fork, inherited } from "./fork.ts";
import { Mutex } from "./mutex.ts";
import { openSharedMemory, type SharedOptions, unlinkSharedMemory } from "./shared-memory.ts";
import { notify, wait, waitAsync, type WaitResult } from "./wait.ts";
import { type AnonymousOptions, mapAnonymous, mapFile, type MapOptions, pageSizeOf } from "./map.ts";
import type { Mapping, MappingHandle } from "./mapping.ts";
import { fromHandle } from "./handle.ts";

/** Options of configure(). */
export interface ConfigureOptions {
  /** Load the native shim from this file instead of searching for it. */
  libraryPath?: string;
}

/** The public API, bound to one runtime's backend. Every runtime package exports these. */
export interface Memmap {
  /**
   * Maps a file, given by path, file: URL or open descriptor, as a zero-copy Uint8Array.
   *
   * @example
   * ```ts
   * using m = map("data.bin", { mode: "readwrite" });
   * m.bytes[0] = 42;
   * m.flush();
   * ```
   */
  map(pathOrFd: string | URL | number, options?: MapOptions): Mapping;
  /**
   * Zero-filled shared memory of `size` bytes, shareable with child processes.
   *
   * @example
   * ```ts
   * using shm = mapAnonymous(4096);
   * new Int32Array(shm.bytes.buffer)[0] = 1;
   * ```
   */
  mapAnonymous(size: number | bigint, options?: AnonymousOptions): Mapping;
  /**
   * Copies a file without blocking the event loop, window by window; the
   * result says which strategy ran. Never truncates the source, even when
   * src and dst are the same file under two names. An error or an abort removes
   * the partial destination (or an atomic copy's temporary file).
   *
   * A process killed where no handler runs (SIGKILL, a crash, a power loss) leaves
   * what it had written: without `atomic`, the destination already at the source's
   * size (it is sized first; a streamed source's grows as it is read) but only partly
   * written, which nothing tells from a finished copy; with `atomic`, the destination untouched (or absent) and a
   * `.NAME.xxxxxxxx.memmap-tmp` file (mode 0600) beside it, safe to delete. Use
   * `atomic` where a killed copy must not pass for a whole one.
   *
   * @example
   * ```ts
   * const { bytes, strategy, ms } = await copyFile("in.bin", "out.bin", { atomic: true });
   * ```
   */
  copyFile(src: string | URL, dst: string | URL, options?: CopyOptions): Promise<CopyResult>;
  /**
   * copyFile, blocking until done.
   *
   * @example
   * ```ts
   * copyFileSync("in.bin", "out.bin", { strategy: "mmap", durable: true });
   * ```
   */
  copyFileSync(src: string | URL, dst: string | URL, options?: CopyOptions): CopyResult;
  /**
   * Starts `module` in a new process (this runtime, or `execPath`'s) that
   * receives `share`d mappings through inherited().
   *
   * @example
   * ```ts
   * const shm = mapAnonymous(4096);
   * const child = fork("./child.ts", { share: { shm } });
   * await child.exited;
   * ```
   */
  fork(module: string | URL, options?: ForkOptions): ChildHandle;
  /**
   * In a forked child: the mappings its parent shared, by name ({} elsewhere); each has
   * the parent's length and mode. A name the parent did not share is undefined.
   *
   * @example
   * ```ts
   * const { shm } = inherited();
   * if (shm) console.log("a child of fork(), sharing", shm.length, "bytes");
   * ```
   */
  inherited(): Partial<Record<string, Mapping>>;
  /**
   * In another thread of this process: a Mapping over the memory that
   * `mapping.handle()` names, with no new mmap. Each thread's Mapping has its
   * own lifetime; the memory is unmapped when the last one is closed.
   *
   * @example
   * ```ts
   * // worker.ts
   * import { parentPort, workerData } from "node:worker_threads";
   * using m = fromHandle(workerData);
   * parentPort!.postMessage(m.bytes[0]);
   * ```
   */
  fromHandle(handle: MappingHandle): Mapping;
  /**
   * Named POSIX shared memory for unrelated processes; see SharedOptions. The name lives
   * until unlinkShared().
   *
   * @example
   * ```ts
   * using shm = openShared("my-app-state", { size: 4096, create: true });
   * shm.bytes[0] = 1; // another process's openShared("my-app-state") sees it
   * ```
   */
  openShared(name: string, options?: SharedOptions): Mapping;
  /**
   * Removes a shared memory name (processes that have it mapped keep it).
   *
   * @example
   * ```ts
   * unlinkShared("my-app-state");
   * ```
   */
  unlinkShared(name: string): void;
  /**
   * Like Atomics.wait, across processes, on an Int32Array over a mapping; blocks the thread.
   *
   * @example
   * ```ts
   * const word = new Int32Array(shm.bytes.buffer, 0, 1);
   * if (wait(word, 0, 0, 1000) === "timed-out") console.log("nobody notified within 1 s");
   * ```
   */
  wait(i32: Int32Array, index: number, expected: number, timeoutMs?: number): WaitResult;
  /**
   * wait() without blocking the event loop.
   *
   * @example
   * ```ts
   * const result = await waitAsync(new Int32Array(shm.bytes.buffer, 0, 1), 0, 0);
   * ```
   */
  waitAsync(i32: Int32Array, index: number, expected: number, timeoutMs?: number): Promise<WaitResult>;
  /**
   * Like Atomics.notify, across processes; returns how many waiters woke.
   *
   * @example
   * ```ts
   * const word = new Int32Array(shm.bytes.buffer, 0, 1);
   * Atomics.store(word, 0, 1);
   * notify(word, 0); // wakes every waiter; notify(word, 0, 1) wakes one
   * ```
   */
  notify(i32: Int32Array, index: number, count?: number): number;
  /**
   * A robust inter-process mutex in two Int32Array words of shared memory (`index` and
   * `index + 1`, default 0): a holder that dies is noticed, and the next lock() reports it.
   *
   * @example
   * ```ts
   * const mutex = new Mutex(new Int32Array(shm.bytes.buffer), 0);
   * {
   *   using guard = mutex.lock();
   *   if (guard.ownerDied) console.log("the last holder died: repair the shared state");
   * } // unlocked here
   * ```
   */
  Mutex: new (
    i32: Int32Array,
    index?: number,
  ) => Mutex;
  /** Message channels over a shared mapping: create() on one side, attach() on the other. */
  Channel: {
    /**
     * Formats the mapping as a channel; this process is one end. Name the expected peer
     * (fork()'s child.pid), so that its death before attaching is ERR_PEER_GONE.
     *
     * @example
     * ```ts
     * const ring = mapAnonymous(1 << 20);
     * const child = fork("./worker.ts", { share: { ring } });
     * const channel = Channel.create(ring, { peer: child.pid });
     * channel.sendJson({ job: 1 });
     * ```
     */
    create(mapping: Mapping, options?: ChannelOptions): Channel;
    /**
     * Joins the channel another process created on the same memory.
     *
     * @example
     * ```ts
     * const { ring } = inherited();
     * if (ring) {
     *   const channel = Channel.attach(ring);
     *   console.log(channel.receiveJson());
     * }
     * ```
     */
    attach(mapping: Mapping, options?: AttachOptions): Channel;
    /**
     * Bytes a mapping needs for a channel whose rings hold `capacity` bytes each (a power of
     * two from 256 to 2^30); the largest message (`maxMessage`) is half a ring less 16 bytes.
     *
     * @example
     * ```ts
     * const ring = mapAnonymous(Channel.bytesFor(1 << 20)); // messages up to ~512 KiB
     * ```
     */
    bytesFor(capacity: number): number;
  };
  /**
   * The unit mapping offsets are aligned to, in bytes (loads the shim on first use): the page
   * size, except on Windows, where views start at multiples of the 64 KiB allocation granularity.
   *
   * @example
   * ```ts
   * const window = map("big.bin", { offset: 100 * pageSize(), length: pageSize() });
   * ```
   */
  pageSize(): number;
  /**
   * Chooses where the native shim is loaded from; call it before anything else.
   *
   * @example
   * ```ts
   * configure({ libraryPath: "/opt/memmap/libmemmap.so" });
   * ```
   */
  configure(options: ConfigureOptions): void;
  /**
   * The loaded backend (loads it on first use), for diagnostics and benchmarks.
   *
   * @example
   * ```ts
   * console.log(backend().name, backend().libraryPath); // e.g. "node:ffi" and the shim's path
   * ```
   */
  backend(): Backend;
}

/** What a runtime package knows about its process that node:process does not say. */
export interface BindOptions {
  /** This process's runtime flags, for a child of the same runtime (default: process.execArgv). */
  ownFlags?: () => string[];
}

/**
 * Binds the API to a backend that is loaded lazily, on first use, so importing
 * a runtime package never touches native code.
 *
 * @example
 * ```ts
 * const memmap = bindMemmap(nodeStyleLoader(new URL("../prebuilt/", import.meta.url), openBackend));
 * export const { map, mapAnonymous } = memmap;
 * ```
 */
export function bindMemmap(load: (config: ConfigureOptions) => Backend, bindOptions: BindOptions = {}): Memmap {
  let loaded: Backend | undefined;
  let config: ConfigureOptions = {};
  const backend = (): Backend => {
    if (loaded) return loaded;
    const b = load(config);
    const abi = b.abiVersion();
    if (abi !== ABI_VERSION) {
      throw new MmapError(
        `the native shim at ${b.libraryPath} speaks ABI ${abi}, this memmap needs ${ABI_VERSION}; rebuild it (npm run build:native) or unset MEMMAP_LIBRARY_PATH`,
        { code: "ERR_LIBRARY_ABI", path: b.libraryPath },
      );
    }
    loadErrnos(b);
    return (loaded = b);
  };
  return {
    map: (pathOrFd, options) => mapFile(backend(), pathOrFd, options),
    mapAnonymous: (size, options) => mapAnonymous(backend(), size, options),
    copyFile: async (src, dst, options) => {
      const b = backend();
      return await copyFile(b, pageSizeOf(b), src, dst, options);
    },
    copyFileSync: (src, dst, options) => {
      const b = backend();
      return copyFileSync(b, pageSizeOf(b), src, dst, options);
    },
    fork: (module, options) => fork(backend(), module, options, bindOptions.ownFlags),
    inherited: () => inherited(backend()),
    fromHandle: (handle) => fromHandle(backend(), handle),
    openShared: (name, options) => openSharedMemory(backend(), name, options),
    unlinkShared: (name) => unlinkSharedMemory(backend(), name),
    wait: (i32, index, expected, timeoutMs) => wait(backend(), i32, index, expected, timeoutMs),
    waitAsync: (i32, index, expected, timeoutMs) => waitAsync(backend(), i32, index, expected, timeoutMs),
    notify: (i32, index, count) => notify(backend(), i32, index, count),
    Mutex: class BoundMutex extends Mutex {
      constructor(i32: Int32Array, index = 0) {
        super(backend(), i32, index);
      }
    },
    Channel: {
      create: (mapping, options) => Channel.createOn(backend(), mapping, options),
      attach: (mapping, options) => Channel.attachTo(backend(), mapping, options),
      bytesFor: (capacity) => Channel.bytesFor(capacity),
    },
    pageSize: () => pageSizeOf(backend()),
    configure(options) {
      if (loaded) {
        throw new MmapError("configure() must be called before the first mapping: the native shim is already loaded", {
          code: "ERR_ALREADY_LOADED",
        });
      }
      if (options?.libraryPath !== undefined && typeof options.libraryPath !== "string") {
        throw new TypeError("options.libraryPath must be a string");
      }
      config = { ...options };
    },
    backend,
  };
}
