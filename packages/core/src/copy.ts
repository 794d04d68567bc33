import { closeSync, existsSync, fstatSync, lstatSync, open, openSync, read, readlinkSync, readSync, type Stats, statSync } from "node:fs";
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
} from "./backend.ts";
import { check, checkBig, errnoError, errnos, isMmapErrorCode, MmapError } from "./errors.ts";
import { lastSeparator } from "./host.ts";
import { fstatOf } from "./file-source.ts";
import { cString, oneOf, optionalBoolean, options, toIndex, toPath } from "./validate.ts";

/** How copyFile() copies: see {@linkcode CopyOptions.strategy}. */
export type CopyStrategy = "auto" | "clone" | "copy_file_range" | "mmap";
const STRATEGIES: readonly CopyStrategy[] = ["auto", "clone", "copy_file_range", "mmap"];

/** Options of copyFile() and copyFileSync(). */
export interface CopyOptions {
  /**
   * "auto" (default): a copy-on-write clone where the file system can, else the
   * kernel's copy_file_range, else "mmap": two mappings per window.
   * A FIFO, a device or a file without a size (/proc's) has none of these: "auto" streams it
   * with read(2), and the others refuse it.
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
  /**
   * Called with the bytes done so far and the total (NaN for a streamed source): by copyFile after
   * each slice of a window (about every 100 ms, whatever the window size; slices cost a little time
   * on a busy machine), by copyFileSync after each window, and after each read of a streamed source.
   */
  onProgress?: (copied: number, total: number) => void;
  /**
   * Cancels the copy and removes the partial destination: after the window being copied (the slice,
   * with onProgress), or at once while waiting on a FIFO's writer.
   */
  signal?: AbortSignal;
}

/** What a copy did: "stream" is how "auto" reads a FIFO, a device or a /proc file (see CopyJob.open). */
export interface CopyResult {
  /** Bytes copied (the source's size, or what a streamed source gave). */
  bytes: number;
  /** The strategy that ran: what "auto" chose, or "stream" for a source read front to back. */
  strategy: Exclude<CopyStrategy, "auto"> | "stream";
  /** Wall-clock milliseconds the copy took. */
  ms: number;
}

const DEFAULT_WINDOW = 64 * 2 ** 20;
/** Below this a window is copied on the JS thread: a worker round trip costs more than the copy. */
const INLINE_WINDOW = 2 ** 20;
/**
 * With onProgress, copyFile hands a window to the other thread in slices of about this many
 * milliseconds, so that progress (and an abort) come that often whatever the window size (the window
 * bounds memory, not them). Without, a window goes whole: each handoff between the threads costs two
 * wake-ups, which on a busy machine take milliseconds (measured at load 13 on 2 cores: 512 MiB by
 * mmap in 16 MiB windows took twice as long as in 64 MiB ones).
 */
const SLICE_MS = 100;
const FIRST_SLICE = 8 * 2 ** 20;
/** JS-thread work after which copyFile lets the event loop run (timers, signal handlers). */
const INLINE_TURN_MS = 50;
/** Devices whose file system said it cannot clone: "auto" stops asking (1,000 small copies: up to 17 ms). */
const NO_CLONE = new Set<string>();
/** Whether a positive errno means "this file system or kernel cannot do that", after which "auto" tries the next strategy. */
function unsupported(backend: Backend, errno: number): boolean {
  const e = errnos(backend);
  return (
    errno === e.ENOSYS || errno === e.EOPNOTSUPP || errno === e.ENOTSUP || errno === e.EXDEV || errno === e.EINVAL || errno === e.ENOTTY || errno === e.EBADF
  );
}
/** Bytes asked of a streamed source per read (a pipe gives at most 64 KiB anyway). */
const STREAM_CHUNK = 2 ** 20;

function split(path: string): { dir: string; base: string } {
  const slash = lastSeparator(path);
  return slash < 0 ? { dir: ".", base: path } : { dir: path.slice(0, slash) || "/", base: path.slice(slash + 1) };
}

