import { closeSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import process from "node:process";
import type { CopyOptions, CopyResult, CopyStrategy } from "./copy.ts";
import { Interrupt } from "./copy-cli-interrupt.ts";
import { human, PROGRESS_INTERVAL_MS, ProgressLine } from "./copy-progress.ts";

/** What the CLI needs from its runtime. */
export interface CopyCliIo {
  /** The runtime package's copyFile(). */
  copyFile(src: string, dst: string, options?: CopyOptions): Promise<CopyResult>;
  /** Where --help, --verbose and results go. */
  stdout: { write(text: string): unknown };
  /** Where errors and the progress bar go (drawn only on a terminal). */
  stderr: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  /** The command's name in messages and --help: memmap-cp, or memmap-cp-bun for Bun's bin. */
  program: string;
  /** The package the CLI came in, as its package.json (or deno.json) names it, for --version. */
  version: { name: string; version: string };
  /** An environment variable, undefined where the runtime may not read it (for the test hooks). */
  env(name: string): string | undefined;
}

const help = (program: string) => `Usage: ${program} [OPTIONS] SRC DST
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
  --progress        show progress (bar, rate, elapsed time, ETA; every 0.1 s)
                    even when stderr is not a terminal
  --no-progress     never show it (default: on a terminal, for files of 64 MiB or more)
  -v, --verbose     print bytes, strategy and time when done
  -h, --help        show this help
  --version         show the package and its version

On SIGINT (Ctrl-C), SIGTERM or SIGHUP the copy stops after the window in flight,
the partial DST (or the --atomic temporary file) is removed, and ${program} exits
with 128 + the signal's number (130 for SIGINT).

Exit status: 0 on success, 1 on any error (as cp), 128 + N after signal N.`;

const STRATEGY_NAMES = ["auto", "clone", "copy_file_range", "mmap"];

function parseSize(text: string): number {
  const m = /^(\d+)([KMG]?)i?B?$/i.exec(text);
  if (!m) throw new Error(`--window takes a byte count such as 1048576 or 16M, got "${text}"`);
  const unit = { "": 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30 }[m[2]!.toUpperCase() as "" | "K" | "M" | "G"];
  return Number(m[1]) * unit;
}

/**
 * Test hook (only with MEMMAP_TEST_HOOKS=1): after the first progress report, say so on stderr and
 * wait for a byte on the FIFO MEMMAP_CP_PAUSE names, so a test can signal a copy known to be mid-way.
 */
function pauseHook(io: CopyCliIo): ((copied: number) => void) | undefined {
  const fifo = io.env("MEMMAP_TEST_HOOKS") === "1" ? io.env("MEMMAP_CP_PAUSE") : undefined;
  if (!fifo) return undefined;
  let paused = false;
  return (copied) => {
    if (paused) return;
    paused = true;
    io.stderr.write(`${io.program}: test hook: paused after ${copied} bytes\n`);
    const fd = openSync(fifo, "r");
    try {
      readSync(fd, new Uint8Array(1));
    } finally {
      closeSync(fd);
    }
  };
}

/**
 * memmap-cp where the runtime has Node's process object (Node, Bun): runs copyCli on this process's
 * arguments and streams and sets its exit code; `manifest` is the package.json that names the version.
 */
export async function runCopyCli(program: string, manifest: URL, copyFile: CopyCliIo["copyFile"]): Promise<void> {
  const { name, version } = JSON.parse(readFileSync(manifest, "utf8")) as CopyCliIo["version"];
  process.exitCode = await copyCli(process.argv.slice(2), {
    copyFile,
    program,
    stdout: process.stdout,
    stderr: process.stderr,
    version: { name, version },
    env: (variable) => process.env[variable],
  });
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
    io.stderr.write(`${io.program}: ${message}\n`);
    return 1;
  };
  const options: CopyOptions = {};
  let progress: boolean | undefined;
  let verbose = false;
  const paths: string[] = [];
  for (const arg of argv) {
    if (arg === "-h" || arg === "--help") {
      io.stdout.write(`${help(io.program)}\n`);
      return 0;
    }
    if (arg === "--version") {
      io.stdout.write(`${io.program} (${io.version.name}) ${io.version.version}\n`);
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
    } else if (arg.startsWith("-") && arg !== "-") return fail(`unknown option ${arg}\nTry '${io.program} --help'.`);
    else paths.push(arg);
  }
  if (paths.length !== 2) return fail(`expected SRC and DST, got ${paths.length} path(s)\nTry '${io.program} --help'.`);
  const [src, given] = paths as [string, string];
  let dst = given;
  try {
    // As cp: a folder as DST means "into it, under the source's name".
    if (statSync(given).isDirectory()) dst = `${given.replace(/\/+$/, "")}/${src.split("/").pop()}`;
  } catch {
    /* DST does not exist yet */
  }

  const shown = progress ?? Boolean(io.stderr.isTTY);
  const line = shown ? new ProgressLine(io.stderr) : undefined;
  const pause = pauseHook(io);
  let drawing = false;
  const timer = line && setInterval(() => drawing && line.draw(), PROGRESS_INTERVAL_MS);
  // Only when needed: with onProgress, copyFile copies in slices, which cost a little time.
  if (line || pause) {
    options.onProgress = (copied, total) => {
      // Unless asked for, only a copy that may take a while gets a line (a streamed one, from 64 MiB on).
      if (line && (drawing ||= progress === true || (Number.isNaN(total) ? copied : total) >= 64 * 2 ** 20)) line.update(copied, total);
      pause?.(copied);
    };
  }
  const interrupt = new Interrupt();
  options.signal = interrupt.controller.signal;
  try {
    const result = await io.copyFile(src, dst, options);
    if (drawing) line!.end();
    if (verbose) io.stdout.write(`'${src}' -> '${dst}': ${human(result.bytes)} by ${result.strategy} in ${result.ms.toFixed(1)} ms\n`);
    // A signal that came as the copy completed: the copy stands, and the exit status says it was interrupted.
    return interrupt.exitCode;
  } catch (e) {
    if (drawing) line!.end();
    if (interrupt.caught) {
      io.stderr.write(`${io.program}: interrupted by ${interrupt.caught}; no partial copy of '${src}' is left at '${dst}'\n`);
      return interrupt.exitCode;
    }
    return fail((e as Error).message);
  } finally {
    clearInterval(timer);
    interrupt.remove();
  }
}
