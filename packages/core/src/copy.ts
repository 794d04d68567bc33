import {
  type Backend,
  KIND_DIRECTORY,
  KIND_FILE,
  MAP_SHARED,
  OPEN_CREATE,
  OPEN_EXCL,
  OPEN_WRITE,
  PROT_READ,
  PROT_WRITE,
  ADVICE,
  STAT_DEV,
  STAT_INO,
  STAT_KIND,
  STAT_PERM,
  STAT_SIZE,
  STAT_SLOTS,
} from "./backend.ts";
import { check, checkBig, describeErrno, errnoError, MmapError } from "./errors.ts";
import { lastSeparator } from "./host.ts";
import { cString, oneOf, optionalBoolean, options, toIndex, toPath } from "./validate.ts";

export type CopyStrategy = "auto" | "clone" | "copy_file_range" | "mmap";
const STRATEGIES: readonly CopyStrategy[] = ["auto", "clone", "copy_file_range", "mmap"];

/** Options of copyFile() and copyFileSync(). */
export interface CopyOptions {
  /**
   * "auto" (default): a copy-on-write clone where the file system can, else the
   * kernel's copy_file_range, else "mmap": the seed's method, two mappings per window.
   */
  strategy?: CopyStrategy;
  /** Replace an existing destination (default true); false fails with EEXIST. */
  overwrite?: boolean;
  /** Fail with EEXIST if the destination exists, decided atomically by the kernel. */
  exclusive?: boolean;
  /** fsync the destination before returning. */
  durable?: boolean;
  /** Write a temporary file beside the destination and rename it into place: no partial destination is ever visible. */
  atomic?: boolean;
  /** Bytes per window (default 64 MiB; rounded up to whole pages). Memory use is bounded by two windows. */
  windowSize?: number;
  /** Called once per window with the bytes done so far and the total. */
  onProgress?: (copied: number, total: number) => void;
  /** Cancels the copy and removes the partial destination. */
  signal?: AbortSignal;
}

/** What a copy did. */
export interface CopyResult {
  bytes: number;
  strategy: Exclude<CopyStrategy, "auto">;
  ms: number;
}

const DEFAULT_WINDOW = 64 * 2 ** 20;
/** Below this a window is copied on the JS thread: a worker round trip costs more than the copy. */
const INLINE_WINDOW = 2 ** 20;
/** Devices whose file system said it cannot clone: "auto" stops asking (1,000 small copies: up to 17 ms). */
const NO_CLONE = new Set<string>();
/** errnos meaning "this file system or kernel cannot do that", after which "auto" tries the next strategy. */
const UNSUPPORTED = new Set(["ENOSYS", "EOPNOTSUPP", "ENOTSUP", "EXDEV", "EINVAL", "ENOTTY", "EBADF"]);

function statOf(backend: Backend, fd: number, path: string): BigInt64Array {
  const out = new BigInt64Array(STAT_SLOTS);
  check(backend, backend.fstat(fd, out), "fstat", path);
  return out;
}

function split(path: string): { dir: string; base: string } {
  const slash = lastSeparator(path);
  return slash < 0 ? { dir: ".", base: path } : { dir: path.slice(0, slash) || "/", base: path.slice(slash + 1) };
}

/**
 * One copy, driven window by window by copyFileSync (in a loop) or copyFile
 * (yielding between windows). It owns its descriptors and, until it finishes,
 * the file it writes: any failure or abort removes that partial file.
 */
class CopyJob {
  readonly total: number;
  copied = 0;
  strategy: Exclude<CopyStrategy, "auto">;
  #b: Backend;
  #src: string;
  #dst: string;
  #srcFd = -1;
  #dstFd = -1;
  #srcId: [bigint, bigint];
  /** The file being written: dst itself, or the temporary file of an atomic copy. */
  #target: string;
  #targetC: Uint8Array;
  #removeOnFailure = false;
  #finalMode: number | undefined;
  #opts: Required<Pick<CopyOptions, "overwrite" | "exclusive" | "durable" | "atomic">>;
  #window: number;
  #pageSize: number;
  /** End of the current run of data (holes between runs are skipped: the copy stays sparse). */
  #dataEnd = 0;
  #started: number;
  /** "auto" may still fall back from copy_file_range to mmap on the first window. */
  #auto = false;