/** `path` without its trailing separators ("b" for "b/"), or undefined if it has none. */
function withoutTrailingSeparators(path: string): string | undefined {
  let end = path.length;
  while (end > 1 && lastSeparator(path.slice(0, end)) === end - 1) end--;
  return end < path.length ? path.slice(0, end) : undefined;
}

/**
 * A source read front to back instead of mapped: a FIFO, a device, or a regular file
 * whose size is 0 but which has content (/proc's). node:fs opens and reads it (read(2),
 * as cp does): the shim has no read, and Deno's node:fs reads only descriptors it opened.
 * The destination is still the shim's, written through a mapping per chunk.
 */
interface Stream {
  fd: number;
  buffer: Uint8Array;
  /** Bytes already in `buffer`: what the probe of a size-0 file read. */
  pending: number;
  dev: bigint;
  ino: bigint;
  perm: number;
}

type StreamKind = "FIFO" | "character device" | "block device" | "file without a size";

/**
 * Whether the source at `path` must be streamed, and as what; undefined: map it (the shim's
 * open reports what is wrong); an Error: the runtime's file API may not stat it (see isDenied).
 */
function streamKind(path: string, dst: string, strategy: CopyStrategy): StreamKind | Error | undefined {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    return isDenied(e) ? (e as Error) : undefined;
  }
  const special = specialKind(st);
  if (special === "socket") {
    throw new MmapError(`ENXIO: source '${path}' is a socket, which cannot be opened for reading; copyFile copies files, FIFOs and devices`, {
      code: "ENXIO",
      syscall: "open",
      path,
    });
  }
  const kind = special ?? (st.isFile() && st.size === 0 ? "file without a size" : undefined);
  if (kind === undefined || kind === "file without a size") return kind; // most often simply empty: its probe tells (see probed)
  if (strategy !== "auto") throw notMappable(path, kind, strategy);
  // Said now, as cp does: opening a FIFO would wait for a writer first.
  let other;
  try {
    other = statSync(dst);
  } catch {
    return kind;
  }
  if (other.dev === st.dev && other.ino === st.ino) throw sameFile(path, dst);
  return kind;
}

/** specialKind() of what `path` names (following links); undefined if it cannot be stat'ed (missing, or the runtime denies it). */
function specialKindAt(path: string): ReturnType<typeof specialKind> {
  try {
    return specialKind(statSync(path));
  } catch {
    return undefined;
  }
}

/** What a file that is neither regular nor a directory is; undefined for those two. */
function specialKind(st: Stats): "socket" | Exclude<StreamKind, "file without a size"> | undefined {
  if (st.isSocket()) return "socket";
  if (st.isFIFO()) return "FIFO";
  if (st.isCharacterDevice()) return "character device";
  return st.isBlockDevice() ? "block device" : undefined;
}

/**
 * A destination that is no regular file (/dev/null, a FIFO, a disk): copyFile writes through
 * mappings, clones or copy_file_range, which none of them take, and its cleanup after a failure
 * would remove it. So it is refused before it is opened (a FIFO without a reader would block
 * the open), and left as it was.
 */
function specialDestination(dst: string, kind: string): MmapError {
  return new MmapError(
    `destination '${dst}' is a ${kind}, not a regular file: copyFile writes regular files (through mappings, clones or copy_file_range), so it left it untouched. ` +
      "Copy to a file, or write to it with cp or cat",
    { code: "ERR_NOT_REGULAR_FILE", path: dst },
  );
}

function sameFile(src: string, dst: string): MmapError {
  return new MmapError(`source and destination are the same file ('${src}' and '${dst}'); nothing was changed`, { code: "ERR_SAME_FILE", path: dst });
}

function notMappable(path: string, kind: StreamKind, strategy: CopyStrategy): MmapError {
  return new MmapError(
    `source '${path}' is a ${kind}, which can only be read front to back; strategy '${strategy}' needs a regular file. Use strategy 'auto', which streams it`,
    { code: "ERR_NOT_REGULAR_FILE", path },
  );
}

