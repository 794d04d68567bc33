import { statSync } from "node:fs";
import type { CopyOptions, CopyResult, CopyStrategy } from "./copy.ts";

/** What the CLI needs from its runtime. */
export interface CopyCliIo {
  /** The runtime package's copyFile(). */
  copyFile(src: string, dst: string, options?: CopyOptions): Promise<CopyResult>;
  /** Where --help, --verbose and results go. */
  stdout: { write(text: string): unknown };
  /** Where errors and the progress bar go (drawn only on a terminal). */
  stderr: { write(text: string): unknown; isTTY?: boolean; columns?: number };
}

const HELP = `Usage: memmap-cp [OPTIONS] SRC DST
Copy the file SRC to DST (or into the folder DST) through memmap. A FIFO, a device
or a /proc file as SRC is streamed (read front to back), as cp does.

Options:
  --strategy=NAME   auto (default): a copy-on-write clone where the file system can,
                    else copy_file_range, else mmap; or force clone, copy_file_range, mmap
  -n, --no-clobber  fail if DST exists (decided atomically)
  --atomic          write a temporary file beside DST and rename it into place,
                    so no partial DST is ever visible
  --durable         fsync DST before exiting
  --window=BYTES    bytes per window (default 64 MiB; suffixes K, M, G)
  --progress        show a progress bar even when stderr is not a terminal
  --no-progress     never show one (default: on a terminal, for files of 64 MiB or more)
  -v, --verbose     print bytes, strategy and time when done
  -h, --help        show this help

Exit status: 0 on success, 1 on any error (as cp).`;

const STRATEGY_NAMES = ["auto", "clone", "copy_file_range", "mmap"];

function parseSize(text: string): number {
  const m = /^(\d+)([KMG]?)i?B?$/i.exec(text);
  if (!m) throw new Error(`--window takes a byte count such as 1048576 or 16M, got "${text}"`);
  const unit = { "": 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30 }[m[2]!.toUpperCase() as "" | "K" | "M" | "G"];
  return Number(m[1]) * unit;
}

function human(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  for (; bytes >= 1024 && i < units.length - 1; i++) bytes /= 1024;
  return `${bytes.toFixed(i ? 1 : 0)} ${units[i]}`;
}

/**
 * memmap-cp: parses argv (without the program name), copies, returns the exit code.
 *
 * @example
 * ```ts
 * process.exitCode = await copyCli(process.argv.slice(2), { copyFile, stdout: process.stdout, stderr: process.stderr });
 * ```
 */
export async function copyCli(argv: string[], io: CopyCliIo): Promise<number> {
  const fail = (message: string) => {
    io.stderr.write(`memmap-cp: ${message}\n`);
    return 1;
  };
  const options: CopyOptions = {};
  let progress: boolean | undefined;
  let verbose = false;
  const paths: string[] = [];
  for (const arg of argv) {
    if (arg === "-h" || arg === "--help") {
      io.stdout.write(`${HELP}\n`);
      return 0;
    }
    if (arg === "-n" || arg === "--no-clobber") options.exclusive = true;
    else if (arg === "--atomic") options.atomic = true;
    else if (arg === "--durable") options.durable = true;
    else if (arg === "--progress") progress = true;
    else if (arg === "--no-progress") progress = false;
    else if (arg === "-v" || arg === "--verbose") verbose = true;
    else if (arg.startsWith("--strategy=")) {
      const name = arg.slice("--strategy=".length);
      if (!STRATEGY_NAMES.includes(name)) return fail(`unknown strategy "${name}"; use one of ${STRATEGY_NAMES.join(", ")}`);
      options.strategy = name as CopyStrategy;
    } else if (arg.startsWith("--window=")) {
      try {
        options.windowSize = parseSize(arg.slice("--window=".length));
      } catch (e) {
        return fail((e as Error).message);
      }
    } else if (arg.startsWith("-") && arg !== "-") return fail(`unknown option ${arg}\nTry 'memmap-cp --help'.`);
    else paths.push(arg);
  }
  if (paths.length !== 2) return fail(`expected SRC and DST, got ${paths.length} path(s)\nTry 'memmap-cp --help'.`);
  const [src, given] = paths as [string, string];
  let dst = given;
  try {
    // As cp: a folder as DST means "into it, under the source's name".
    if (statSync(given).isDirectory()) dst = `${given.replace(/\/+$/, "")}/${src.split("/").pop()}`;
  } catch {
    /* DST does not exist yet */
  }

  const bar = progress ?? Boolean(io.stderr.isTTY);
  let shown = false;
  if (bar) {
    options.onProgress = (copied, total) => {
      // A streamed source (a FIFO, a device) has no total to draw a bar against: count its bytes.
      if (Number.isNaN(total)) {
        if (progress !== true && copied < 64 * 2 ** 20) return;
        io.stderr.write(`\r${human(copied)}`);
        shown = true;
        return;
      }
      if (progress !== true && total < 64 * 2 ** 20) return;
      const width = Math.max(10, Math.min(40, (io.stderr.columns ?? 80) - 40));
      const filled = total === 0 ? width : Math.round((copied / total) * width);
      const percent = total === 0 ? 100 : Math.floor((copied / total) * 100);
      io.stderr.write(`\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${String(percent).padStart(3)}% ${human(copied)} / ${human(total)}`);
      shown = true;
    };
  }
  try {
    const result = await io.copyFile(src, dst, options);
    if (shown) io.stderr.write("\n");
    if (verbose) io.stdout.write(`'${src}' -> '${dst}': ${human(result.bytes)} by ${result.strategy} in ${result.ms.toFixed(1)} ms\n`);
    return 0;
  } catch (e) {
    if (shown) io.stderr.write("\n");
    return fail((e as Error).message);
  }
}
