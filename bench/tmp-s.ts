import * as memmap from "@memmap/node";
import { closeSync, openSync, readFileSync, readSync } from "node:fs";
import { compare, type Contender } from "./harness.ts";
const large = "/tmp/mbx/f.bin"; const MiB = 1 << 20;
function sum32(bytes: Uint8Array): number {
  const words = new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 2);
  let sum = 0;
  for (let i = 0; i < words.length; i++) sum = (sum + words[i]!) | 0;
  return sum;
}
function scan(bytes: Uint8Array): number { let s = 0; for (let o = 0; o < bytes.length; o += MiB) s = (s + sum32(bytes.subarray(o, o + MiB))) | 0; return s; }
const chunk = new Uint8Array(MiB);
const tf = process.argv[3] === "tf";
const all: Record<string, Contender> = {
  map: tf ? { op: () => { const m = memmap.map(large); try { return scan(m.bytes); } finally { m.close(); } } } : { op: () => { const m = memmap.map(large); const s = scan(m.bytes); m.close(); return s; } },
  pop: { op: () => { const m = memmap.map(large, { populate: true }); const s = scan(m.bytes); m.close(); return s; } },
  rfs: { op: () => scan(readFileSync(large)) },
  chunk: tf ? { op: () => { const fd = openSync(large, "r"); try { let sum = 0; for (let n; (n = readSync(fd, chunk, 0, MiB, null)) > 0;) sum = (sum + scan(chunk.subarray(0, n))) | 0; return sum; } finally { closeSync(fd); } } } :
   { op: () => { const fd = openSync(large, "r"); let sum = 0; for (let n; (n = readSync(fd, chunk, 0, MiB, null)) > 0;) sum = (sum + scan(chunk.subarray(0, n))) | 0; closeSync(fd); return sum; } },
};
if (process.argv[4] === "warm") { const u = new Uint8Array(1024); for (let i = 0; i < 200000; i++) sum32(u); }
const which = (process.argv[2] ?? "map,pop,rfs,chunk").split(",");
const r = compare(Object.fromEntries(which.map((w) => [w, all[w]!])), { ops: 1, samples: 3, warmup: 2 });
for (const [k, v] of Object.entries(r)) console.log(k, "stats" in v ? (v.stats.median / 1e6).toFixed(0) + " ms" : v.error);
