// The torture run's controller, on Node 26: workers of every runtime around a
// Mutex, pairs of runtimes around a Channel. It SIGKILLs them at random and on
// purpose (stopped with SIGSTOP in a known state first) and checks after every
// kill what the survivors saw. Prints each failure as it happens, then one JSON
// line that scripts/torture.ts turns into tables.
// Argument: a folder for the file mapping (its caller creates and removes it; this
// process does if its caller is gone).
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import process from "node:process";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import type { ChildHandle, Mapping } from "@memmap/core";
import * as memmap from "@memmap/node";
import { CHILD_RUNTIMES, type ChildRuntime, childRuntime } from "../scripts/child-runtimes.ts";
import { RUNTIMES as TABLE } from "../scripts/runtimes.ts";
import { C, M, MAX_SLOTS, MUTEX_BYTES, OUTCOME, PHASE, RING, SLOT, VIOLATION, xorshift } from "./layout.ts";

const HERE = dirname(fileURLToPath(import.meta.url));
const RUNTIMES: Record<string, ChildRuntime> = {
  node26: CHILD_RUNTIMES.node,
  node22: childRuntime(TABLE.node22),
  bun: CHILD_RUNTIMES.bun,
  deno: CHILD_RUNTIMES.deno,
};
const NAMES = Object.keys(RUNTIMES);

const scale = Number(process.env.MEMMAP_TORTURE_SCALE ?? 1);
const seed = Number(process.env.MEMMAP_TORTURE_SEED ?? Math.floor(Math.random() * 2 ** 31));

/** The choices of one part of the run, from a generator of its own: how long another part took does not shift them. */
function choices(...part: number[]) {
  const next = xorshift(part.reduce((h, id) => Math.imul(h ^ (id + 1), 0x9e3779b1), seed));
  return {
    next,
    pick: <T>(items: readonly T[]): T => items[next() % items.length]!,
    between: (low: number, high: number) => low + (next() % (high - low + 1)),
  };
}

/** How long survivors may take to get past a death: a Mutex waiter checks its holder every 50 ms, a Channel end every 100 ms. */
const DEATH_BOUND_MS = 3000;
/** After a miss: how long to watch whether they go on once this controller's event loop runs again. */
const LATE_BOUND_MS = 10_000;
/** Starting a runtime (Deno takes longest) on a loaded 2-core machine. */
const START_BOUND_MS = 30_000;

interface Check {
  name: string;
  pass: boolean;
  detail: string;
}
const checks: Check[] = [];
const counts: Record<string, Record<string, number>> = {};

function check(name: string, pass: boolean, detail: string): void {
  checks.push({ name, pass, detail });
  if (!pass) console.log(`FAIL ${name}: ${detail}`);
}

function count(what: string, runtime: string, n = 1): void {
  const row = (counts[what] ??= {});
  row[runtime] = (row[runtime] ?? 0) + n;
}

interface Proc {
  handle: ChildHandle;
  pid: number;
  runtime: string;
  slot: number;
  exit?: { code: number | null; signal: string | null };
}
const procs = new Set<Proc>();

function start(script: string, runtime: string, args: string[], share: Record<string, Mapping>, slot = -1): Proc {
  const rt = RUNTIMES[runtime]!;
  const handle = memmap.fork(join(HERE, script), {
    share,
    execPath: rt.execPath,
    runtimeArgs: rt.runtimeArgs,
    args: [rt.entry, ...args],
    env: rt.env,
    // Piped, not inherited: a child left behind must not hold the launcher's pipe open.
    stdio: "pipe",
  });
  for (const out of [handle.stdout, handle.stderr]) out?.on("data", (chunk: Buffer) => process.stderr.write(chunk));
  const proc: Proc = { handle, pid: handle.pid ?? -1, runtime, slot };
  procs.add(proc);
  handle.exited.then(
    (exit) => (proc.exit = exit),
    () => (proc.exit = { code: null, signal: "could not start" }),
  );
  return proc;
}

