import { execFileSync, spawnSync } from "node:child_process";
import {
  chmodSync,
  lchownSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmdirSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import type { Memmap } from "../api.ts";
import type { MmapError } from "../errors.ts";
import { runtimeCommand } from "../fork.ts";

/** A test case's body. */
export type TestFn = () => void | Promise<void>;

/** What a runtime package exports, as the suite uses it: its API (but configure()) and MmapError. */
export type MemmapUnderTest = Omit<Memmap, "configure"> & {
  /** The MmapError class the package exports. */
  MmapError: typeof MmapError;
};

/** The runner's primitives and the runtime's few abilities the suite needs. */
export interface Suite {
  /** The runner's describe(): a group of cases. */
  describe(name: string, body: () => void): void;
  /** The runner's it(): one case, with its own timeout where given. */
  it(name: string, fn: TestFn, timeoutMs?: number): void;
  /** Registers a case as skipped; the reason is printed. */
  skip(name: string, reason: string): void;
  /** The runtime package under test. */
  memmap: MemmapUnderTest;
  /** A label for the runtime, e.g. "bun", "node 26 (node:ffi)". */
  runtime: string;
  /** Forces a full garbage collection, where the runtime allows it. */
  gc?: () => void;
  /** fast-check, for the fuzzing cases (passed in so @memmap/core does not depend on it). */
  fc?: typeof import("fast-check");
  /** Which of `children` is this runtime. */
  self: string;
  /** Runtimes to fork children with, this one included: execPath, what a child imports, fork's runtimeArgs. */
  children: Record<string, { execPath: string; entry: string; runtimeArgs: string[] }>;
}

export const isLinux = process.platform === "linux";
export const isWindows = process.platform === "win32";
export const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
/** The user the permission cases run as when the suite runs as root: nobody. */
const NOBODY = 65534;
/** Whether this root process can start a child as nobody (setpriv is util-linux's, so Linux only). */
export const canDropRoot = isRoot && !isWindows && spawnSync("setpriv", ["--version"], { stdio: "ignore" }).status === 0;
/** Set by npm run test:arm64: the runtime runs under qemu-user, which some cases cannot see through. */
export const emulator: string | undefined = process.env.MEMMAP_EMULATOR || undefined;

/** Runs fn in a fresh temporary folder and removes it afterwards, whatever happens. */
export async function withTempDir(fn: (dir: string) => void | Promise<void>): Promise<void> {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "memmap-test-")));
  try {
    await fn(dir);
  } finally {
    if (isWindows) removeTree(dir);
    else rmSync(dir, { recursive: true, force: true });
  }
}

/** rmSync({ recursive }) one entry at a time: Bun for Windows' recursive rm fails under wine (EFAULT). */
function removeTree(path: string): void {
  if (lstatSync(path).isDirectory()) {
    for (const name of readdirSync(path)) removeTree(join(path, name));
    rmdirSync(path);
  } else {
    chmodSync(path, 0o666); // Windows refuses to delete a read-only file
    unlinkSync(path);
  }
}

