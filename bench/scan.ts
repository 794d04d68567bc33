// The summing loop of the scan benchmarks, shared by bench/map.ts and the scan Worker.

const MiB = 2 ** 20;

/**
 * 32-bit words, wrapping, so the result does not depend on how the bytes were
 * split into chunks (or between Workers), as long as each piece starts at a multiple of 4.
 */
export function sum32(bytes: Uint8Array): number {
  const words = new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 2);
  let sum = 0;
  for (let i = 0; i < words.length; i++) sum = (sum + words[i]!) | 0;
  return sum;
}

/** sum32 in 1 MiB windows: every scan contender drives the loop with the same calls, so the JIT treats them alike. */
export function scan(bytes: Uint8Array): number {
  let sum = 0;
  for (let at = 0; at < bytes.length; at += MiB) sum = (sum + sum32(bytes.subarray(at, at + MiB))) | 0;
  return sum;
}