/** SIGKILLs every child still running and waits (bounded) until each has exited. */
async function killAll(): Promise<void> {
  const running = [...procs].filter((p) => !p.exit && p.pid > 0);
  for (const p of running) p.handle.kill("SIGKILL");
  await until(() => running.every((p) => p.exit), 5000);
  for (const p of procs) if (p.exit) procs.delete(p);
}

/** The kernel's state letter for each of pid's threads (R, S, T stopped, Z zombie, ...); [] once it is reaped. */
function states(pid: number): string[] {
  try {
    return readdirSync(`/proc/${pid}/task`).map((tid) => {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      return stat[stat.lastIndexOf(")") + 2]!;
    });
  } catch {
    return [];
  }
}

const isDead = (pid: number) => states(pid).every((s) => s === "Z" || s === "X");

function deathOf(pid: number): string {
  const s = states(pid);
  if (s.length === 0) return "already reaped";
  if (s[0] === "Z") return "a zombie: dead, but not reaped yet by its parent (this controller, busy meanwhile)";
  return `in state ${s.join("")}`;
}

/**
 * idle: this controller's event loop runs while it waits, and reaps children as they die;
 * busy: the thread blocks, as a parent busy in synchronous code does, and a child that
 * dies meanwhile stays a zombie until the wait ends.
 */
type Style = "idle" | "busy";
const tick = new Int32Array(new SharedArrayBuffer(4));

/** Waits until ready() or boundMs passes: the milliseconds it took, or undefined. */
async function until(ready: () => boolean, boundMs: number, style: Style = "idle"): Promise<number | undefined> {
  const started = performance.now();
  for (;;) {
    if (ready()) return Math.round(performance.now() - started);
    if (performance.now() - started >= boundMs) return undefined;
    if (style === "busy") Atomics.wait(tick, 0, 0, 1);
    else await sleep(1);
  }
}

/** SIGSTOPs pid and waits until every thread of it is stopped, so what it wrote last stays as it is. */
async function stop(pid: number): Promise<void> {
  process.kill(pid, "SIGSTOP");
  if ((await until(() => states(pid).every((s) => s === "T"), 5000, "busy")) === undefined) {
    throw new Error(`pid ${pid} did not stop within 5 s (${states(pid).join("")})`);
  }
}

async function kill(pid: number, style: Style): Promise<void> {
  process.kill(pid, "SIGKILL");
  if ((await until(() => isDead(pid), 5000, style)) === undefined) throw new Error(`pid ${pid} did not die within 5 s of SIGKILL`);
}

// ---- Mutex --------------------------------------------------------------

type MutexKill = "holding" | "mid-update" | "idle" | "random";
const FORCED_MUTEX: MutexKill[] = ["holding", "mid-update", "idle"];
const PHASES = Object.keys(PHASE);

