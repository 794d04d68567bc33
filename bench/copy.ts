// The "copy" benchmark group: memmap's copyFile strategies against each
// runtime's own file copy and cp(1), on files in the page cache.
import { spawnSync } from "node:child_process";
import { randomFillSync } from "node:crypto";
import { closeSync, existsSync, fstatSync, fsyncSync, mkdirSync, openSync, readSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import type { Api, CaseResult, Extras, Ratio } from "./groups.ts";
import { type AsyncContender, compareAsync, loadNote } from "./harness.ts";

const MiB = 2 ** 20;
const KiB = 1024;
const LARGE = "large.bin";
const MEDIUM = "medium.bin";
const MEDIUM_SIZE = 64 * MiB;
const SMALL_DIR = "small";
const SMALL_COUNT = 1000;
const SMALL_SIZE = 16 * KiB;
/** Where every contender writes; each has its own names in it. */
const OUT = "out";
/** Bytes per window of the hand-written mmap copy: memmap's default windowSize. */
const WINDOW = 64 * MiB;

// The shim's flag values (native/src/memmap.h).
const PROT_READ = 1;
const PROT_WRITE = 2;
const MAP_SHARED = 1;
const OPEN_WRITE = 1;
const OPEN_CREATE = 2;
const OPEN_TRUNC = 8;
const ADVICE_SEQUENTIAL = 2;

/** MEMMAP_BENCH_COPY_MB shrinks the 1 GiB file for quick runs. */
function largeSize(): number {
  const mb = Number(process.env.MEMMAP_BENCH_COPY_MB ?? 1024);
  if (!Number.isInteger(mb) || mb < 1) throw new RangeError(`MEMMAP_BENCH_COPY_MB must be a positive integer, got "${process.env.MEMMAP_BENCH_COPY_MB}"`);
  return mb * MiB;
}

const smallName = (i: number) => `${String(i).padStart(4, "0")}.bin`;

/** Random bytes, written back to disk (so no writeback runs during the copies) and left in the page cache. */
function writeRandom(path: string, size: number): void {
  const fd = openSync(path, "w");
  try {
    const chunk = new Uint8Array(Math.min(size, MiB));
    for (let left = size; left > 0; left -= chunk.length) writeSync(fd, randomFillSync(chunk), 0, Math.min(chunk.length, left));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function prepare(dir: string): void {
  writeRandom(join(dir, LARGE), largeSize());
  writeRandom(join(dir, MEDIUM), MEDIUM_SIZE);
  mkdirSync(join(dir, SMALL_DIR));
  const bytes = new Uint8Array(SMALL_SIZE);
  for (let i = 0; i < SMALL_COUNT; i++) writeFileSync(join(dir, SMALL_DIR, smallName(i)), randomFillSync(bytes));
  mkdirSync(join(dir, OUT));
}

/**
 * A hash of a file's length and contents: every byte up to 64 MiB, beyond
 * that 64 blocks of 4 KiB spread over it (first and last included), so a
 * contender that wrote wrong bytes fails instead of being timed.
 */
function digest(path: string): number {
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    const block = new Uint8Array(MiB);
    const words = new Int32Array(block.buffer);
    let h = 0x811c9dc5;
    const mix = (n: number) => {
      for (let i = 0; i < n >>> 2; i++) h = Math.imul(h ^ words[i]!, 16777619);
      for (let i = n & ~3; i < n; i++) h = Math.imul(h ^ block[i]!, 16777619);
    };
    if (size <= MEDIUM_SIZE) {
      for (let n; (n = readSync(fd, block, 0, MiB, null)) > 0; ) mix(n);
    } else {
      for (let k = 0; k < 64; k++) mix(readSync(fd, block, 0, 4096, Math.floor(((size - 4096) * k) / 63 / 4096) * 4096));
    }
    return Math.imul(h ^ size, 16777619);
  } finally {
    closeSync(fd);
  }
}

/** memmap's "mmap" strategy written out in JS: the same calls, TypedArray.set where memmap calls memcpy (backend.copy). */
function typedArrayCopy(api: Api): (src: string, dst: string) => number {
  const b = api.backend();
  const encoder = new TextEncoder();
  const st = new BigInt64Array(5);
  const check = (r: number | bigint, what: string) => {
    if (r < 0) throw new Error(`${what}: errno ${-r}`);
    return r;
  };
  return (src, dst) => {
    const srcFd = check(b.open(encoder.encode(`${src}\0`), 0, 0), "open src") as number;
    try {
      check(b.fstat(srcFd, st), "fstat");
      const size = st[0]!;
      const dstFd = check(b.open(encoder.encode(`${dst}\0`), OPEN_WRITE | OPEN_CREATE | OPEN_TRUNC, 0o644), "open dst") as number;
      try {
        check(b.ftruncate(dstFd, size), "ftruncate");
        for (let at = 0n; at < size; at += BigInt(WINDOW)) {
          const len = size - at < BigInt(WINDOW) ? size - at : BigInt(WINDOW);
          // As memmap does: blocks reserved first (ENOSPC instead of SIGBUS), the source read ahead.
          check(b.fallocate(dstFd, at, len), "fallocate");
          const s = check(b.mmap(len, PROT_READ, MAP_SHARED, srcFd, at), "mmap src") as bigint;
          b.madvise(s, len, ADVICE_SEQUENTIAL);
          const d = b.mmap(len, PROT_READ | PROT_WRITE, MAP_SHARED, dstFd, at);
          if (d < 0n) b.munmap(s, len);
          check(d, "mmap dst");
          const from = b.arrayBuffer(s, Number(len));
          const to = b.arrayBuffer(d, Number(len));
          new Uint8Array(to).set(new Uint8Array(from));
          // Detached before the memory goes, as map() does.
          from.transfer(0);
          to.transfer(0);
          b.munmap(d, len);
          b.munmap(s, len);
        }
        return Number(size);
      } finally {
        b.close(dstFd);
      }
    } finally {
      b.close(srcFd);
    }
  };
}

function cp(src: string, dst: string): void {
  const r = spawnSync("cp", [src, dst], { stdio: ["ignore", "ignore", "pipe"] });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`cp exited with ${r.status ?? r.signal}: ${String(r.stderr).trim()}`);
}

type CopyFn = (src: string, dst: string) => unknown;

/** The one contender whose destinations exist before each op (the last op's copy), so it measures replacing a file. */
const OVERWRITE = "memmap auto, overwriting";

/** The contenders, each copying with its own function; `strategies` collects what memmap's "auto" chose. */
function copiers(api: Api, extras: Extras, strategies: Set<string>): Record<string, CopyFn> {
  const own: Record<string, CopyFn> = extras.copyFile ? { [extras.copyFile.name]: extras.copyFile.copy } : {};
  return {
    "memmap auto": (s, d) => strategies.add(`auto -> ${api.copyFileSync(s, d, { strategy: "auto" }).strategy}`),
    [OVERWRITE]: (s, d) => api.copyFileSync(s, d, { strategy: "auto", overwrite: true }),
    "memmap auto, async copyFile": async (s, d) => strategies.add(`async auto -> ${(await api.copyFile(s, d, { strategy: "auto" })).strategy}`),
    "memmap copy_file_range": (s, d) => api.copyFileSync(s, d, { strategy: "copy_file_range" }),
    "memmap mmap": (s, d) => api.copyFileSync(s, d, { strategy: "mmap" }),
    "mmap, TypedArray.set": typedArrayCopy(api),
    ...own,
    cp,
  };
}

/**
 * One contender per copier over the same files: op copies every pair in turn,
 * the destinations are removed before each op (outside timing; OVERWRITE's
 * instead exist), and the first op's output is checked against the source.
 */
function contenders(
  copy: Record<string, CopyFn>,
  pairs: (tag: string) => [string, string][],
  expected: number,
  outDir: string,
): Record<string, AsyncContender> {
  const out: Record<string, AsyncContender> = {};
  Object.entries(copy).forEach(([name, fn], index) => {
    const list = pairs(`c${index}`);
    out[name] = {
      beforeOp: () => {
        for (const [src, dst] of list) {
          if (name !== OVERWRITE) rmSync(dst, { force: true });
          // Made once, untimed, by the copier it then overwrites with.
          else if (!existsSync(dst)) fn(src, dst);
        }
      },
      op: async () => {
        for (const [src, dst] of list) {
          const r = fn(src, dst);
          if (r instanceof Promise) await r;
        }
        return list.length;
      },
      verify: () => {
        let h = 0;
        for (const [, dst] of list) h = (Math.imul(h, 31) + digest(dst)) | 0;
        if (h !== expected) throw new Error("the copy differs from the source");
        return h;
      },
      teardown: () => {
        for (const [, dst] of list) rmSync(dst, { force: true });
        rmSync(join(outDir, `c${index}`), { recursive: true, force: true });
      },
    };
  });
  return out;
}

export async function run(api: Api, dir: string, extras: Extras): Promise<CaseResult[]> {
  const progress = (what: string) => console.error(`  [${api.backend().name}] ${what}`);
  const outDir = join(dir, OUT);
  mkdirSync(outDir, { recursive: true });
  const builtIns = [...(extras.copyFile ? [extras.copyFile.name] : []), "cp"];
  const ratios = (large: boolean): Ratio[] => [
    { numerator: builtIns, denominator: "memmap auto", label: "fastest built-in ÷ memmap auto", target: { min: 1.0 } },
    { numerator: "memmap copy_file_range", denominator: "memmap mmap", ...(large ? { target: { min: 0.8 } } : {}) },
    { numerator: "mmap, TypedArray.set", denominator: "memmap mmap" },
    { numerator: "memmap auto, async copyFile", denominator: "memmap auto" },
    { numerator: OVERWRITE, denominator: "memmap auto" },
  ];
  const notes = (strategies: Set<string>) => [
    `each op copies to a destination that does not exist (removed before the op, outside timing), except "${OVERWRITE}" (the last op's copy is replaced); not fsynced`,
    "ext4 (this /tmp): a file truncated to 0 is flushed at close (auto_da_alloc): libuv's copyFileSync truncates even a new file, and memmap truncates an existing destination to 0 before sizing it; both then pay writeback at close (seen with strace: ~0.5 s per GiB)",
    `memmap auto chose: ${[...strategies].join(", ")}`,
    'built-ins: fs.copyFileSync on Node, Bun.write(dst, Bun.file(src)) on Bun, Deno.copyFileSync on Deno; cp = spawnSync("cp", [src, dst]) per file',
    "mmap, TypedArray.set: memmap's mmap strategy by hand through backend() (fallocate, madvise, two MAP_SHARED windows of 64 MiB), copying with TypedArray.set instead of memcpy in C",
  ];
  const cases: CaseResult[] = [];

  const single = async (title: string, name: string, size: number, ratioList: Ratio[], options: { ops: number; samples: number; warmup: number }) => {
    progress(title);
    const load = loadNote();
    const src = join(dir, name);
    const strategies = new Set<string>();
    const outcomes = await compareAsync(
      contenders(copiers(api, extras, strategies), (tag) => [[src, join(outDir, `${tag}-${name}`)]], digest(src), outDir),
      options,
    );
    cases.push({ title, bytesPerOp: size, notes: [...notes(strategies), load], outcomes, ratios: ratioList });
  };

  const large = largeSize();
  // 1 op per sample: one copy takes ~0.3-1 s; 4 samples keep the group under 5 minutes.
  await single(`(a) copy a ${large / MiB} MiB cached file`, LARGE, large, ratios(true), { ops: 1, samples: 4, warmup: 1 });
  await single(`(b) copy a ${MEDIUM_SIZE / MiB} MiB cached file`, MEDIUM, MEDIUM_SIZE, ratios(false), { ops: 3, samples: 7, warmup: 1 });

  progress(`${SMALL_COUNT} files of ${SMALL_SIZE / KiB} KiB`);
  const load = loadNote();
  const names = Array.from({ length: SMALL_COUNT }, (_, i) => smallName(i));
  let expected = 0;
  for (const n of names) expected = (Math.imul(expected, 31) + digest(join(dir, SMALL_DIR, n))) | 0;
  const strategies = new Set<string>();
  const smallPairs = (tag: string): [string, string][] => {
    mkdirSync(join(outDir, tag), { recursive: true });
    return names.map((n) => [join(dir, SMALL_DIR, n), join(outDir, tag, n)]);
  };
  // 3 samples: cp spawns a process per file (~4 ms each), so one of its ops takes seconds.
  const smallOutcomes = await compareAsync(contenders(copiers(api, extras, strategies), smallPairs, expected, outDir), { ops: 1, samples: 3, warmup: 1 });
  cases.push({
    title: `(c) copy ${SMALL_COUNT.toLocaleString("en")} files of ${SMALL_SIZE / KiB} KiB one after another (time per ${SMALL_COUNT.toLocaleString("en")})`,
    notes: [...notes(strategies), load],
    outcomes: smallOutcomes,
    ratios: ratios(false),
  });
  return cases;
}