/** Deno's NotCapable (it allows /proc and most devices only with --allow-all), Node's --permission. */
function isDenied(e: unknown): boolean {
  const { name, code } = (e ?? {}) as { name?: unknown; code?: unknown };
  return code === "ERR_ACCESS_DENIED" || name === "NotCapable" || name === "PermissionDenied";
}

function accessDenied(path: string, cause: unknown): MmapError {
  return new MmapError(
    `source '${path}' has no size to map (a FIFO, a device or a /proc file), so copyFile must read it through the runtime's file API, which refused: ${String((cause as Error).message)}`,
    { code: "ERR_ACCESS_DENIED", path, cause },
  );
}

/** node:fs's errors as MmapErrors (its messages read as the shim's: "EACCES: permission denied, open 'x'"). */
function fsError(e: unknown, syscall: string, path: string): unknown {
  if (isDenied(e)) return accessDenied(path, e);
  const { code, errno, message } = e as { code?: unknown; errno?: unknown; message?: unknown };
  if (typeof code !== "string") return e;
  const hint = code === "EACCES" ? ". Check the source's permissions." : "";
  // A name outside memmap's codes (none seen on Linux) stays in the message, so code's type holds.
  return new MmapError(`${String(message)}${hint}`, {
    code: isMmapErrorCode(code) ? code : "EUNKNOWN",
    errno: typeof errno === "number" ? errno : undefined,
    syscall,
    path,
    cause: e,
  });
}

function fsSync<T>(fn: () => T, syscall: string, path: string): T {
  try {
    return fn();
  } catch (e) {
    throw fsError(e, syscall, path);
  }
}

function fsAsync<T>(fn: (done: (e: Error | null, value: T) => void) => void, syscall: string, path: string): Promise<T> {
  return new Promise((resolve, reject) => fn((e, value) => (e ? reject(fsError(e, syscall, path)) : resolve(value))));
}

function streamOf(fd: number, chunk: number): Stream {
  const st = fstatSync(fd, { bigint: true });
  return { fd, buffer: new Uint8Array(chunk), pending: 0, dev: st.dev, ino: st.ino, perm: Number(st.mode & 0o7777n) };
}

/** After the probe of a size-0 file: nothing read means an empty file, copied as any (undefined); else it streams. */
function probed(stream: Stream, path: string, strategy: CopyStrategy): Stream | undefined {
  if (stream.pending === 0) {
    closeSync(stream.fd);
    return undefined;
  }
  if (strategy !== "auto") throw notMappable(path, "file without a size", strategy);
  return stream;
}

