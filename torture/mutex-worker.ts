// A Mutex worker, on any runtime: lock -> update -> unlock in a loop over the
// structure of layout.ts until the controller sets `stop` (or is gone),
// checking the invariants each time it holds the lock. It is SIGKILLed at any
// point on purpose, so every step leaves state another worker can judge.
// Arguments: memmap's entry URL, slot, "inherited" or a file path, the controller's pid, a seed.
import process from "node:process";
import type { Memmap, MutexGuard } from "@memmap/core";
import { M, PHASE, SLOT, VIOLATION, spin, xorshift } from "./layout.ts";

const [entry, slotArg, source, parentArg, seedArg] = process.argv.slice(2);
const m = (await import(entry!)) as Memmap;
const shared = source === "inherited" ? m.inherited().shared! : m.map(source!, { mode: "readwrite" });
const i32 = new Int32Array(shared.bytes.buffer, shared.bytes.byteOffset, shared.length / 4);
const mutex = new m.Mutex(i32, M.mutex);
const slot = Number(slotArg);
const base = M.slots + slot * SLOT.words;
const parent = Number(parentArg);
const random = xorshift(Number(seedArg));
/** Generous: the controller judges hangs within seconds; this only keeps a worker from waiting forever. */
const LOCK_BOUND_MS = 30_000;

function violation(kind: number, a: number, b: number): void {
  if (Atomics.add(i32, M.violations, 1) === 0) {
    i32[M.violationA] = a;
    i32[M.violationB] = b;
    Atomics.store(i32, M.violation, kind);
  }
}

function parentAlive(): boolean {
  try {
    process.kill(parent, 0);
    return true;
  } catch {
    return false;
  }
}

const setPhase = (phase: number) => Atomics.store(i32, base + SLOT.phase, phase);
const doneOf = (s: number) => M.slots + s * SLOT.words + SLOT.done;

Atomics.store(i32, base + SLOT.pid, process.pid); // ready
for (let n = 0; Atomics.load(i32, M.stop) === 0; n++) {
  if (n % 256 === 255 && !parentAlive()) break;
  setPhase(PHASE.locking);
  let guard: MutexGuard;
  try {
    guard = mutex.lock(LOCK_BOUND_MS);
  } catch (e) {
    violation(VIOLATION.lockTimeout, i32[M.inside]!, process.pid);
    console.error(`mutex worker ${slot} (pid ${process.pid}): ${(e as Error).message}`);
    process.exit(1);
  }
  setPhase(PHASE.holding);
  const inside = i32[M.inside]!;
  if (guard.ownerDied) {
    Atomics.add(i32, M.takeovers, 1);
    i32[base + SLOT.takeovers]!++;
    const dirty = i32[M.dirty]!;
    if (dirty !== 0) {
      // Roll the dead holder's update back: the counter and its done as they were before it.
      i32[M.counter] = i32[M.undoCounter]!;
      i32[doneOf(dirty - 1)] = i32[M.undoDone]!;
      i32[M.dirty] = 0;
      i32[M.repaired] = dirty;
      Atomics.add(i32, M.repairs, 1);
      i32[base + SLOT.repairs]!++;
    }
  } else {
    if (inside !== 0) violation(VIOLATION.exclusion, inside, process.pid);
    if (i32[M.dirty] !== 0) violation(VIOLATION.dirtyWithoutDeath, i32[M.dirty]!, process.pid);
  }
  i32[M.inside] = process.pid;
  let sum = 0;
  for (let s = 0, count = Atomics.load(i32, M.slotCount); s < count; s++) sum += i32[doneOf(s)]!;
  if (sum !== i32[M.counter]) violation(VIOLATION.inconsistent, i32[M.counter]!, sum);

  // The update: undo record, dirty, counter, (a pause a kill can land in), done, clean.
  const counter = i32[M.counter]!;
  const done = i32[base + SLOT.done]!;
  i32[M.undoCounter] = counter;
  i32[M.undoDone] = done;
  Atomics.store(i32, M.dirty, slot + 1);
  i32[M.counter] = counter + 1;
  spin(10 + (random() % 40));
  i32[base + SLOT.done] = done + 1;
  Atomics.store(i32, M.dirty, 0);

  if (i32[M.inside] !== process.pid) violation(VIOLATION.exclusion, i32[M.inside]!, process.pid);
  i32[M.inside] = 0;
  setPhase(PHASE.unlocking);
  guard.unlock();
  setPhase(PHASE.idle);
  // Outside the lock: mostly a short spin, sometimes a 1 ms sleep (the stop word wakes it), to leave the cores to others.
  if (random() % 4 === 0) m.wait(i32, M.stop, 0, 1);
  else spin(random() % 50);
}
shared.close();