  constructor(backend: Backend, pageSize: number, src: unknown, dst: unknown, opts: Partial<CopyOptions>) {
    this.#started = performance.now();
    this.#b = backend;
    this.#pageSize = pageSize;
    const strategy = opts.strategy === undefined ? "auto" : oneOf(opts.strategy, "options.strategy", STRATEGIES);
    const overwrite = opts.overwrite === undefined ? true : optionalBoolean(opts.overwrite, "options.overwrite");
    this.#opts = {
      overwrite,
      exclusive: optionalBoolean(opts.exclusive, "options.exclusive") || !overwrite,
      durable: optionalBoolean(opts.durable, "options.durable"),
      atomic: optionalBoolean(opts.atomic, "options.atomic"),
    };
    const w = opts.windowSize === undefined ? DEFAULT_WINDOW : toIndex(opts.windowSize, "options.windowSize");
    if (w === 0) throw new RangeError("options.windowSize must be at least 1");
    this.#window = Math.ceil(w / pageSize) * pageSize;
    if (opts.onProgress !== undefined && typeof opts.onProgress !== "function") {
      throw new TypeError("options.onProgress must be a function");
    }
    if (opts.signal !== undefined && !(opts.signal instanceof AbortSignal)) {
      throw new TypeError("options.signal must be an AbortSignal");
    }
    const s = toPath(src, "src");
    const d = toPath(dst, "dst");
    this.#src = s.display;
    this.#dst = d.display;
    this.#target = d.display;
    this.#targetC = d.c;

