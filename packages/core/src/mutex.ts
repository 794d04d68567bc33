import process from "node:process";
import type { Backend } from "./backend.ts";
import { MmapError } from "./errors.ts";
import { waitWord, notifyWord } from "./wait.ts";

/** A held lock; `using` releases it. */
export interface MutexGuard {
  /** The previous holder died while holding the lock: repair the state it protects. */
  readonly ownerDied: boolean;
  unlock(): void;
  [Symbol.dispose](): void;
}

/** How long a waiter sleeps before checking again whether the holder is still alive. */
const LIVENESS_SLICE_MS = 50;

/**
 * A mutex in one 32-bit word of shared memory, between processes. The word
 * holds the owner's pid (0 when free), so a holder that dies is noticed: the
 * next lock() takes the lock over and reports `ownerDied`. (Pids can be reused
 * by the OS; a reused pid looks alive until that process exits.)
 */
export class Mutex {
  readonly #b: Backend;
  readonly #i32: Int32Array;
  readonly #index: number;

  /** @internal Use the runtime package's Mutex, bound to its backend. */
  constructor(backend: Backend, i32: Int32Array, index = 0) {
    if (!(i32 instanceof Int32Array)) throw new TypeError("Mutex needs an Int32Array over shared memory");
    this.#b = backend;
    this.#i32 = i32;
    this.#index = index;
    // Validates that the word lies in an open mapping.
    notifyWord(backend, i32, index, 0);
  }

  /** Takes the lock, waiting as long as it takes (or timeoutMs, then an ETIMEDOUT MmapError). */
  lock(timeoutMs?: number): MutexGuard {
    const deadline = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs;
    for (;;) {
      const guard = this.tryLock();
      if (guard) return guard;
      const holder = Atomics.load(this.#i32, this.#index);
      const left = deadline - Date.now();
      if (left <= 0) throw new MmapError(`ETIMEDOUT: the mutex is still held by pid ${holder}`, { code: "ETIMEDOUT" });
      if (holder !== 0) waitWord(this.#b, this.#i32, this.#index, holder, Math.min(LIVENESS_SLICE_MS, left));
    }
  }

  /** Takes the lock if it is free (or its holder died); undefined otherwise. */
  tryLock(): MutexGuard | undefined {
    const me = process.pid;
    const prev = Atomics.compareExchange(this.#i32, this.#index, 0, me);
    if (prev === 0) return this.#guard(false);
    if (prev === me) {
      throw new MmapError("this process already holds the mutex (it is not re-entrant)", { code: "ERR_MUTEX_HELD" });
    }
    if (!this.#b.pidAlive(prev) && Atomics.compareExchange(this.#i32, this.#index, prev, me) === prev) {
      return this.#guard(true);
    }
    return undefined;
  }

  /** Releases the lock held by this process. */
  unlock(): void {
    if (Atomics.compareExchange(this.#i32, this.#index, process.pid, 0) !== process.pid) {
      throw new MmapError("unlock: this process does not hold the mutex", { code: "ERR_MUTEX_NOT_HELD" });
    }
    notifyWord(this.#b, this.#i32, this.#index, 1);
  }

  #guard(ownerDied: boolean): MutexGuard {
    let held = true;
    const unlock = () => {
      if (!held) return;
      held = false;
      this.unlock();
    };
    return { ownerDied, unlock, [Symbol.dispose]: unlock };
  }
}