async function mutexRound(round: number, name: string, file: string | undefined, kills: number): Promise<void> {
  const mapping = file ? memmap.map(file, { mode: "readwrite", size: MUTEX_BYTES }) : memmap.mapAnonymous(MUTEX_BYTES);
  const i32 = new Int32Array(mapping.bytes.buffer, mapping.bytes.byteOffset, MUTEX_BYTES / 4);
  const word = (p: Proc, field: number) => Atomics.load(i32, M.slots + p.slot * SLOT.words + field);
  const workers = new Map<number, Proc>();
  const all: Proc[] = [];

  const launch = async (runtime: string, workerSeed: number) => {
    const slot = i32[M.slotCount]!;
    if (slot >= MAX_SLOTS) throw new Error(`more than ${MAX_SLOTS} workers`);
    Atomics.store(i32, M.slotCount, slot + 1);
    const args = [String(slot), file ?? "inherited", String(process.pid), String(workerSeed)];
    const p = start("mutex-worker.ts", runtime, args, file ? {} : { shared: mapping }, slot);
    all.push(p);
    if ((await until(() => word(p, SLOT.pid) === p.pid || p.exit !== undefined, START_BOUND_MS)) === undefined || p.exit) {
      throw new Error(`a ${runtime} worker did not start (${JSON.stringify(p.exit ?? "no sign of it")})`);
    }
    workers.set(slot, p);
  };

  /** A live worker in the state `how` names, from one read of the shared words. */
  const inState = (p: Proc, how: MutexKill) => {
    const phase = word(p, SLOT.phase);
    const mid = Atomics.load(i32, M.dirty) === p.slot + 1;
    return how === "idle" ? phase === PHASE.idle : phase === PHASE.holding && mid === (how === "mid-update");
  };

  /** Stops a worker found in state `how`, and checks once it is stopped that it still is (else lets it go and looks again). */
  const catchOne = async (how: MutexKill): Promise<Proc> => {
    const deadline = performance.now() + 20_000;
    while (performance.now() < deadline) {
      let victim: Proc | undefined;
      for (const pollUntil = performance.now() + 20; !victim && performance.now() < pollUntil; ) {
        victim = [...workers.values()].find((p) => inState(p, how));
      }
      if (!victim) {
        await sleep(1);
        continue;
      }
      await stop(victim.pid);
      if (inState(victim, how)) return victim;
      process.kill(victim.pid, "SIGCONT");
      await sleep(1 + Math.floor(Math.random() * 5));
    }
    throw new Error(`found no worker ${how} within 20 s`);
  };

  try {
    const first = choices(round);
    await Promise.all(NAMES.map((runtime) => launch(runtime, first.next())));
    let settled = 0;
    for (let k = 0; k < kills; k++) {
      const gone = [...workers.values()].filter((p) => p.exit);
      if (gone.length)
        throw new Error(
          `workers exited on their own: ${gone.map((p) => `${p.runtime} pid ${p.pid} ${JSON.stringify(p.exit)}`).join(", ")}; broken invariants: ${violationText(i32)}`,
        );
      const style: Style = k % 2 === 0 ? "idle" : "busy";
      const c = choices(round, k + 1);
      // The first six cover every forced kind with either parent; then a mix with plain random kills.
      const how: MutexKill = k < 2 * FORCED_MUTEX.length ? FORCED_MUTEX[k >> 1]! : c.next() % 2 ? "random" : c.pick(FORCED_MUTEX);
      let victim: Proc;
      if (how === "random") {
        await sleep(c.between(5, 150));
        victim = c.pick([...workers.values()]);
      } else {
        victim = await catchOne(how);
      }
      const label = `${name} kill ${k + 1}: ${victim.runtime} worker ${how === "random" ? "at a random moment" : how}, ${style} parent`;
      // Known before the kill: a stopped worker stays in its state, and no takeover happens without a death.
      const survivors = [...workers.values()].filter((p) => p !== victim);
      const doneBefore = survivors.map((p) => word(p, SLOT.done));
      const takeoversBefore = Atomics.load(i32, M.takeovers);
      const repairsBefore = Atomics.load(i32, M.repairs);
      const violationsBefore = Atomics.load(i32, M.violations);
      await kill(victim.pid, style);
      workers.delete(victim.slot);
      count("mutex kills", victim.runtime);
      // Frozen now: the phase it died in. Whether it died mid-update is known only when it was stopped first
      // (after a random kill, a survivor may have rolled the update back already).
      const phase = word(victim, SLOT.phase);
      const held = phase === PHASE.holding ? true : phase === PHASE.idle ? false : undefined;
      const midUpdate = how === "random" ? undefined : how === "mid-update";

      const progressed = () => survivors.every((p, i) => word(p, SLOT.done) > doneBefore[i]!);
      const took = await until(progressed, DEATH_BOUND_MS, style);
      if (took === undefined) {
        const stuck = survivors.filter((p, i) => word(p, SLOT.done) <= doneBefore[i]!).map((p) => `${p.runtime} pid ${p.pid}`);
        const dead = deathOf(victim.pid);
        const late = await until(progressed, LATE_BOUND_MS);
        check(
          `${label}: no survivor hangs`,
          false,
          `${stuck.join(", ")} made no update within ${DEATH_BOUND_MS} ms of the kill; the killed pid ${victim.pid} was ${dead}; ` +
            (late === undefined
              ? `still stuck ${LATE_BOUND_MS} ms later`
              : `they went on ${late} ms after this controller's event loop ran again (and reaped it)`),
        );
        if (late === undefined) throw new Error(`${label}: survivors stuck`);
      } else {
        check(`${label}: no survivor hangs`, !survivors.some((p) => p.exit), `all ${survivors.length} survivors went on within ${took} ms`);
      }

      const takeovers = Atomics.load(i32, M.takeovers) - takeoversBefore;
      const spurious = takeoversBefore - settled;
      const expected = held === undefined ? "0 or 1 (it died inside lock() or unlock())" : held ? "1" : "0";
      check(
        `${label}: ownerDied exactly when it held the lock`,
        spurious === 0 && (held === undefined ? takeovers <= 1 : takeovers === (held ? 1 : 0)),
        `died ${PHASES[phase]}: ${takeovers} lock()s returned ownerDied, expected ${expected}` +
          (spurious ? `; ${spurious} returned ownerDied before, with nobody dead` : ""),
      );
      settled = Atomics.load(i32, M.takeovers);

      const repairs = Atomics.load(i32, M.repairs) - repairsBefore;
      const repairedIt = repairs === 1 && i32[M.repaired] === victim.slot + 1;
      const violations = Atomics.load(i32, M.violations) - violationsBefore;
      check(
        `${label}: its half-made update is rolled back, the counter stays consistent`,
        violations === 0 && (midUpdate === undefined ? repairs === 0 || (repairedIt && takeovers === 1) : midUpdate ? repairedIt : repairs === 0),
        `${repairs} rollbacks (expected ${midUpdate === undefined ? "0, or 1 of its update" : midUpdate ? "1, of its update" : "0"}); ` +
          `broken invariants seen by workers: ${violations ? violationText(i32) : "none"}`,
      );

      await launch(c.pick(NAMES), c.next());
    }

    Atomics.store(i32, M.stop, 1);
    memmap.notify(i32, M.stop);
    const live = [...workers.values()];
    const ended = await until(() => live.every((p) => p.exit), START_BOUND_MS);
    let sum = 0;
    for (let s = 0; s < i32[M.slotCount]!; s++) sum += i32[M.slots + s * SLOT.words + SLOT.done]!;
    const guard = new memmap.Mutex(i32, M.mutex).tryLock();
    const clean = live.every((p) => p.exit?.code === 0);
    check(
      `${name}: at rest after ${kills} kills`,
      ended !== undefined &&
        clean &&
        i32[M.counter] === sum &&
        i32[M.dirty] === 0 &&
        i32[M.violations] === 0 &&
        i32[M.takeovers] === settled &&
        guard !== undefined &&
        !guard.ownerDied,
      `counter ${i32[M.counter]}, sum of every worker's completed updates ${sum}, half-made update: ${i32[M.dirty] ? `slot ${i32[M.dirty]! - 1}` : "none"}; ` +
        `ownerDied ${i32[M.takeovers]} times (${settled} after kills); broken invariants: ${violationText(i32)}; ` +
        `workers exited ${clean ? "cleanly" : JSON.stringify(live.map((p) => p.exit ?? "still running"))}; ` +
        `the lock is ${guard ? (guard.ownerDied ? "free only by takeover" : "free") : "still held"}`,
    );
    guard?.unlock();
  } catch (e) {
    check(`${name}: runs to the end`, false, (e as Error).message);
  } finally {
    await killAll();
    for (const p of all) {
      count("mutex updates", p.runtime, word(p, SLOT.done));
      count("takeovers", p.runtime, word(p, SLOT.takeovers));
      count("rollbacks", p.runtime, word(p, SLOT.repairs));
    }
    mapping.close();
    if (file) rmSync(file, { force: true });
  }
}