    const b = backend;
    this.#srcFd = check(b, b.open(s.c, 0, 0), "open", this.#src, (code) => (code === "ENOENT" ? "The source file does not exist." : undefined));
    try {
      const st = statOf(b, this.#srcFd, this.#src);
      if (Number(st[STAT_KIND]) === KIND_DIRECTORY) {
        throw new MmapError(`EISDIR: source '${this.#src}' is a directory; copyFile copies regular files`, {
          code: "EISDIR", syscall: "open", path: this.#src,
        });
      }
      if (Number(st[STAT_KIND]) !== KIND_FILE) {
        throw new MmapError(`source '${this.#src}' is not a regular file`, { code: "ERR_NOT_REGULAR_FILE", path: this.#src });
      }
      this.total = Number(st[STAT_SIZE]);
      this.#srcId = [st[STAT_DEV]!, st[STAT_INO]!];
      this.#openDestination(d.c, Number(st[STAT_PERM]));
      this.strategy = this.#choose(strategy);
    } catch (e) {
      this.#cleanUp(true);
      throw e;
    }
  }

  /** Opens (or creates) what will be written, refusing to touch the source through another name. */
  #openDestination(dstC: Uint8Array, srcPerm: number): void {
    const b = this.#b;
    const existing = b.open(dstC, OPEN_WRITE, 0);
    if (existing >= 0) {
      const st = statOf(b, existing, this.#dst);
      if (st[STAT_DEV] === this.#srcId[0] && st[STAT_INO] === this.#srcId[1]) {
        b.close(existing);
        throw new MmapError(
          `source and destination are the same file ('${this.#src}' and '${this.#dst}'); nothing was changed`,
          { code: "ERR_SAME_FILE", path: this.#dst },
        );
      }
      if (this.#opts.exclusive) {
        b.close(existing);
        throw new MmapError(`EEXIST: destination '${this.#dst}' exists and exclusive/overwrite: false forbids replacing it`, {
          code: "EEXIST", syscall: "open", path: this.#dst,
        });
      }
      if (this.#opts.atomic) {
        this.#finalMode = Number(st[STAT_PERM]);
        b.close(existing);
      } else {
        this.#dstFd = existing;
        // Its old contents are gone from here on: a failure removes the partial file.
        this.#removeOnFailure = true;
        check(b, b.ftruncate(existing, 0n), "ftruncate", this.#dst);
        check(b, b.ftruncate(existing, BigInt(this.total)), "ftruncate", this.#dst);
        return;
      }
    } else {
      const code = describeErrno(b, -existing).code;
      if (code === "EISDIR") {
        throw new MmapError(`EISDIR: destination '${this.#dst}' is a directory; give the full path of the new file`, {
          code: "EISDIR", syscall: "open", path: this.#dst,
        });
      }
      if (code !== "ENOENT") throw errnoError(b, -existing, "open", this.#dst);
    }

    if (this.#opts.atomic) {
      const { dir, base } = split(this.#dst);
      this.#target = `${dir}/.${base}.${Math.random().toString(36).slice(2, 10)}.memmap-tmp`;
      this.#targetC = cString(this.#target);
      this.#finalMode ??= srcPerm & ~b.umask();
      // 0600 until it is complete and given its final mode.
      this.#dstFd = check(b, b.open(this.#targetC, OPEN_WRITE | OPEN_CREATE | OPEN_EXCL, 0o600), "open", this.#dst, dirHint);
    } else {
      this.#dstFd = check(b, b.open(dstC, OPEN_WRITE | OPEN_CREATE | OPEN_EXCL, srcPerm), "open", this.#dst, dirHint);
    }
    this.#removeOnFailure = true;
    check(b, b.ftruncate(this.#dstFd, BigInt(this.total)), "ftruncate", this.#dst);
  }

  #choose(strategy: CopyStrategy): Exclude<CopyStrategy, "auto"> {
    const b = this.#b;
    // FICLONE's "cannot" comes from the destination's file system: remember it by that device
    // (looked up only when "auto" may try a clone).
    const device = strategy === "auto" && this.total > 0 ? String(statOf(b, this.#dstFd, this.#dst)[STAT_DEV]) : "";
    if (strategy === "clone" || (device !== "" && !NO_CLONE.has(device))) {
      const r = b.clone(this.#srcFd, this.#dstFd);
      if (r === 0) {
        this.copied = this.total;
        return "clone";
      }
      if (strategy === "clone" || !UNSUPPORTED.has(describeErrno(b, -r).code)) throw errnoError(b, -r, "ioctl(FICLONE)", this.#dst);
      NO_CLONE.add(device);
    }
    this.#auto = strategy === "auto";
    // Whether copy_file_range works between these two files shows only on the first real call (see step).
    return strategy === "mmap" ? "mmap" : "copy_file_range";
  }

  get done(): boolean {
    return this.copied >= this.total;
  }

  /** The next window to copy, skipping holes; undefined when only a hole remains. */
  #nextWindow(): [start: number, length: number] | undefined {
    const b = this.#b;
    if (this.copied >= this.#dataEnd) {
      // Skip the hole up to the next data (SEEK_DATA); where the file system cannot say, all is data.
      const data = b.seekData(this.#srcFd, BigInt(this.copied));
      if (data < 0n) {
        if (describeErrno(b, -Number(data)).code === "ENXIO") {
          this.copied = this.total; // only a hole remains, and dst is already that long
          return undefined;
        }
        this.#dataEnd = this.total;
      } else {
        this.copied = Math.min(Number(data), this.total);
        const hole = b.seekHole(this.#srcFd, data);
        this.#dataEnd = hole < 0n ? this.total : Math.min(Number(hole), this.total);
      }
      if (this.copied >= this.total) return undefined;
    }
    return [this.copied, Math.min(this.#window, this.#dataEnd - this.copied)];
  }

  /** Copies the next window on this thread; the caller checks `done`. */
  step(): void {
    const w = this.#nextWindow();
    if (w) this.#copyInline(w[0], w[1]);
  }

  #copyInline(start: number, length: number): void {
    if (this.strategy === "copy_file_range") {
      const n = this.#b.copyFileRange(this.#srcFd, BigInt(start), this.#dstFd, BigInt(start), BigInt(length));
      if (!this.#fellBack(n)) this.#checkCopied(n, length);
    }
    if (this.strategy === "mmap") {
      const [src, dst, len] = this.#mapWindow(start, length);
      try {
        this.#b.copy(dst, src, len);
      } finally {
        this.#unmapWindow(src, dst, len);
      }
    }
    this.copied = start + length;
  }

  /** The same as step(), with the copying itself off the JS thread. */
  async stepAsync(): Promise<void> {
    const w = this.#nextWindow();
    if (!w) return;
    const [start, length] = w;
    if (length <= INLINE_WINDOW) {
      this.#copyInline(start, length);
      return;
    }
    if (this.strategy === "copy_file_range") {
      const n = await this.#b.copyFileRangeAsync(this.#srcFd, BigInt(start), this.#dstFd, BigInt(start), BigInt(length));
      if (!this.#fellBack(n)) this.#checkCopied(n, length);
    }
    if (this.strategy === "mmap") {
      const [src, dst, len] = this.#mapWindow(start, length);
      try {
        await this.#b.copyAsync(dst, src, len);
      } finally {
        this.#unmapWindow(src, dst, len);
      }
    }
    this.copied = start + length;
  }

  /** Under "auto", a first copy_file_range that this pair of files cannot do switches to mmap. */
  #fellBack(result: bigint): boolean {
    const fallback = result < 0n && this.#auto && UNSUPPORTED.has(describeErrno(this.#b, -Number(result)).code);
    this.#auto = false;
    if (fallback) this.strategy = "mmap";
    return fallback;
  }

  #checkCopied(result: bigint, length: number): void {
    const copied = checkBig(this.#b, result, "copy_file_range", this.#dst, (code) =>
      code === "EXDEV"
        ? "This kernel cannot copy_file_range between these two file systems; strategy 'auto' falls back to mmap."
        : code === "ENOSYS"
        ? "This operating system has no copy_file_range (Windows, macOS); use strategy 'auto' or 'mmap'."
        : undefined);
    if (copied < BigInt(length)) this.#sourceShrank();
  }

  /** The seed's method, one window: both files mapped over the same range. */
  #mapWindow(start: number, length: number): [src: bigint, dst: bigint, length: bigint] {
    const b = this.#b;
    // A source truncated under a mapping faults on touch: check its size first (see README, "Reliability").
    if (Number(statOf(b, this.#srcFd, this.#src)[STAT_SIZE]) < this.total) this.#sourceShrank();
    const aligned = start - (start % this.#pageSize);
    const len = BigInt(start + length - aligned);
    // Writing a mapping of blocks the disk cannot give is SIGBUS; reserving them first makes it ENOSPC.
    const reserved = b.fallocate(this.#dstFd, BigInt(aligned), len);
    if (reserved < 0 && !UNSUPPORTED.has(describeErrno(b, -reserved).code)) throw errnoError(b, -reserved, "fallocate", this.#dst);
    const src = checkBig(b, b.mmap(len, PROT_READ, MAP_SHARED, this.#srcFd, BigInt(aligned)), "mmap", this.#src);
    b.madvise(src, len, ADVICE.sequential);
    const dst = b.mmap(len, PROT_READ | PROT_WRITE, MAP_SHARED, this.#dstFd, BigInt(aligned));
    if (dst < 0n) b.munmap(src, len);
    return [src, checkBig(b, dst, "mmap", this.#dst), len];
  }

  #unmapWindow(src: bigint, dst: bigint, len: bigint): void {
    this.#b.munmap(dst, len);
    this.#b.munmap(src, len);
  }

  #sourceShrank(): never {
    throw new MmapError(
      `source '${this.#src}' shrank during the copy (it was ${this.total} bytes); the partial destination was removed`,
      { code: "ERR_SOURCE_CHANGED", path: this.#src },
    );
  }

  /** fsync, mode, rename: the copy becomes visible. */
  finish(): CopyResult {
    const b = this.#b;
    if (this.#opts.durable) check(b, b.fsync(this.#dstFd), "fsync", this.#dst);
    if (this.#opts.atomic) {
      check(b, b.fchmod(this.#dstFd, this.#finalMode!), "fchmod", this.#dst);
      const dstC = cString(this.#dst);
      if (this.#opts.exclusive) {
        // link() fails with EEXIST instead of replacing, which rename() would do.
        check(b, b.link(this.#targetC, dstC), "link", this.#dst);
        b.unlink(this.#targetC);
      } else {
        check(b, b.rename(this.#targetC, dstC), "rename", this.#dst);
      }
    }
    this.#removeOnFailure = false;
    this.#cleanUp(false);
    return { bytes: this.total, strategy: this.strategy, ms: performance.now() - this.#started };
  }

  /** Closes what is open; after a failure also removes the partial file. Never throws. */
  #cleanUp(failed: boolean): void {
    const b = this.#b;
    if (this.#srcFd >= 0) b.close(this.#srcFd);
    if (this.#dstFd >= 0) b.close(this.#dstFd);
    this.#srcFd = this.#dstFd = -1;
    if (failed && this.#removeOnFailure) b.unlink(this.#targetC);
    this.#removeOnFailure = false;
  }

  fail(): void {
    this.#cleanUp(true);
  }
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new DOMException("The copy was aborted", "AbortError");
}

/** Copies src to dst, blocking until done. */
export function copyFileSync(backend: Backend, pageSize: number, src: unknown, dst: unknown, copyOptions?: CopyOptions): CopyResult {
  const opts = options<CopyOptions>(copyOptions);
  if (opts.signal?.aborted) throw abortError(opts.signal);
  const job = new CopyJob(backend, pageSize, src, dst, opts);
  try {
    while (!job.done) {
      job.step();
      opts.onProgress?.(job.copied, job.total);
    }
    return job.finish();
  } catch (e) {
    job.fail();
    throw e;
  }
}

/** Copies src to dst with each window copied off the JS thread, so the event loop runs on. */
export async function copyFile(backend: Backend, pageSize: number, src: unknown, dst: unknown, copyOptions?: CopyOptions): Promise<CopyResult> {
  const opts = options<CopyOptions>(copyOptions);
  if (opts.signal?.aborted) throw abortError(opts.signal);
  const job = new CopyJob(backend, pageSize, src, dst, opts);
  try {
    while (!job.done) {
      await job.stepAsync();
      opts.onProgress?.(job.copied, job.total);
      if (opts.signal?.aborted) throw abortError(opts.signal);
    }
    return job.finish();
  } catch (e) {
    job.fail();
    throw e;
  }
}

function dirHint(code: string): string | undefined {
  return code === "ENOENT"
    ? "The destination's folder does not exist."
    : code === "EACCES"
    ? "The destination's folder is not writable."
    : undefined;
}
