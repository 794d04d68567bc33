// The "map" benchmark group: what mapping costs and what it saves against
// node:fs, run with whichever runtime's memmap the entry passes in.
import { randomFillSync } from "node:crypto";
import { closeSync, fsyncSync, openSync, readFileSync, readSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { cBaseline, pythonBaseline } from "./baselines.ts";
import type { Api, CaseResult, Extras } from "./groups.ts";
import { compare, type Contender, type MeasureOptions, type Outcome } from "./harness.ts";
import { parallelScan } from "./parallel-scan.ts";
import { scan, sum32 } from "./scan.ts";

const MiB = 2 ** 20;
const RECORD = 4096;
const READS = 100_000;
const SMALL = "small.bin";
const LARGE = "large.bin";

// The shim's flag values (native/src/memmap.h), as map() passes them in "read" mode.
const PROT_READ = 1;
const PROT_WRITE = 2;
const MAP_PRIVATE = 2;
const MAP_NORESERVE = 4;

/** MEMMAP_BENCH_SCAN_MB shrinks the 1 GiB file for quick runs. */
function largeSize(): number {
  const mb = Number(process.env.MEMMAP_BENCH_SCAN_MB ?? 1024);
  if (!Number.isInteger(mb) || mb < 1) throw new RangeError(`MEMMAP_BENCH_SCAN_MB must be a positive integer, got "${process.env.MEMMAP_BENCH_SCAN_MB}"`);
  return mb * MiB;
}

export function prepare(dir: string): void {
  writeFileSync(join(dir, SMALL), randomFillSync(new Uint8Array(RECORD)));
  const fd = openSync(join(dir, LARGE), "w");
  try {
    // Random bytes, so a checksum that differs between contenders means a wrong read.
    const chunk = new Uint8Array(MiB);
    for (let left = largeSize(); left > 0; left -= MiB) writeSync(fd, randomFillSync(chunk), 0, Math.min(MiB, left));
    // Written back now, so no writeback runs during the measurements; the pages stay cached.
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The same work as map(path) + view + touch + close, in direct shim calls: what core adds is the difference. */
function rawMapClose(api: Api, path: string): () => number {
  const b = api.backend();
  const encoder = new TextEncoder();
  const st = new BigInt64Array(5);
  return () => {
    // Encoded per call like map() does: a caller holding a string path has to.
    const fd = b.open(encoder.encode(`${path}\0`), 0, 0);
    if (fd < 0) throw new Error(`open: errno ${-fd}`);
    b.fstat(fd, st);
    const length = st[0]!;
    const addr = b.mmap(length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_NORESERVE, fd, 0n);
    b.close(fd);
    if (addr < 0n) throw new Error(`mmap: errno ${-addr}`);
    const buffer = b.arrayBuffer(addr, Number(length));
    const bytes = new Uint8Array(buffer);
    const n = bytes.length + (bytes[0]! & 0);
    buffer.transfer(0);
    b.munmap(addr, length);
    return n;
  };
}

/** Positions of whole records, from a fixed seed so every contender and runtime reads the same ones. */
function recordPositions(size: number): number[] {
  const records = Math.floor(size / RECORD);
  let x = 0x9e3779b9;
  return Array.from({ length: READS }, () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return ((x >>> 0) % records) * RECORD;
  });
}

/** `read(position)` per op, walking the positions round-robin. */
function randomReads(positions: number[], read: (position: number) => number): () => number {
  let i = 0;
  return () => {
    const r = read(positions[i]!);
    if (++i === positions.length) i = 0;
    return r;
  };
}

/** Fails a contender whose first result differs from the reference's (the first name): it would time a wrong read. */
function checkAgreement(outcomes: Record<string, Outcome>, [reference, ...others]: string[]): void {
  const ref = outcomes[reference!];
  if (!ref || !("stats" in ref)) return;
  for (const name of others) {
    const o = outcomes[name];
    if (o && "stats" in o && o.first !== ref.first) outcomes[name] = { error: `result ${o.first} differs from ${reference}'s ${ref.first}` };
  }
}

export async function run(api: Api, dir: string, extras: Extras): Promise<CaseResult[]> {
  const small = join(dir, SMALL);
  const large = join(dir, LARGE);
  const size = largeSize();
  const progress = (what: string) => console.error(`  [${api.backend().name}] ${what}`);
  const cases: CaseResult[] = [];

  progress("map + view + touch + close of a 4 KiB file");
  const MAP = "map() + view + touch + close";
  const openClose: Record<string, Contender> = {
    [MAP]: {
      op: () => {
        const m = api.map(small);
        const v = m.view(0, RECORD);
        // The touch faults the page in, as the C baseline's does.
        const n = v.length + (v[0]! & 0);
        m.close();
        return n;
      },
    },
    "raw shim calls + touch": { op: rawMapClose(api, small) },
  };
  for (const [name, mapFile] of Object.entries(extras.mapFile ?? {}))
    openClose[name] = {
      op: () => {
        const bytes = mapFile(small);
        return bytes.length + (bytes[0]! & 0);
      },
    };
  // 13 rounds x 2000: Bun.mmap mappings wait for GC, and must stay well under vm.max_map_count (65530).
  const mapMeasure: MeasureOptions = { ops: 2000, samples: 11, warmup: 2 };
  const C_MAP = "C open+fstat+mmap+close+touch+munmap";
  const PY_MAP = "Python mmap + close";
  const mapOutcomes = {
    ...compare(openClose, mapMeasure),
    ...cBaseline("map-close", [small], mapMeasure, [C_MAP]),
    ...pythonBaseline("map-close", [small], mapMeasure, [PY_MAP]),
  };
  checkAgreement(mapOutcomes, Object.keys(mapOutcomes));
  cases.push({
    title: "(a) map + view + touch + close, 4 KiB file",
    notes: [
      "raw = open, fstat, mmap, close fd, arrayBuffer, touch, transfer(0), munmap through backend(); Bun.mmap cannot be unmapped (GC does it)",
      "C: the same system calls in a C program (bench/c/map-close.c, cc -O2); Python: mmap.mmap(fileno, 0, ACCESS_READ), touch, close",
    ],
    outcomes: mapOutcomes,
    ratios: [
      { numerator: MAP, denominator: C_MAP, target: { max: 1.1 } },
      { numerator: MAP, denominator: "raw shim calls + touch", target: { max: 1.2 } },
      ...Object.keys(extras.mapFile ?? {}).map((name) => ({ numerator: MAP, denominator: name, target: { max: 1 } })),
      { numerator: MAP, denominator: PY_MAP },
    ],
    chart: {
      kind: "bars",
      title: "map + view + touch + close of a 4 KiB file (lower is better)",
      contenders: [MAP, "raw shim calls + touch", ...Object.keys(extras.mapFile ?? {})],
      shared: [C_MAP, PY_MAP],
    },
  });

  progress(`sequential scan of ${size / MiB} MiB`);
  const chunk = new Uint8Array(MiB);
  // No try/finally around the scans: V8 14 was seen running a hot loop inside one several times
  // slower. A failing op drops its contender and the process ends soon after, so nothing leaks for long.
  const mapScan = (options?: { populate: boolean }) => () => {
    const m = api.map(large, options);
    const sum = scan(m.bytes);
    m.close();
    return sum;
  };
  const scanContenders: Record<string, Contender> = {
    "map()": { op: mapScan() },
    "map() populate": { op: mapScan({ populate: true }) },
    readFileSync: { op: () => scan(readFileSync(large)) },
    "readSync 1 MiB chunks": {
      op: () => {
        const fd = openSync(large, "r");
        let sum = 0;
        for (let n; (n = readSync(fd, chunk, 0, MiB, null)) > 0; ) sum = (sum + scan(chunk.subarray(0, n))) | 0;
        closeSync(fd);
        return sum;
      },
    },
  };
  // Two warmup rounds: the first op of each runs mostly in the interpreter / OSR code.
  const scanOutcomes = compare(scanContenders, { ops: 1, samples: 5, warmup: 2 });
  checkAgreement(scanOutcomes, Object.keys(scanContenders).reverse());
  cases.push({
    title: `(b) sequential scan (sum as Int32) of a ${size / MiB} MiB cached file`,
    bytesPerOp: size,
    notes: [
      "each op opens, reads every byte and closes",
      'map() populate: MAP_POPULATE, informational; a "read" mapping is private and writable, so populating it copies every page (copy-on-write broken up front)',
    ],
    outcomes: scanOutcomes,
    ratios: [
      { numerator: "readFileSync", denominator: "map()", target: { min: 1.5 } },
      { numerator: "readSync 1 MiB chunks", denominator: "map()" },
      { numerator: "readFileSync", denominator: "map() populate" },
    ],
  });

  progress(`${READS} random ${RECORD}-byte record reads`);
  const positions = recordPositions(size);
  const record = new Uint8Array(RECORD);
  const mapped = (work: (bytes: Uint8Array) => number): Contender => {
    let mapping: ReturnType<Api["map"]>;
    return {
      setup: () => void (mapping = api.map(large)),
      op: randomReads(positions, (p) => work(mapping.view(p, RECORD))),
      teardown: () => mapping.close(),
    };
  };
  const pread = (work: (bytes: Uint8Array) => number): Contender => {
    let fd: number;
    return {
      setup: () => void (fd = openSync(large, "r")),
      op: randomReads(positions, (p) => {
        readSync(fd, record, 0, RECORD, p);
        return work(record);
      }),
      teardown: () => closeSync(fd),
    };
  };
  // The record ends up in the same reused buffer either way; reading two bytes keeps it observable.
  const copy = (bytes: Uint8Array) => {
    if (bytes !== record) record.set(bytes);
    return record[0]! ^ record[RECORD - 1]!;
  };
  let cold: ReturnType<Api["map"]> | undefined;
  let coldReads = 0;
  let reader: ReturnType<Api["map"]>;
  const reads: Record<string, Contender> = {
    "map() readInto": {
      setup: () => void (reader = api.map(large)),
      op: randomReads(positions, (p) => {
        reader.readInto(p, record);
        return record[0]! ^ record[RECORD - 1]!;
      }),
      teardown: () => reader.close(),
    },
    "map() view, copy": mapped(copy),
    "readSync, copy": pread(copy),
    "map() view, sum32": mapped(sum32),
    "readSync, sum32": pread(sum32),
    "map() view, 2 bytes in place": mapped((bytes) => bytes[0]! ^ bytes[RECORD - 1]!),
    // One sample = map + every read + close: the page faults the warm mapping above no longer takes.
    "map() cold, copy": {
      op: () => {
        cold ??= api.map(large);
        const r = copy(cold.view(positions[coldReads]!, RECORD));
        if (++coldReads === READS) {
          cold.close();
          cold = undefined;
          coldReads = 0;
        }
        return r;
      },
    },
  };
  const readMeasure: MeasureOptions = { ops: READS, samples: 5, warmup: 1 };
  const readOutcomes = {
    ...compare(reads, readMeasure),
    ...cBaseline("random-read", [large], readMeasure, ["C pread", "C mmap + memcpy"]),
    ...pythonBaseline("random-read", [large], readMeasure, ["Python mmap, copy"]),
  };
  checkAgreement(readOutcomes, ["readSync, copy", "map() readInto", "map() view, copy", "map() cold, copy", "C pread", "C mmap + memcpy", "Python mmap, copy"]);
  checkAgreement(readOutcomes, ["readSync, sum32", "map() view, sum32"]);
  cases.push({
    title: `(c) ${READS / 1000}k random ${RECORD / 1024} KiB record reads, ${size / MiB} MiB file`,
    notes: [
      "warm: one mapping / descriptor for all samples (its pages faulted in the warmup); cold: a fresh mapping per sample of 100k reads",
      "copy: the record lands in a reused 4 KiB buffer; sum32: summed as Int32 (in place for the mapping); readInto: mapping.readInto(position, buffer)",
      "C (bench/c/random-read.c, cc -O2): pread into a buffer, and memcpy out of one mapping; Python: memoryview slices of mmap.mmap into a bytearray; all read the same positions",
      "2 bytes in place: the mapping reads only what it needs (two cache lines); readSync has to copy the record to see any of it",
    ],
    outcomes: readOutcomes,
    ratios: [
      { numerator: "readSync, copy", denominator: "map() readInto", target: { min: 3 } },
      { numerator: "readSync, copy", denominator: "map() view, copy" },
      { numerator: "map() readInto", denominator: "C mmap + memcpy" },
      { numerator: "readSync, copy", denominator: "C pread" },
      // The same ratio in C: how far a mapping can beat pread on this machine at all (a TLB miss per record costs the mapping what the system call saves).
      { numerator: "C pread", denominator: "C mmap + memcpy" },
      { numerator: "readSync, sum32", denominator: "map() view, sum32" },
      { numerator: "readSync, copy", denominator: "map() cold, copy" },
      { numerator: "readSync, copy", denominator: "map() view, 2 bytes in place" },
    ],
    chart: {
      kind: "bars",
      title: `random ${RECORD / 1024} KiB record reads, copied out (time per record, lower is better)`,
      contenders: ["readSync, copy", "map() readInto", "map() view, copy"],
      shared: ["C pread", "C mmap + memcpy", "Python mmap, copy"],
    },
  });
  const scanned = scanOutcomes["map()"];
  if (extras.entry && scanned && "first" in scanned) {
    progress("the same scan by 1 and 2 Workers");
    cases.push(await parallelScan(api, large, extras.entry, scanned.first));
  }
  return cases;
}