/** Deterministic bytes, different at every offset, so misplaced windows show. */
export function pattern(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export function openFdCount(): number {
  return readdirSync("/proc/self/fd").length;
}

export function mapsText(): string {
  return readFileSync("/proc/self/maps", "utf8");
}

export function mapsLineCount(): number {
  return mapsText().split("\n").length;
}

/** A second process reads the file, proving the bytes are in the shared page cache. */
export function readByOtherProcess(path: string): Uint8Array {
  // Windows has no cat: a second process of this runtime (Bun or Node; the Windows suite runs Bun) reads it.
  if (isWindows) {
    return new Uint8Array(execFileSync(process.execPath, ["-e", "process.stdout.write(require('fs').readFileSync(process.argv[1]))", path]));
  }
  return new Uint8Array(execFileSync("cat", [path]));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Waits until `ready()` holds, checking every 20 ms. limitMs only bounds a hang (set it near the
 * case's timeout): a slow machine waits longer, it never fails sooner.
 */
export async function until(ready: () => boolean, what: string, limitMs: number): Promise<void> {
  const deadline = performance.now() + limitMs;
  while (!ready()) {
    if (performance.now() > deadline) throw new Error(`${what}: not within ${limitMs} ms`);
    await sleep(20);
  }
}

/** Forces GCs until `until()` holds, a bounded number of times; returns whether it holds. */
export async function collectUntil(gc: () => void, until: () => boolean): Promise<boolean> {
  // A budget of time, not of tries: a forced full GC takes 0.1-2 s under qemu-user, and a
  // finalizer can need several (4 tries were not enough for Bun under qemu in CI).
  const end = performance.now() + (emulator ? 15_000 : 5_000);
  while (!until() && performance.now() < end) {
    gc();
    await sleep(10);
  }
  return until();
}

/** Max locked memory from /proc/self/limits, in bytes (Infinity when unlimited). */
export function memlockLimit(): number {
  if (!isLinux) return Infinity;
  const line = readFileSync("/proc/self/limits", "utf8")
    .split("\n")
    .find((l) => l.startsWith("Max locked memory"));
  const soft = line?.split(/\s{2,}/)[1];
  return soft === undefined || soft === "unlimited" ? Infinity : Number(soft);
}

/** Asserts that fn throws an error of class `type` whose message matches. */
export function throwsLike(fn: () => unknown, type: new (...args: never[]) => Error, message?: RegExp): Error {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof type)) {
      throw new Error(`expected ${type.name}, got ${(e as Error)?.name}: ${(e as Error)?.message}`);
    }
    if (message && !message.test(e.message)) throw new Error(`message ${JSON.stringify(e.message)} does not match ${message}`);
    return e;
  }
  throw new Error(`expected ${type.name}, nothing was thrown`);
}

/** What an operation threw, in the fields the cases check. */
export interface Thrown {
  name: string;
  code?: string;
  path?: string;
  message: string;
}

/**
 * Root may write anywhere, so the cases about a refused permission run their operation here:
 * `call`, an expression over memmap imported as `m`, in a child of this runtime started as
 * nobody by setpriv (needs canDropRoot). `dir` and everything in it are handed to nobody first,
 * so the files are the child's own, as a user's files are in an unprivileged run. Returns what
 * the call threw; a call that throws nothing fails the case.
 */
export function thrownAsNobody(runtime: Suite["children"][string], dir: string, call: string): Thrown {
  for (const entry of [dir, ...readdirSync(dir, { recursive: true }).map((name) => join(dir, String(name)))]) lchownSync(entry, NOBODY, NOBODY);
  const script = join(dir, "as-nobody.mjs");
  // The child writes what was thrown to a new file, whose owner shows who the child ran as.
  const report = join(dir, "as-nobody.json");
  writeFileSync(
    script,
    `import { writeFileSync } from "node:fs";
const m = await import(${JSON.stringify(runtime.entry)});
let thrown = null;
try {
  ${call};
} catch (e) {
  thrown = { name: e.name, code: e.code, path: e.path, message: e.message };
}
writeFileSync(${JSON.stringify(report)}, JSON.stringify(thrown));
`,
  );
  const args = [
    `--reuid=${NOBODY}`,
    `--regid=${NOBODY}`,
    "--clear-groups",
    runtime.execPath,
    ...runtimeCommand(runtime.execPath, script, runtime.runtimeArgs, []),
  ];
  const r = spawnSync("setpriv", args, { cwd: dir, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`setpriv ${args.join(" ")} failed (${r.error?.message ?? r.status ?? r.signal}): ${r.stderr}`);
  const owner = statSync(report).uid;
  if (owner !== NOBODY) throw new Error(`the child ran as uid ${owner}, not nobody (${NOBODY})`);
  const thrown = JSON.parse(readFileSync(report, "utf8")) as Thrown | null;
  if (!thrown) throw new Error(`${call} threw nothing when run as nobody`);
  return thrown;
}
