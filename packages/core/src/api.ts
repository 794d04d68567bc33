import type { URL } from "node:url";
import { ABI_VERSION, type Backend } from "./backend.ts";
import { MmapError } from "./errors.ts";
import { copyFile, copyFileSync, type CopyOptions, type CopyResult } from "./copy.ts";
import { type AnonymousOptions, mapAnonymousMemory, mapFile, type MapOptions, pageSize, pageSizeOf } from "./map.ts";
import type { Mapping } from "./mapping.ts";

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
   * src and dst are the same file under two names.
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
  /** The system page size in bytes (loads the shim on first use). */
  pageSize(): number;
  /** Chooses where the native shim is loaded from; call it before anything else. */
  configure(options: ConfigureOptions): void;
  /** The loaded backend (loads it on first use), for diagnostics and benchmarks. */
  backend(): Backend;
}

/**
 * Binds the API to a backend that is loaded lazily, on first use, so importing
 * a runtime package never touches native code.
 */
export function bindMemmap(load: (config: ConfigureOptions) => Backend): Memmap {
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
    return (loaded = b);
  };
  return {
    map: (pathOrFd, options) => mapFile(backend(), pathOrFd, options),
    mapAnonymous: (size, options) => mapAnonymousMemory(backend(), size, options),
    copyFile: async (src, dst, options) => {
      const b = backend();
      return await copyFile(b, pageSizeOf(b), src, dst, options);
    },
    copyFileSync: (src, dst, options) => {
      const b = backend();
      return copyFileSync(b, pageSizeOf(b), src, dst, options);
    },
    pageSize: () => pageSize(backend()),
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