/** Opens the source as a Stream if it is to be streamed (opening a FIFO waits for its writer). */
function openStreamSync(path: string, kind: StreamKind | Error | undefined, chunk: number, strategy: CopyStrategy): Stream | undefined {
  if (kind === undefined || kind instanceof Error) return undefined;
  const fd = fsSync(() => openSync(path, "r"), "open", path);
  try {
    const stream = streamOf(fd, chunk);
    if (kind !== "file without a size") return stream;
    stream.pending = fsSync(() => readSync(fd, stream.buffer, 0, chunk, null), "read", path);
    return probed(stream, path, strategy);
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/**
 * openStreamSync with the open and the probe off the JS thread. An abort does not wait for the open
 * (a FIFO's waits for a writer, maybe forever): the descriptor is closed whenever it comes.
 */
async function openStream(
  path: string,
  kind: StreamKind | Error | undefined,
  chunk: number,
  strategy: CopyStrategy,
  signal: AbortSignal | undefined,
): Promise<Stream | undefined> {
  if (kind === undefined || kind instanceof Error) return undefined;
  const fd = await abortable(
    fsAsync<number>((done) => open(path, "r", done), "open", path),
    signal,
    (late) => closeSync(late),
  );
  try {
    const stream = streamOf(fd, chunk);
    if (kind !== "file without a size") return stream;
    stream.pending = await fsAsync<number>((done) => read(fd, stream.buffer, 0, chunk, null, done), "read", path);
    return probed(stream, path, strategy);
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/**
 * One copy, driven window by window by copyFileSync (in a loop) or copyFile
 * (yielding between windows). It owns its descriptors and, until it finishes,
 * the file it writes: any failure or abort removes that partial file.
 */
class CopyJob {
  copied = 0;
  strategy: CopyResult["strategy"] = "mmap";
  #b: Backend;
  #src: string;
  #srcC: Uint8Array;
  #dst: string;
  #dstC: Uint8Array;
  #srcFd = -1;
  #dstFd = -1;
  #srcId: [bigint, bigint] = [0n, 0n];
  /** The source's size; a streamed source has none until its end. */
  #size = 0;
  #stream: Stream | undefined;
  #ended = false;
  #requested: CopyStrategy;
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
  #signal: AbortSignal | undefined;
  /** Bytes of the next off-thread slice, adapted to take about SLICE_MS; Infinity: whole windows. */
  #slice = FIRST_SLICE;
  /** A read of the streamed source is on another thread: its descriptor is closed when it returns. */
  #reading = false;

  /** Checks the arguments; openSync() or openAsync() then opens the files. */
  constructor(backend: Backend, pageSize: number, src: unknown, dst: unknown, opts: Partial<CopyOptions>) {
    this.#started = performance.now();
    this.#b = backend;
    this.#pageSize = pageSize;
    this.#requested = opts.strategy === undefined ? "auto" : oneOf(opts.strategy, "options.strategy", STRATEGIES);
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
    this.#signal = opts.signal;
    if (opts.onProgress === undefined) this.#slice = Infinity;
    const s = toPath(src, "src");
    const d = toPath(dst, "dst");
    this.#src = s.display;
    this.#srcC = s.c;
    this.#dst = d.display;
    this.#dstC = d.c;
    this.#target = d.display;
    this.#targetC = d.c;
  }

  openSync(): void {
    const kind = streamKind(this.#src, this.#dst, this.#requested);
    this.#open(openStreamSync(this.#src, kind, this.#chunk, this.#requested), kind instanceof Error ? kind : undefined);
  }

  async openAsync(): Promise<void> {
    const kind = streamKind(this.#src, this.#dst, this.#requested);
    this.#open(await openStream(this.#src, kind, this.#chunk, this.#requested, this.#signal), kind instanceof Error ? kind : undefined);
  }

  get #chunk(): number {
    return Math.min(this.#window, STREAM_CHUNK);
  }

  /**
   * Opens the source (unless `stream` already is it) and the destination, and picks the strategy.
   * `denied`: the runtime would not stat the source, so a source without a size cannot be streamed.
   */
  #open(stream: Stream | undefined, denied: Error | undefined): void {
    const b = this.#b;
    this.#stream = stream;
    try {
      if (stream) {
        this.#srcId = [stream.dev, stream.ino];
        this.#openDestination(this.#dstC, stream.perm);
        this.strategy = "stream";
        return;
      }
      this.#srcFd = check(b, b.open(this.#srcC, 0, 0), "open", this.#src, (code) => (code === "ENOENT" ? "The source file does not exist." : undefined));
      const st = fstatOf(b, this.#srcFd, this.#src);
      if (Number(st[STAT_KIND]) === KIND_DIRECTORY) {
        throw new MmapError(`EISDIR: source '${this.#src}' is a directory; copyFile copies files, not folders`, {
          code: "EISDIR",
          syscall: "open",
          path: this.#src,
        });
      }
      this.#size = Number(st[STAT_SIZE]);
      // Then it may be a FIFO, a device or a /proc file (or an empty file): only reading it could tell.
      if (denied && (Number(st[STAT_KIND]) !== KIND_FILE || this.#size === 0)) throw accessDenied(this.#src, denied);
      if (Number(st[STAT_KIND]) !== KIND_FILE) {
        throw new MmapError(`source '${this.#src}' is not a regular file`, { code: "ERR_NOT_REGULAR_FILE", path: this.#src });
      }
      this.#srcId = [st[STAT_DEV]!, st[STAT_INO]!];
      this.#openDestination(this.#dstC, Number(st[STAT_PERM]));
      this.strategy = this.#choose(this.#requested);
    } catch (e) {
      this.#cleanUp(true);
      throw e;
    }
  }

  /** The source's size for onProgress: NaN for a streamed source, whose size is known only at its end. */
  get total(): number {
    return this.#stream ? NaN : this.#size;
  }

  /** Opens (or creates) what will be written, refusing to touch the source through another name. */
  #openDestination(dstC: Uint8Array, srcPerm: number): void {
    const b = this.#b;
    const special = specialKindAt(this.#dst);
    if (special) throw specialDestination(this.#dst, special);
    const existing = b.open(dstC, OPEN_WRITE, 0);
    if (existing >= 0) {
      const st = fstatOf(b, existing, this.#dst);
      if (st[STAT_DEV] === this.#srcId[0] && st[STAT_INO] === this.#srcId[1]) {
        b.close(existing);
        throw sameFile(this.#src, this.#dst);
      }
      // Replaced by one since the look above, or the runtime would not let it be stat'ed.
      if (Number(st[STAT_KIND]) !== KIND_FILE) {
        b.close(existing);
        throw specialDestination(this.#dst, "file of another kind (a device or a FIFO)");
      }
      if (this.#opts.exclusive) {
        b.close(existing);
        throw new MmapError(`EEXIST: destination '${this.#dst}' exists and exclusive/overwrite: false forbids replacing it`, {
          code: "EEXIST",
          syscall: "open",
          path: this.#dst,
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
        check(b, b.ftruncate(existing, BigInt(this.#size)), "ftruncate", this.#dst);
        return;
      }
    } else {
      const e = errnos(b);
      if (existing === -e.EISDIR) {
        throw new MmapError(`EISDIR: destination '${this.#dst}' is a directory; give the full path of the new file`, {
          code: "EISDIR",
          syscall: "open",
          path: this.#dst,
        });
      }
      const folder = withoutTrailingSeparators(this.#dst);
      if (folder !== undefined && (existing === -e.ENOTDIR || (existing === -e.ENOENT && existsSync(split(folder).dir)))) {
        throw new MmapError(
          `ENOTDIR: destination '${this.#dst}' ends in a separator, so it names a folder, and '${folder}' is not one: no file can be created there. Drop the trailing separator to copy to the file '${folder}', or create the folder first`,
          { code: "ENOTDIR", syscall: "open", path: this.#dst },
        );
      }
      if (existing !== -e.ENOENT) throw errnoError(b, -existing, "open", this.#dst);
    }

    if (this.#opts.atomic) {
      const { dir, base } = split(this.#dst);
      this.#target = `${dir}/.${base}.${Math.random().toString(36).slice(2, 10)}.memmap-tmp`;
      this.#targetC = cString(this.#target);
      this.#finalMode ??= srcPerm & ~b.umask();
      // 0600 until it is complete and given its final mode.
      this.#dstFd = check(b, b.open(this.#targetC, OPEN_WRITE | OPEN_CREATE | OPEN_EXCL, 0o600), "open", this.#dst, dirHint);
    } else {
      const fd = b.open(dstC, OPEN_WRITE | OPEN_CREATE | OPEN_EXCL, srcPerm);
      // The name exists, yet opening it found nothing: a symlink to nowhere, which cp will not write through.
      if (fd === -errnos(b).EEXIST) this.#refuseDanglingLink();
      this.#dstFd = check(b, fd, "open", this.#dst, dirHint);
    }
    this.#removeOnFailure = true;
    check(b, b.ftruncate(this.#dstFd, BigInt(this.#size)), "ftruncate", this.#dst);
  }

  #refuseDanglingLink(): void {
    let target: string;
    try {
      if (!lstatSync(this.#dst).isSymbolicLink()) return;
      target = readlinkSync(this.#dst);
    } catch {
      return;
    }
    throw new MmapError(
      `destination '${this.#dst}' is a symbolic link to '${target}', which does not exist; copyFile does not create a file through a dangling link (nor does cp). Remove the link, or copy to the path it names`,
      { code: "ERR_DANGLING_SYMLINK", path: this.#dst },
    );
  }

  #choose(strategy: CopyStrategy): Exclude<CopyStrategy, "auto"> {
    const b = this.#b;
    // FICLONE's "cannot" comes from the destination's file system: remember it by that device
    // (looked up only when "auto" may try a clone).
    const device = strategy === "auto" && this.#size > 0 ? String(fstatOf(b, this.#dstFd, this.#dst)[STAT_DEV]) : "";
    if (strategy === "clone" || (device !== "" && !NO_CLONE.has(device))) {
      const r = b.clone(this.#srcFd, this.#dstFd);
      if (r === 0) {
        this.copied = this.#size;
        return "clone";
      }
      if (strategy === "clone" || !unsupported(b, -r)) throw errnoError(b, -r, "ioctl(FICLONE)", this.#dst);
      NO_CLONE.add(device);
    }
    this.#auto = strategy === "auto";
    // Whether copy_file_range works between these two files shows only on the first real call (see step).
    return strategy === "mmap" ? "mmap" : "copy_file_range";
  }

  get done(): boolean {
    return this.#stream ? this.#ended : this.copied >= this.#size;
  }

  /** The next window to copy, skipping holes; undefined when only a hole remains. */
  #nextWindow(): [start: number, length: number] | undefined {
    const b = this.#b;
    if (this.copied >= this.#dataEnd) {
      // Skip the hole up to the next data (SEEK_DATA); where the file system cannot say, all is data.
      const data = b.seekData(this.#srcFd, BigInt(this.copied));
      if (data < 0n) {
        if (data === BigInt(-errnos(b).ENXIO)) {
          this.copied = this.#size; // only a hole remains, and dst is already that long
          return undefined;
        }
        this.#dataEnd = this.#size;
      } else {
        this.copied = Math.min(Number(data), this.#size);
        const hole = b.seekHole(this.#srcFd, data);
        this.#dataEnd = hole < 0n ? this.#size : Math.min(Number(hole), this.#size);
      }
      if (this.copied >= this.#size) return undefined;
    }
    return [this.copied, Math.min(this.#window, this.#dataEnd - this.copied)];
  }

  /** Copies the next window on this thread; the caller checks `done`. */
  step(): void {
    const s = this.#stream;
    if (s) {
      this.#write(s.pending > 0 ? s.pending : fsSync(() => readSync(s.fd, s.buffer, 0, s.buffer.length, null), "read", this.#src));
      return;
    }
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

  /**
   * The same as step(), with the copying itself off the JS thread, in slices (see SLICE_MS);
   * `sliced()` runs between them, with `copied` up to date, and may throw to stop.
   * Returns whether it ran on the JS thread instead (a small window, a streamed chunk's write).
   */
  async stepAsync(sliced: () => void): Promise<boolean> {
    const s = this.#stream;
    if (s) {
      this.#write(s.pending > 0 ? s.pending : await this.#readStream(s));
      return false;
    }
    const w = this.#nextWindow();
    if (!w) return true;
    const [start, length] = w;
    if (length <= INLINE_WINDOW) {
      this.#copyInline(start, length);
      return true;
    }
    let done = 0;
    while (this.strategy === "copy_file_range" && done < length) {
      const n = Math.min(this.#slice, length - done);
      const since = performance.now();
      const r = await this.#b.copyFileRangeAsync(this.#srcFd, BigInt(start + done), this.#dstFd, BigInt(start + done), BigInt(n));
      if (this.#fellBack(r)) break;
      this.#checkCopied(r, n);
      done += this.#timed(n, since);
      this.copied = start + done;
      if (done < length) sliced();
    }
    if (this.strategy === "mmap") {
      const [src, dst, len] = this.#mapWindow(start, length);
      const head = start % this.#pageSize;
      try {
        for (let at = 0; at < head + length; ) {
          const n = Math.min(this.#slice, head + length - at);
          const since = performance.now();
          await this.#b.copyAsync(dst + BigInt(at), src + BigInt(at), BigInt(n));
          at += this.#timed(n, since);
          this.copied = start - head + at;
          if (at < head + length) sliced();
        }
      } finally {
        this.#unmapWindow(src, dst, len);
      }
    }
    this.copied = start + length;
    return false;
  }

  /** Sizes the next slice from how long this one took; returns its bytes. */
  #timed(bytes: number, since: number): number {
    const rate = bytes / Math.max(performance.now() - since, 1);
    if (this.#slice !== Infinity) this.#slice = Math.max(INLINE_WINDOW, Math.min(Math.floor(rate * SLICE_MS), this.#slice * 4, this.#window));
    return bytes;
  }

  /**
   * Reads the streamed source off the JS thread. An abort does not wait for it: a FIFO's writer may
   * never write again, and the read touches only the source (the destination is written here).
   */
  async #readStream(s: Stream): Promise<number> {
    const reading = fsAsync<number>((done) => read(s.fd, s.buffer, 0, s.buffer.length, null, done), "read", this.#src);
    this.#reading = true;
    reading.then(
      () => (this.#reading = false),
      () => (this.#reading = false),
    );
    return abortable(reading, this.#signal, () => closeSync(s.fd));
  }

  /** Appends the first n bytes of the stream's buffer to the destination (n = 0: the source ended). */
  #write(n: number): void {
    const b = this.#b;
    this.#stream!.pending = 0;
    if (n === 0) {
      this.#ended = true;
      return;
    }
    const start = this.copied;
    const aligned = start - (start % this.#pageSize);
    const len = BigInt(start + n - aligned);
    check(b, b.ftruncate(this.#dstFd, BigInt(start + n)), "ftruncate", this.#dst);
    const dst = this.#mapDestination(aligned, len);
    try {
      b.copy(dst + BigInt(start - aligned), b.address(this.#stream!.buffer), BigInt(n));
    } finally {
      b.munmap(dst, len);
    }
    this.copied = start + n;
  }

  /** Under "auto", a first copy_file_range that this pair of files cannot do switches to mmap. */
  #fellBack(result: bigint): boolean {
    const fallback = result < 0n && this.#auto && unsupported(this.#b, -Number(result));
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
          : undefined,
    );
    if (copied < BigInt(length)) this.#sourceShrank();
  }

  /** One window of the mmap strategy: both files mapped over the same range. */
  #mapWindow(start: number, length: number): [src: bigint, dst: bigint, length: bigint] {
    const b = this.#b;
    // A source truncated under a mapping faults on touch: check its size first (see README, "Reliability").
    if (Number(fstatOf(b, this.#srcFd, this.#src)[STAT_SIZE]) < this.#size) this.#sourceShrank();
    const aligned = start - (start % this.#pageSize);
    const len = BigInt(start + length - aligned);
    const src = checkBig(b, b.mmap(len, PROT_READ, MAP_SHARED, this.#srcFd, BigInt(aligned)), "mmap", this.#src);
    b.madvise(src, len, ADVICE.sequential);
    try {
      return [src, this.#mapDestination(aligned, len), len];
    } catch (e) {
      b.munmap(src, len);
      throw e;
    }
  }

  /** Maps a page-aligned range of the destination for writing. */
  #mapDestination(aligned: number, len: bigint): bigint {
    const b = this.#b;
    // Writing a mapping of blocks the disk cannot give is SIGBUS; reserving them first makes it ENOSPC.
    const reserved = b.fallocate(this.#dstFd, BigInt(aligned), len);
    if (reserved < 0 && !unsupported(b, -reserved)) throw errnoError(b, -reserved, "fallocate", this.#dst);
    return checkBig(b, b.mmap(len, PROT_READ | PROT_WRITE, MAP_SHARED, this.#dstFd, BigInt(aligned)), "mmap", this.#dst);
  }

  #unmapWindow(src: bigint, dst: bigint, len: bigint): void {
    this.#b.munmap(dst, len);
    this.#b.munmap(src, len);
  }

  #sourceShrank(): never {
    throw new MmapError(`source '${this.#src}' shrank during the copy (it was ${this.#size} bytes); the partial destination was removed`, {
      code: "ERR_SOURCE_CHANGED",
      path: this.#src,
    });
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
    return { bytes: this.copied, strategy: this.strategy, ms: performance.now() - this.#started };
  }

  /** Closes what is open; after a failure also removes the partial file. Never throws. */
  #cleanUp(failed: boolean): void {
    const b = this.#b;
    if (this.#srcFd >= 0) b.close(this.#srcFd);
    if (this.#dstFd >= 0) b.close(this.#dstFd);
    // A read still on another thread closes the descriptor when it returns (see #readStream).
    if (this.#stream && !this.#reading) closeSync(this.#stream.fd);
    this.#srcFd = this.#dstFd = -1;
    this.#stream = undefined;
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

/** `work`, or an AbortError as soon as `signal` aborts; then `discard` gets what `work` brings later. */
function abortable<T>(work: Promise<T>, signal: AbortSignal | undefined, discard: (late: T) => void): Promise<T> {
  if (!signal) return work;
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      work.then(discard, () => {});
      reject(abortError(signal));
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (e) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}

/** One turn of the event loop. */
const nextTurn = () => new Promise((resolve) => setTimeout(resolve, 0));

/** Copies src to dst, blocking until done. */
export function copyFileSync(backend: Backend, pageSize: number, src: unknown, dst: unknown, copyOptions?: CopyOptions): CopyResult {
  const opts = options<CopyOptions>(copyOptions);
  if (opts.signal?.aborted) throw abortError(opts.signal);
  const job = new CopyJob(backend, pageSize, src, dst, opts);
  job.openSync();
  try {
    while (!job.done) {
      const before = job.copied;
      job.step();
      // (A stream's last read finds its end and copies nothing.)
      if (job.copied !== before) opts.onProgress?.(job.copied, job.total);
    }
    return job.finish();
  } catch (e) {
    job.fail();
    throw e;
  }
}

/** Copies src to dst with each window copied off the JS thread, so the event loop runs on (see Memmap.copyFile for what a kill leaves). */
export async function copyFile(backend: Backend, pageSize: number, src: unknown, dst: unknown, copyOptions?: CopyOptions): Promise<CopyResult> {
  const opts = options<CopyOptions>(copyOptions);
  if (opts.signal?.aborted) throw abortError(opts.signal);
  const job = new CopyJob(backend, pageSize, src, dst, opts);
  await job.openAsync();
  const report = () => {
    opts.onProgress?.(job.copied, job.total);
    if (opts.signal?.aborted) throw abortError(opts.signal);
  };
  try {
    let inlineSince = performance.now();
    while (!job.done) {
      const before = job.copied;
      const inline = await job.stepAsync(report);
      if (job.copied !== before) opts.onProgress?.(job.copied, job.total);
      if (opts.signal?.aborted) throw abortError(opts.signal);
      // Small windows copy on this thread one after another: let timers and signal handlers in now and then.
      if (!inline) inlineSince = performance.now();
      else if (performance.now() - inlineSince >= INLINE_TURN_MS) {
        await nextTurn();
        inlineSince = performance.now();
      }
    }
    return job.finish();
  } catch (e) {
    job.fail();
    throw e;
  }
}

function dirHint(code: string): string | undefined {
  return code === "ENOENT" ? "The destination's folder does not exist." : code === "EACCES" ? "The destination's folder is not writable." : undefined;
}
