// What the torture's processes share: the words of the Mutex round's mapping
// and of the Channel round's control block, and the seeded generator and
// checksum both ends of a channel compute. Every runtime imports this file.

/**
 * The Mutex round's mapping, in 32-bit words. The Mutex gets words 0-3 (16
 * bytes: room for a layout wider than today's one word); the data it protects
 * start at byte 16.
 */
export const M = {
  mutex: 0,
  /** Completed updates: read, then written back plus one, under the lock (not atomically, so a second holder shows). */
  counter: 4,
  /** Slot + 1 of a holder between its first and last write of an update, else 0: the half-state a death leaves. */
  dirty: 5,
  /** The counter and the slot's done before that update, so whoever takes over can roll it back. */
  undoCounter: 6,
  undoDone: 7,
  /** The pid of the process between lock() and unlock(), 0 outside: two holders at once would see each other. */
  inside: 8,
  /** Set (and notified) by the controller: workers finish their update and exit. */
  stop: 9,
  /** lock()s that returned ownerDied, and those of them that found a half-made update and rolled it back. */
  takeovers: 10,
  repairs: 11,
  /** Slot + 1 of the last update rolled back. */
  repaired: 12,
  /** Slots handed out so far (the controller's count; workers sum done over them). */
  slotCount: 13,
  /** Broken invariants workers saw; the first one's kind and two details. */
  violations: 14,
  violation: 15,
  violationA: 16,
  violationB: 17,
  slots: 64,
} as const;

/** A worker's slot, SLOT.words words from M.slots + slot * SLOT.words. Slots are never reused, so the dead keep their counts. */
export const SLOT = { pid: 0, phase: 1, done: 2, takeovers: 3, repairs: 4, words: 8 } as const;
export const MAX_SLOTS = 1024;
export const MUTEX_BYTES = (M.slots + MAX_SLOTS * SLOT.words) * 4;

/** Where a worker is: set just after lock() returns and just before unlock() is called, so `holding` means it holds. */
export const PHASE = { idle: 0, locking: 1, holding: 2, unlocking: 3 } as const;

export const VIOLATION = {
  /** lock() returned (ownerDied false) while another process was inside, or someone entered while this one was. */
  exclusion: 1,
  /** A half-made update found although lock() did not report a dead owner. */
  dirtyWithoutDeath: 2,
  /** counter differs from the sum of every slot's done (A: counter, B: sum). */
  inconsistent: 3,
  /** lock() timed out (A: the pid inside the critical section then, B: the worker's). */
  lockTimeout: 4,
} as const;

/** The Channel round's control block, in 32-bit words. */
export const C = {
  /** Set (and notified) by the sender once the channel exists. */
  created: 0,
  /** Messages the sender started to send, and those send() returned for. */
  attempted: 1,
  sent: 2,
  /** Messages the receiver got and checked, all in order so far. */
  received: 3,
  senderOutcome: 4,
  receiverOutcome: 5,
  /** For a bad message: what was expected, and what came. */
  expected: 6,
  got: 7,
  words: 16,
} as const;

/** How a channel end stopped. */
export const OUTCOME = { none: 0, peerGone: 1, timedOut: 2, other: 3, badSequence: 4, badLength: 5, badChecksum: 6 } as const;

/** Bytes per ring of the torture's channels: small, so a sender whose receiver died fills it fast and blocks. */
export const RING = 16 * 1024;

/** A xorshift32 generator; any seed (0 is mapped to a fixed nonzero state). */
export function xorshift(seed: number): () => number {
  let s = seed | 0 || 0x2545f491;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
}

/** FNV-1a, 32 bits. */
export function fnv1a(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h >>> 0;
}

/** Message n of a run: its number, its length and the checksum of its payload (12 + 0-2999 pseudo-random bytes). */
export function message(seed: number, n: number): Uint8Array {
  const next = xorshift(seed ^ Math.imul(n + 1, 0x9e3779b1));
  const bytes = new Uint8Array(12 + (next() % 3000));
  for (let i = 12; i < bytes.length; i++) bytes[i] = next() & 255;
  const header = new DataView(bytes.buffer);
  header.setUint32(0, n, true);
  header.setUint32(4, bytes.length, true);
  header.setUint32(8, fnv1a(bytes.subarray(12)), true);
  return bytes;
}

/** Busy-waits for `us` microseconds, to hold the lock (or the CPU) for a moment without a system call. */
export function spin(us: number): void {
  const until = performance.now() + us / 1000;
  while (performance.now() < until);
}