function violationText(i32: Int32Array): string {
  const n = i32[M.violations]!;
  if (n === 0) return "none";
  const kind = Object.entries(VIOLATION).find(([, v]) => v === i32[M.violation])?.[0];
  return `${n}, the first ${kind} (${i32[M.violationA]}, ${i32[M.violationB]})`;
}

// ---- Channel ------------------------------------------------------------

type ChannelKill = "sender" | "receiver" | "random";
const OUTCOMES = Object.keys(OUTCOME);

async function channelRound(k: number, from: string, to: string, style: Style): Promise<void> {
  const c = choices(3, k);
  // The first four: either end killed while the other waits, with either parent; then a mix.
  const how: ChannelKill = k < 4 ? (k < 2 ? "sender" : "receiver") : c.pick(["sender", "receiver", "random", "random"]);
  const ring = memmap.mapAnonymous(192 + 2 * RING);
  const ctl = memmap.mapAnonymous(C.words * 4);
  const c32 = new Int32Array(ctl.bytes.buffer, ctl.bytes.byteOffset, C.words);
  const share = { ring, ctl };
  const modes = [c.pick(["sync", "async"]), c.pick(["sync", "async"])];
  const receiver = start("channel-peer.ts", to, ["receive", modes[1]!, String(process.pid)], share);
  const sender = start("channel-peer.ts", from, ["send", modes[0]!, String(process.pid), String(c.next()), String(receiver.pid)], share);
  const label = `channel ${k + 1}: ${from} (${modes[0]}) -> ${to} (${modes[1]}), ${how === "random" ? "one killed at a random moment" : `${how} killed while the other waits`}, ${style} parent`;
  const broken = () => c32[C.receiverOutcome]! >= OUTCOME.badSequence;
  const brokenText = () =>
    `the receiver found a ${OUTCOMES[c32[C.receiverOutcome]!]} at message ${c32[C.received]}: expected ${c32[C.expected]! >>> 0}, got ${c32[C.got]! >>> 0}`;
  try {
    const flowing = await until(() => c32[C.received]! > 0 || sender.exit !== undefined || receiver.exit !== undefined, START_BOUND_MS);
    if (flowing === undefined || c32[C.received] === 0)
      throw new Error(`no message arrived (sender ${JSON.stringify(sender.exit)}, receiver ${JSON.stringify(receiver.exit)})`);
    // Some traffic first (the moment of the kill is the choice here, not a condition of the checks).
    const target = c.between(100, 5000);
    await until(() => c32[C.received]! >= target || broken() || sender.exit !== undefined || receiver.exit !== undefined, 2000);
    const intact = () => {
      if (broken()) throw new Error(brokenText());
      for (const p of [sender, receiver])
        if (p.exit) throw new Error(`the ${p.runtime} ${p === sender ? "sender" : "receiver"} exited on its own: ${JSON.stringify(p.exit)}`);
    };
    intact();
    let victim: Proc;
    if (how === "sender") {
      // Stopped, the sender sends nothing more: once the receiver has all it sent, it waits on an empty ring.
      await stop(sender.pid);
      if ((await until(() => c32[C.received]! >= c32[C.sent]! || broken(), 5000)) === undefined) throw new Error("the receiver did not catch up");
      victim = sender;
    } else if (how === "receiver") {
      // Stopped, the receiver reads nothing more: the sender fills the ring and then waits for room.
      await stop(receiver.pid);
      let sent = -1;
      let since = performance.now();
      const blocked = () => {
        if (c32[C.sent] !== sent) [sent, since] = [c32[C.sent]!, performance.now()];
        return c32[C.attempted] === sent + 1 && performance.now() - since > 50;
      };
      if ((await until(blocked, 5000)) === undefined) throw new Error("the sender never waited for room");
      victim = receiver;
    } else {
      await sleep(c.between(5, 200));
      victim = c.pick([sender, receiver]);
    }
    intact();
    const survivor = victim === sender ? receiver : sender;
    const outcome = victim === sender ? C.receiverOutcome : C.senderOutcome;
    await kill(victim.pid, style);
    count("channel kills", victim.runtime);
    // Frozen once the sender is dead: what it started and finished sending.
    const [attempted, sent] = [c32[C.attempted]!, c32[C.sent]!];

    const took = await until(() => c32[outcome] !== OUTCOME.none, DEATH_BOUND_MS, style);
    let seen = `saw ${OUTCOMES[c32[outcome]!]} ${took} ms after the kill`;
    if (took === undefined) {
      const dead = deathOf(victim.pid);
      const late = await until(() => c32[outcome] !== OUTCOME.none, LATE_BOUND_MS);
      seen =
        `saw nothing within ${DEATH_BOUND_MS} ms; the killed pid ${victim.pid} was ${dead}; ` +
        (late === undefined
          ? `still nothing ${LATE_BOUND_MS} ms later`
          : `${OUTCOMES[c32[outcome]!]} ${late} ms after this controller's event loop ran again (and reaped it)`);
    }
    const exited = await until(() => survivor.exit !== undefined, LATE_BOUND_MS);
    check(
      `${label}: the ${survivor.runtime} survivor sees ERR_PEER_GONE within ${DEATH_BOUND_MS} ms, and exits`,
      took !== undefined && c32[outcome] === OUTCOME.peerGone && exited !== undefined && survivor.exit?.code === 0,
      `${seen}; exit ${JSON.stringify(survivor.exit ?? "none")}`,
    );

    const received = c32[C.received]!;
    const complete = victim === sender ? sent <= received && received <= attempted : received <= c32[C.sent]!;
    check(
      `${label}: what arrived before the kill is exactly what was sent`,
      !broken() && complete,
      broken()
        ? brokenText()
        : victim === sender
          ? `${received} messages checked in order; the sender had finished ${sent} sends and started ${attempted}`
          : `${received} messages checked in order of ${c32[C.sent]} sent`,
    );
    count("messages checked", to, received);
    if (c32[outcome] === OUTCOME.peerGone) count("peer deaths seen", survivor.runtime);
  } catch (e) {
    check(`${label}: runs to the end`, false, (e as Error).message);
  } finally {
    await killAll();
    ring.close();
    ctl.close();
  }
}

