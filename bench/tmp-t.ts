const MiB = 1 << 20;
function sum32(bytes: Uint8Array): number {
  const words = new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 2);
  let sum = 0;
  for (let i = 0; i < words.length; i++) sum = (sum + words[i]!) | 0;
  return sum;
}
function sum32b(bytes: Uint8Array): number {
  const words = new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 2);
  const n = words.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum = (sum + words[i]!) | 0;
  return sum;
}
const big = new Uint8Array(256 * MiB); for (let i = 0; i < big.length; i += 4099) big[i] = i;
const mode = process.argv[2] ?? "";
if (mode.includes("detach")) new ArrayBuffer(8).transfer(0);
const f = mode.includes("b") ? sum32b : sum32;
for (let k = 0; k < 6; k++) {
  let t = performance.now(); let s = 0;
  for (let o = 0; o < big.length; o += MiB) s = (s + f(big.subarray(o, o + MiB))) | 0;
  const chunked = performance.now() - t; t = performance.now(); f(big); const whole = performance.now() - t;
  console.log(`chunked ${(big.length / chunked / 1e6).toFixed(2)} GB/s, whole ${(big.length / whole / 1e6).toFixed(2)} GB/s`);
}
