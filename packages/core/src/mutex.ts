import process from "node:process";
import type { Backend } from "./backend.ts";
import { MmapError } from "./errors.ts";
import { holderDied, ownTag } from "./process-identity.ts";
import { wait, notify } from "./wait.ts";

/** A held lock; `using` releases it. */
export interface MutexGuard {
  /** The previous holder died while holding the lock: repair the state it protects. */
  readonly ownerDied: boolean;
  /** Releases the lock; idempotent. */
  unlock(): void;
  /** unlock(), for `using`. */
  [Symbol.dispose](): void;
}

/** How long a waiter sleeps before checking again whether the holder is still alive. */
const LIVENESS_SLICE_MS = 50;

/** The two words of a Mutex, from its index: the owner's pid (0 when free), and who that process is. */
const OWNER = 0;
const TAG = 1;

/**
 * A mutex in two 32-bit words of shared memory, between processes: `index`
 * holds the owner's pid (0 when free), `index + 1` the owner's identity (from
 * its start time), so a holder that died is noticed even when it has not been
 * reaped yet or its pid was given to a new process: the next lock() takes the
 * lock over and reports `ownerDied`.
 */
export class Mutex {
  readonly #b: Backend;
  readonly #i32: Int32Array;
  readonly #owner: number;
  readonly #tag: number;

  /**
   * Use the runtime package's Mutex, bound to its backend.
   *
   * @internal
   * @ignore
   */
  constructor(backend: Backend, i32: Int32Array, index = 0) {
    if (!(i32 instanceof Int32Array)) throw new TypeError("Mutex needs an Int32Array over shared memory");
    // Validates that the word lies in an open mapping.
    notify(backend, i32, index, 0);
    if (index + TAG >= i32.length) {
      throw new RangeError(`a Mutex takes two 32-bit words, index and index + 1, but index ${index} is the Int32Array's last`);
    }
    this.#b = backend;
    this.#i32 = i32;
    this.#owner = index + OWNER;
    this.#tag = index + TAG;
  }

  /**
   * Takes the lock, waiting as long as it takes (or timeoutMs, then an ETIMEDOUT MmapError).
   *
   * @example
   * ```ts
   * using guard = mutex.lock(1000);
   * if (guard.ownerDied) repairSharedState();
   * ```
   */
  lock(timeoutMs?: number): MutexGuard {
    const deadline = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs;
    for (;;) {
      const guard = this.tryLock();
      if (guard) return guard;
      const holder = Atomics.load(this.#i32, this.#owner);
      const left = deadline - Date.now();
      if (left <= 0) throw new MmapError(`ETIMEDOUT: the mutex is still held by pid ${holder}`, { code: "ETIMEDOUT" });
      if (holder !== 0) wait(this.#b, this.#i32, this.#owner, holder, Math.min(LIVENESS_SLICE_MS, left));
    }
  }

  /**
   * Takes the lock if it is free (or its holder died); undefined otherwise.
   *
   * @example
   * ```ts
   * const guard = mutex.tryLock();
   * if (guard) {
   *   try {
   *     update();
   *   } finally {
   *     guard.unlock();
   *   }
   * }
   * ```
   */
  tryLock(): MutexGuard | undefined {
    const i32 = this.#i32;
    const me = process.pid;
    const holder = Atomics.compareExchange(i32, this.#owner, 0, me);
    if (holder === 0) {
      Atomics.store(i32, this.#tag, ownTag(this.#b));
      return this.#guard(false);
    }
    // The tag is 0 while a new owner has not written its own yet (unlock and a takeover
    // clear it before the owner word changes); then only the pid's liveness counts.
    const tag = Atomics.load(i32, this.#tag);
    if (Atomics.load(i32, this.#owner) !== holder) return undefined; // changed hands meanwhile
    if (!holderDied(this.#b, holder, tag)) {
      if (holder === me) {
        throw new MmapError("this process already holds the mutex (it is not re-entrant)", { code: "ERR_MUTEX_HELD" });
      }
      return undefined;
    }
    // Clear the dead holder's tag first, so no one reads it as ours once the pid is.
    if (Atomics.compareExchange(i32, this.#tag, tag, 0) !== tag) return undefined;
    if (Atomics.compareExchange(i32, this.#owner, holder, me) !== holder) return undefined;
    Atomics.store(i32, this.#tag, ownTag(this.#b));
    return this.#guard(true);
  }

  /**
   * Releases the lock held by this process.
   *
   * @example
   * ```ts
   * mutex.lock();
   * mutex.unlock();
   * ```
   */
  unlock(): void {
    const i32 = this.#i32;
    const me = process.pid;
    if (Atomics.load(i32, this.#owner) !== me) {
      throw new MmapError("unlock: this process does not hold the mutex", { code: "ERR_MUTEX_NOT_HELD" });
    }
    Atomics.store(i32, this.#tag, 0);
    if (Atomics.compareExchange(i32, this.#owner, me, 0) !== me) {
      throw new MmapError("unlock: this process does not hold the mutex", { code: "ERR_MUTEX_NOT_HELD" });
    }
    notify(this.#b, i32, this.#owner, 1);
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