// ---- the run ------------------------------------------------------------

const dir = process.argv[2]!;
// A launcher that is gone (its finally never ran) must not leave this run behind.
const launcher = process.ppid;
setInterval(() => {
  try {
    process.kill(launcher, 0);
  } catch {
    for (const p of procs) if (!p.exit && p.pid > 0) p.handle.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
    process.exit(1);
  }
}, 1000).unref();

console.log(`torture: seed ${seed}, scale ${scale} (MEMMAP_TORTURE_SEED=${seed} replays its choices)`);
try {
  const kills = Math.max(2 * FORCED_MUTEX.length, Math.round(40 * scale));
  await mutexRound(1, "mutex over anonymous memory", undefined, kills);
  await mutexRound(2, "mutex over a file", join(dir, "mutex.bin"), kills);
  const pairs = NAMES.flatMap((a) => NAMES.filter((b) => b !== a).map((b) => [a, b] as const));
  const first = choices(0).next() % pairs.length;
  const rounds = Math.max(4, Math.round(40 * scale));
  for (let k = 0; k < rounds; k++) {
    const [from, to] = pairs[(first + k) % pairs.length]!;
    await channelRound(k, from, to, k % 2 === 0 ? "idle" : "busy");
  }
} finally {
  await killAll();
}
console.log(JSON.stringify({ runtimes: NAMES, checks, counts }));
