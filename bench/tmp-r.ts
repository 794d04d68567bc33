import * as memmap from "@memmap/node";
import { closeSync, openSync, readSync } from "node:fs";
const large = "/tmp/mbx/f.bin"; const MiB = 1 << 20;
function sum32(bytes: Uint8Array): number {
  const words = new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 2);
  let sum = 0;
  for (let i = 0; i < words.length; i++) sum = (sum + words[i]!) | 0;
  return sum;
}
const chunk = new Uint8Array(MiB);
let tSum = 0;
const chunked = () => { const fd = openSync(large, "r"); let sum = 0; tSum = 0;
  for (;;) { const n = readSync(fd, chunk, 0, MiB, null); const b = performance.now(); if (n <= 0) break; sum = (sum + sum32(chunk.subarray(0, n))) | 0; tSum += performance.now() - b; }
  closeSync(fd); return sum; };
const mode = process.argv[2] ?? "";
if (mode.includes("detach")) { new ArrayBuffer(8).transfer(0); }
if (mode.includes("ext")) { const m = memmap.map(large); sum32(m.bytes.subarray(0, 4096)); m.close(); }
for (let k = 0; k < 6; k++) {
  if (mode.includes("map")) { const t = performance.now(); const m = memmap.map(large); sum32(m.bytes); m.close(); console.log("  map", (performance.now() - t).toFixed(0)); }
  const t = performance.now(); chunked(); console.log("chunked", (performance.now() - t).toFixed(0), "ms; sum", tSum.toFixed(0));
}
