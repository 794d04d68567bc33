import type { Backend } from "./backend.ts";
import { errnoError, errnos } from "./errors.ts";
import { mappingOf } from "./mapping.ts";
import { toIndex } from "./validate.ts";

/** What wait() saw, as Atomics.wait reports it. */
export type WaitResult = "ok" | "not-equal" | "timed-out";

/** The address of i32[index], which must lie in an open mapping (a futex on the JS heap could move). */
function wordAddress(backend: Backend, i32: unknown, index: unknown): bigint {
  if (!(i32 instanceof Int32Array)) throw new TypeError("wait/notify need an Int32Array over a memmap mapping");
  if (!mappingOf(i32.buffer)) {
    throw new TypeError("wait/notify need an Int32Array over an open memmap mapping (map, mapAnonymous, openShared); for ordinary memory use Atomics.wait");
  }
  const i = toIndex(index, "index");
  if (i >= i32.length) throw new RangeError(`index ${i} is outside the Int32Array (length ${i32.length})`);
  const address = backend.address(i32) + BigInt(i * 4);
  // The kernel's futex refuses it (EINVAL), and an atomic across two words splits (x64) or faults (arm64).
  if ((address & 3n) !== 0n) throw misaligned("wait, notify and a Mutex need", 4, address);
  return address;
}

/**
 * RangeError for shared words whose memory does not start on an `alignment`-byte boundary:
 * only a file mapped from an offset that is not a multiple of it does that.
 */
export function misaligned(who: string, alignment: number, address: bigint): RangeError {
  return new RangeError(
    `${who} memory on a ${alignment}-byte boundary, and this starts ${address % BigInt(alignment)} bytes past one ` +
      `(a file mapped from an offset that is not a multiple of ${alignment}): map it from a multiple of ${alignment}`,
  );
}

function timeoutOf(timeoutMs: unknown): bigint {
  if (timeoutMs === undefined || timeoutMs === Infinity) return -1n;
  if (typeof timeoutMs !== "number") throw new TypeError("timeoutMs must be a number of milliseconds");
  if (!(timeoutMs >= 0)) throw new RangeError(`timeoutMs must be >= 0, got ${timeoutMs}`);
  return BigInt(Math.ceil(timeoutMs));
}

function result(backend: Backend, r: number): WaitResult {
  if (r === 0) return "ok";
  const e = errnos(backend);
  if (r === -e.EAGAIN) return "not-equal";
  if (r === -e.ETIMEDOUT) return "timed-out";
  throw errnoError(backend, -r, "futex");
}

/** Blocks until i32[index] is notified, if it still equals `expected`; works across processes. */
export function wait(backend: Backend, i32: Int32Array, index: number, expected: number, timeoutMs?: number): WaitResult {
  const addr = wordAddress(backend, i32, index);
  if (typeof expected !== "number") throw new TypeError("expected must be a number");
  const t = timeoutOf(timeoutMs);
  if (Atomics.load(i32, index) !== (expected | 0)) return "not-equal";
  return result(backend, backend.wait(addr, expected | 0, t));
}

/** wait() without blocking the event loop. */
export async function waitAsync(backend: Backend, i32: Int32Array, index: number, expected: number, timeoutMs?: number): Promise<WaitResult> {
  const addr = wordAddress(backend, i32, index);
  if (typeof expected !== "number") throw new TypeError("expected must be a number");
  const t = timeoutOf(timeoutMs);
  if (Atomics.load(i32, index) !== (expected | 0)) return "not-equal";
  return result(backend, await backend.waitAsync(addr, expected | 0, t));
}

/** Wakes up to `count` waiters on i32[index] in any process; returns how many woke. */
export function notify(backend: Backend, i32: Int32Array, index: number, count?: number): number {
  const addr = wordAddress(backend, i32, index);
  const n = count === undefined || count === Infinity ? -1 : toIndex(count, "count");
  const r = backend.notify(addr, Math.min(n, 0x7fffffff));
  if (r < 0) throw errnoError(backend, -r, "futex");
  return r;
}
