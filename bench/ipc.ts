// The "ipc" benchmark group: memmap's Channel between a parent and a forked
// child (of the same runtime and of another one), against the runtime's own
// IPC (process.send and the like) and a pipe, for small-message round trips
// and 1 MiB-message throughput.
import { type ChildProcess, fork as forkNode, spawn, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import process from "node:process";
import type { Readable, Writable } from "node:stream";
import type { ChildHandle, SpinPolicy } from "@memmap/core";
import { Channel } from "@memmap/core/backend";
import { CHILD_RUNTIMES, type ChildRuntime, childRuntime } from "../scripts/child-runtimes.ts";
import { RUNTIMES as TABLE } from "../scripts/runtimes.ts";
import type { Api, CaseResult, Extras, IpcChild, SpawnIpc } from "./groups.ts";
import { cBaseline } from "./baselines.ts";
import { type AsyncContender, compareAsync, loadNote, type MeasureOptions, type Outcome } from "./harness.ts";

const MiB = 2 ** 20;
const SMALL = 64;
/** 1 MiB messages per throughput op. */
const BURST = 64;
/** Rings of 4 MiB: a 1 MiB message fits (maxMessage is half a ring), and three are in flight. */
const STREAM_MAPPING = Channel.bytesFor(4 * MiB);
const PING_MAPPING = Channel.bytesFor(64 * 1024);
const READY_MS = 60_000;
const C_SPIN = "C spin ping-pong";
const C_FUTEX = "C futex ping-pong";
const C_BUSY = "C busy ping-pong";
const C_SPIN_PINNED = "C spin ping-pong, pinned apart";
const C_BUSY_PINNED = "C busy ping-pong, pinned apart";

type RuntimeId = "node26" | "node22" | "bun" | "deno";
const RUNTIMES: Record<RuntimeId, ChildRuntime> = {
  node26: CHILD_RUNTIMES.node,
  node22: childRuntime(TABLE.node22),
  bun: CHILD_RUNTIMES.bun,
  deno: CHILD_RUNTIMES.deno,
};

/** The other runtime each parent talks to (at least node26 -> bun, bun -> deno, deno -> node26). */
const CROSS: Record<RuntimeId, RuntimeId> = { node26: "bun", node22: "node26", bun: "deno", deno: "node26" };

function selfId(): RuntimeId {
  const g = globalThis as { Bun?: unknown; Deno?: unknown };
  if (g.Bun) return "bun";
  if (g.Deno) return "deno";
  return Number(process.versions.node.split(".")[0]) >= 26 ? "node26" : "node22";
}

// Child scripts, plain JS so every runtime runs them; they import memmap (if at all) from the entry baked in.
/** Echoes every message, taken with receiveInto (no allocation per message, as C's peer). */
const channelEcho = (entry: string) => `const m = await import(${JSON.stringify(entry)});
const { echo } = await import(${JSON.stringify(new URL("./channel-echo.mjs", import.meta.url).href)});
const ch = m.Channel.attach(m.inherited().shm);
ch.send("ready");
echo(ch);
`;

/**
 * Answers each message with one of the same length written in place, as the parent writes
 * its own (its first byte): neither side copies a payload; argv[2] is the spin policy.
 */
const channelViewEcho = (entry: string) => `import process from "node:process";
const m = await import(${JSON.stringify(entry)});
const arg = process.argv[2] ?? "adaptive";
const ch = m.Channel.attach(m.inherited().shm, { spin: /^[0-9.]+$/.test(arg) ? Number(arg) : arg });
ch.send("ready");
for (;;) {
  const view = ch.receiveView();
  if (view === null) break;
  const room = ch.reserve(view.length);
  if (view.length > 0) room[0] = view[0];
  ch.release();
  ch.commit();
}
ch.close();
`;

const channelStream = (entry: string) => `const m = await import(${JSON.stringify(entry)});
const ch = m.Channel.attach(m.inherited().shm);
const payload = new Uint8Array(${MiB}).fill(7);
ch.send("ready");
for (;;) {
  const cmd = ch.receive();
  if (cmd === null) break;
  const n = new DataView(cmd.buffer, cmd.byteOffset, 4).getUint32(0, true);
  for (let i = 0; i < n; i++) ch.send(payload);
}
ch.close();
`;

/** process.send children: echo every message; on a number n, send n payloads of 1 MiB instead (argv[2]: "json" sends a string). */
const IPC_CHILD = `import process from "node:process";
const payload = process.argv[2] === "json" ? "x".repeat(${MiB}) : new Uint8Array(${MiB}).fill(7);
process.on("message", (m) => {
  if (typeof m === "number") for (let i = 0; i < m; i++) process.send(payload);
  else process.send(m);
});
process.on("disconnect", () => process.exit(0));
process.send("ready");
`;

/** Pipe throughput child: on each 4-byte count n on stdin, n x 1 MiB to stdout through the runtime's stream (spawned stdio is non-blocking). */
const PIPE_STREAM = `import process from "node:process";
const payload = new Uint8Array(${MiB}).fill(7);
let pending = new Uint8Array(0);
let chain = Promise.resolve();
const burst = async (count) => {
  for (let i = 0; i < count; i++) {
    if (!process.stdout.write(payload)) await new Promise((resolve) => process.stdout.once("drain", resolve));
  }
};
process.stdin.on("data", (chunk) => {
  const all = new Uint8Array(pending.length + chunk.length);
  all.set(pending);
  all.set(chunk, pending.length);
  let at = 0;
  for (; at + 4 <= all.length; at += 4) {
    const count = new DataView(all.buffer, at, 4).getUint32(0, true);
    chain = chain.then(() => burst(count));
  }
  pending = all.slice(at);
});
process.stdin.on("end", () => chain.then(() => process.exit(0)));
`;

const script = (dir: string, name: string) => join(dir, name);

export function prepare(dir: string): void {
  for (const [id, rt] of Object.entries(RUNTIMES)) {
    writeFileSync(script(dir, `channel-echo-${id}.mjs`), channelEcho(rt.entry));
    writeFileSync(script(dir, `channel-stream-${id}.mjs`), channelStream(rt.entry));
    writeFileSync(script(dir, `channel-view-echo-${id}.mjs`), channelViewEcho(rt.entry));
  }
  writeFileSync(script(dir, "ipc-child.mjs"), IPC_CHILD);
  writeFileSync(script(dir, "pipe-stream.mjs"), PIPE_STREAM);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every child this process started and has not seen exit: killed at the end whatever happened. */
const running = new Set<{ kill(): void; exited: Promise<unknown> }>();

function track<T extends { kill(): void; exited: Promise<unknown> }>(child: T): T {
  const entry = { kill: () => child.kill(), exited: child.exited };
  running.add(entry);
  child.exited.then(
    () => running.delete(entry),
    () => running.delete(entry),
  );
  return child;
}

/** Waits up to `ms` for the child to exit by itself, then kills it and waits for that. */
async function stop(child: { kill(): void; exited: Promise<unknown> }, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const gone = await Promise.race([
    child.exited.then(
      () => true,
      () => true,
    ),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms))),
  ]);
  clearTimeout(timer);
  if (!gone) {
    child.kill();
    await child.exited.catch(() => {});
  }
}

/** A child's output goes to our stderr (our stdout carries the result). */
function forward(stream: Readable | null): void {
  stream?.on("data", (chunk: Uint8Array) => process.stderr.write(chunk));
}

/** A memmap-forked child at the other end of a Channel over fresh anonymous memory. */
async function channelPeer(api: Api, dir: string, kind: "echo" | "stream" | "view-echo", id: RuntimeId, size: number, spin?: SpinPolicy) {
  const rt = RUNTIMES[id];
  const shm = api.mapAnonymous(size);
  const ch = api.Channel.create(shm, { spin });
  let child: ChildHandle | undefined;
  let exit: unknown;
  try {
    child = track(
      api.fork(script(dir, `channel-${kind}-${id}.mjs`), {
        share: { shm },
        args: spin === undefined ? [] : [String(spin)],
        execPath: rt.execPath,
        runtimeArgs: rt.runtimeArgs,
        env: rt.env,
        stdio: "pipe",
      }),
    );
    const c = child;
    c.stdin?.end();
    forward(c.stdout);
    forward(c.stderr);
    c.exited.then(
      (e) => (exit = e),
      (e) => (exit = e),
    );
    // Polled: a blocking receive() would also block the event loop that reports the child's exit.
    const deadline = performance.now() + READY_MS;
    for (;;) {
      const got = receiveNow(ch);
      if (got !== undefined) {
        if (got === null || new TextDecoder().decode(got) !== "ready") throw new Error(`${id} child sent no "ready"`);
        break;
      }
      if (exit !== undefined) throw new Error(`${id} child exited before attaching: ${JSON.stringify(exit)}`);
      if (performance.now() > deadline) throw new Error(`${id} child not ready after ${READY_MS / 1000} s`);
      await sleep(2);
    }
  } catch (e) {
    ch.close();
    if (child) await stop(child, 0);
    shm.close();
    throw e;
  }
  const c = child;
  return {
    ch,
    pid: c.pid,
    close: async () => {
      ch.close();
      await stop(c, 5000);
      shm.close();
    },
  };
}

/** receive() that does not wait: undefined when nothing is there yet. */
function receiveNow(ch: ReturnType<Api["Channel"]["create"]>): Uint8Array | null | undefined {
  try {
    return ch.receive(0);
  } catch (e) {
    if ((e as { code?: string }).code === "ETIMEDOUT") return undefined;
    throw e;
  }
}

/** A Channel contender: the child is started in setup and stopped in teardown. */
function channelContender(
  api: Api,
  dir: string,
  kind: "echo" | "stream",
  id: RuntimeId,
  op: (ch: ReturnType<Api["Channel"]["create"]>) => number | Promise<number>,
  mappingSize = kind === "echo" ? PING_MAPPING : STREAM_MAPPING,
  onChild: (pid: number) => void = () => {},
): AsyncContender {
  let peer: Awaited<ReturnType<typeof channelPeer>> | undefined;
  return {
    setup: async () => {
      peer = await channelPeer(api, dir, kind, id, mappingSize);
      onChild(peer.pid);
    },
    op: () => op(peer!.ch),
    teardown: async () => {
      await peer?.close();
      peer = undefined;
    },
  };
}

/** Starts node:child_process fork() children (this runtime's own IPC, wherever the runtime has it). */
const forkIpc: SpawnIpc = (path, serialization) => {
  const child: ChildProcess = forkNode(path, [serialization], { serialization, stdio: ["ignore", "ignore", "inherit", "ipc"] });
  let listener: (m: unknown) => void = () => {};
  child.on("message", (m) => listener(m));
  return {
    send: (m) => void child.send(m as never),
    onMessage: (l) => void (listener = l),
    kill: () => void child.kill("SIGKILL"),
    exited: new Promise((resolve, reject) => {
      child.once("exit", (code, signal) => resolve({ code, signal }));
      child.once("error", reject);
    }),
  };
};

/** A contender over a runtime-IPC child: messages are handed to whoever waits in `next()`. */
function ipcContender(
  dir: string,
  spawnIpc: SpawnIpc,
  serialization: "json" | "advanced",
  op: (child: IpcChild, next: () => Promise<unknown>) => Promise<number>,
): AsyncContender {
  let child: IpcChild | undefined;
  const queue: unknown[] = [];
  let waiter: { resolve: (m: unknown) => void; reject: (e: Error) => void } | undefined;
  let gone: Error | undefined;
  const next = () =>
    queue.length > 0 ? Promise.resolve(queue.shift()) : gone ? Promise.reject(gone) : new Promise<unknown>((resolve, reject) => (waiter = { resolve, reject }));
  return {
    setup: async () => {
      child = track(spawnIpc(script(dir, "ipc-child.mjs"), serialization));
      child.onMessage((m) => {
        const w = waiter;
        waiter = undefined;
        if (w) w.resolve(m);
        else queue.push(m);
      });
      // A child that dies fails the op waiting for it instead of hanging the run.
      const died = (e: unknown) => {
        gone = new Error(`the child exited: ${e instanceof Error ? e.message : JSON.stringify(e)}`);
        waiter?.reject(gone);
        waiter = undefined;
      };
      child.exited.then(died, died);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const ready = await Promise.race([
        next(),
        child.exited.then((e) => ({ exited: e })),
        new Promise((resolve) => (timer = setTimeout(() => resolve({ timeout: true }), READY_MS))),
      ]);
      clearTimeout(timer);
      if (ready !== "ready") throw new Error(`child not ready: ${JSON.stringify(ready)}`);
    },
    op: () => op(child!, next),
    teardown: async () => {
      if (child) await stop(child, 0);
      child = undefined;
    },
  };
}

/** Bytes of a message as the runtime's IPC delivered it. */
function lengthOf(m: unknown): number {
  if (typeof m === "string") return m.length;
  if (m instanceof Uint8Array) return m.length;
  throw new Error(`unexpected message ${Object.prototype.toString.call(m)}`);
}

/** A pipe contender: stdin and stdout of a child, with whoever waits for `bytes` more bytes resolved once they came. */
function pipeContender(
  start: () => { stdin: Writable; stdout: Readable; kill(): void; exited: Promise<unknown> },
  op: (stdin: Writable, expect: (bytes: number) => Promise<number>) => Promise<number>,
): AsyncContender {
  let child: ReturnType<typeof start> | undefined;
  let want = 0;
  let got = 0;
  let done: { resolve: (n: number) => void; reject: (e: Error) => void } | undefined;
  let gone: Error | undefined;
  const expect = (bytes: number) =>
    new Promise<number>((resolve, reject) => {
      if (gone) return reject(gone);
      want = bytes;
      got = 0;
      done = { resolve, reject };
    });
  return {
    setup: () => {
      child = track(start());
      child.stdout.on("data", (chunk: Uint8Array) => {
        got += chunk.length;
        if (got >= want && done) {
          const d = done;
          done = undefined;
          d.resolve(got);
        }
      });
      // A child that dies fails the op waiting for it instead of hanging the run.
      const died = (e: unknown) => {
        gone = new Error(`the child exited: ${e instanceof Error ? e.message : JSON.stringify(e)}`);
        done?.reject(gone);
        done = undefined;
      };
      child.exited.then(died, died);
    },
    op: () => op(child!.stdin, expect),
    teardown: async () => {
      if (!child) return;
      child.stdin.end();
      await stop(child, 5000);
      child = undefined;
    },
  };
}

/** `cat` as the echoing child: the least a pipe round trip can cost on the child's side. */
function startCat() {
  const c = spawn("cat", [], { stdio: ["pipe", "pipe", "inherit"] });
  return {
    stdin: c.stdin!,
    stdout: c.stdout!,
    kill: () => void c.kill("SIGKILL"),
    exited: new Promise<unknown>((resolve, reject) => {
      c.once("exit", (code, signal) => resolve({ code, signal }));
      c.once("error", reject);
    }),
  };
}

function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
}

export async function run(api: Api, dir: string, extras: Extras): Promise<CaseResult[]> {
  const self = selfId();
  const cross = CROSS[self];
  const progress = (what: string) => console.error(`  [${self}] ${what}`);
  const sameName = "Channel, child same runtime";
  const crossName = `Channel, child ${cross}`;
  const allocatingName = "Channel, receive() (a new array per reply), same runtime";
  const spawners: Record<string, SpawnIpc> = { "process.send": forkIpc, ...extras.spawnIpc };
  const ipcNames = Object.keys(spawners).flatMap((n) => [`${n} (json)`, `${n} (advanced)`]);
  const cases: CaseResult[] = [];
  try {
    progress(`${SMALL}-byte round trips`);
    const latencyLoad = loadNote();
    const ping = new Uint8Array(SMALL).fill(1);
    const pingText = "x".repeat(SMALL);
    const pong = new Uint8Array(SMALL);
    const echo = (ch: ReturnType<Api["Channel"]["create"]>) => {
      ch.send(ping);
      return ch.receiveInto(pong)!;
    };
    const latency: Record<string, AsyncContender> = {
      [sameName]: channelContender(api, dir, "echo", self, echo),
      [crossName]: channelContender(api, dir, "echo", cross, echo),
      [allocatingName]: channelContender(api, dir, "echo", self, (ch) => {
        ch.send(ping);
        return ch.receive()!.length;
      }),
      "Channel, receiveAsync, same runtime": channelContender(api, dir, "echo", self, async (ch) => {
        ch.send(ping);
        return (await ch.receiveAsync())!.length;
      }),
    };
    for (const [name, spawnIpc] of Object.entries(spawners)) {
      for (const serialization of ["json", "advanced"] as const) {
        const message = serialization === "json" ? pingText : ping;
        latency[`${name} (${serialization})`] = ipcContender(dir, spawnIpc, serialization, async (child, next) => {
          const reply = next();
          child.send(message);
          return lengthOf(await reply);
        });
      }
    }
    latency["pipe (cat)"] = pipeContender(startCat, (stdin, expect) => {
      const reply = expect(SMALL);
      stdin.write(ping);
      return reply;
    });
    // Many samples: with a core taken by another process the Channel samples split into fast and slow ones (see the notes).
    // Every round trip timed on its own (perOp), for its p99 beside the median, as the C rows are.
    const latencyMeasure: MeasureOptions = { ops: 1000, samples: 25, warmup: 2, perOp: true };
    const latencyOutcomes = {
      ...(await compareAsync(latency, latencyMeasure)),
      ...cPingPong(SMALL, latencyMeasure),
    };
    for (const [name, o] of Object.entries(latencyOutcomes)) {
      if ("stats" in o && o.first !== SMALL) latencyOutcomes[name] = { error: `the reply had ${o.first} bytes, not ${SMALL}` };
    }
    cases.push({
      title: `(a) ${SMALL}-byte message round trip (ping-pong, time per round trip)`,
      notes: [
        `the parent is the column's runtime; Channel children are forked with memmap's fork(); "child ${cross}" is this runtime's cross-runtime peer (node26 -> bun, node22 -> node26, bun -> deno, deno -> node26)`,
        'Channel: blocking send + receiveInto a reused array (the echoing child does the same) with the default spin ("adaptive": 50 µs on the memory, yielding the core after its first microseconds, then the futex); receiveAsync spins the same on the JS thread, then waits off it',
        "receive() and receiveAsync allocate the reply: a new ArrayBuffer costs 1-1.5 µs in Deno at any size (V8 there keeps no typed array on its heap) and in Node above 64 bytes (docs/channel-internals.md)",
        "Channel is fastest with both processes on a core of their own; on a shared one (taskset -c 0, or another process busy on a 2-core machine) every hand-over goes through sched_yield or the futex; a wide ± here is samples split between the two states (docs/channel-internals.md)",
        "process.send: node:child_process fork() with that serialization (json: a 64-char string; advanced: a 64-byte Uint8Array); Bun.spawn ipc: Bun.spawn({ ipc, serialization })",
        "pipe (cat): 64 bytes written to cat's stdin, read back from its stdout through the runtime's streams",
        "C: two C processes (bench/c/pingpong.c, cc -O2) copying the message in and out of shared memory, waiting with sched_yield between looks (spin: issue 11's anchor), on the memory alone (busy: the hardware's floor) or on a futex; its times are single round trips (p50, p99)",
        latencyLoad,
      ],
      outcomes: latencyOutcomes,
      ratios: [
        { numerator: ipcNames, denominator: sameName, label: `fastest runtime IPC ÷ ${sameName}`, target: { min: 10 } },
        { numerator: "pipe (cat)", denominator: sameName },
        { numerator: crossName, denominator: sameName },
        { numerator: allocatingName, denominator: sameName },
        { numerator: sameName, denominator: C_SPIN, target: { max: 1.5 } },
        { numerator: crossName, denominator: C_SPIN, target: { max: 1.5 } },
        { numerator: sameName, denominator: C_BUSY },
      ],
      goals: [
        { contender: sameName, maxNs: 1000 },
        { contender: crossName, maxNs: 1000 },
      ],
    });

    const pinned = await pinnedCase(api, dir, self, cross, echo, latencyMeasure);
    if (pinned) cases.push(pinned);

    progress(`1 MiB messages, ${BURST} per op`);
    const throughputLoad = loadNote();
    const receiveBurst = (ch: ReturnType<Api["Channel"]["create"]>) => {
      ch.send(u32(BURST));
      let bytes = 0;
      for (let i = 0; i < BURST; i++) bytes += ch.receive()!.length;
      return checkBurst(bytes);
    };
    const target = new Uint8Array(MiB);
    const receiveBurstInto = (ch: ReturnType<Api["Channel"]["create"]>) => {
      ch.send(u32(BURST));
      let bytes = 0;
      for (let i = 0; i < BURST; i++) bytes += ch.receiveInto(target)!;
      return checkBurst(bytes);
    };
    const throughput: Record<string, AsyncContender> = {
      [sameName]: channelContender(api, dir, "stream", self, receiveBurst),
      "Channel, receiveInto a reused buffer": channelContender(api, dir, "stream", self, receiveBurstInto),
      [crossName]: channelContender(api, dir, "stream", cross, receiveBurst),
    };
    for (const [name, spawnIpc] of Object.entries(spawners)) {
      for (const serialization of ["json", "advanced"] as const) {
        throughput[`${name} (${serialization})`] = ipcContender(dir, spawnIpc, serialization, async (child, next) => {
          child.send(BURST);
          let bytes = 0;
          for (let i = 0; i < BURST; i++) bytes += lengthOf(await next());
          return checkBurst(bytes);
        });
      }
    }
    let reference: ReturnType<Api["mapAnonymous"]> | undefined;
    throughput["(reference) slice, no IPC"] = {
      setup: () => void (reference = api.mapAnonymous(STREAM_MAPPING)),
      op: () => {
        const bytes = reference!.bytes;
        let n = 0;
        for (let i = 0; i < BURST; i++) {
          const at = (i % 3) * MiB;
          n += bytes.slice(at, at + MiB).length;
        }
        return checkBurst(n);
      },
      teardown: () => reference?.close(),
    };
    const selfRt = RUNTIMES[self];
    throughput["pipe (child's stdout)"] = pipeContender(
      () => {
        const c = track(api.fork(script(dir, "pipe-stream.mjs"), { execPath: selfRt.execPath, runtimeArgs: selfRt.runtimeArgs, stdio: "pipe" }));
        forward(c.stderr);
        return { stdin: c.stdin!, stdout: c.stdout!, kill: () => c.kill("SIGKILL"), exited: c.exited };
      },
      async (stdin, expect) => {
        const all = expect(BURST * MiB);
        stdin.write(u32(BURST));
        return checkBurst(await all);
      },
    );
    const throughputOutcomes = await compareAsync(throughput, { ops: 1, samples: 15, warmup: 2 });
    cases.push({
      title: `(b) 1 MiB messages, child -> parent (${BURST} per op)`,
      bytesPerOp: BURST * MiB,
      notes: [
        `Channel over mapAnonymous(${STREAM_MAPPING}) (rings of 4 MiB); the child sends ${BURST} messages of 1 MiB per request, the parent receive()s them (each a copy out of the ring)`,
        "process.send (json) sends a 1 MiB string (JSON has no bytes); (advanced) a 1 MiB Uint8Array",
        "pipe: a child of this runtime writes 1 MiB chunks to stdout through its stream; the parent counts the bytes its stream delivers",
        `(reference) slice: no IPC, the parent copies ${BURST} x 1 MiB out of shared memory into new Uint8Arrays, as receive() does per message: a ceiling for Channel here`,
        throughputLoad,
      ],
      outcomes: throughputOutcomes,
      ratios: [
        { numerator: ipcNames, denominator: sameName, label: `fastest runtime IPC ÷ ${sameName}` },
        { numerator: "pipe (child's stdout)", denominator: sameName },
        { numerator: "(reference) slice, no IPC", denominator: sameName },
      ],
      goals: [
        { contender: sameName, minGBps: 4 },
        { contender: crossName, minGBps: 4 },
      ],
    });

    for (const spin of SPIN_CASES) cases.push(await sizeCase(api, dir, self, spin, progress));
  } finally {
    for (const child of [...running]) await stop(child, 0);
  }
  return cases;
}

/** Every thread of process `pid` onto `cpus` (taskset -a -p -c): false where taskset is missing or refuses. */
function pin(pid: number, cpus: string): boolean {
  return spawnSync("taskset", ["-a", "-p", "-c", cpus, String(pid)], { stdio: "ignore" }).status === 0;
}

/**
 * Issue 11's condition for its Channel target, "both processes on cores of their own": (a)'s
 * Channel rows again with this process on CPU 0 and the child on CPU 1, and C's ping-pong
 * pinned the same way. Unpinned, a pair on this 2-core VM often shares one CPU for a whole
 * round (docs/channel-internals.md). Only the bench pins: memmap never changes affinity.
 */
async function pinnedCase(
  api: Api,
  dir: string,
  self: RuntimeId,
  cross: RuntimeId,
  echo: (ch: ReturnType<Api["Channel"]["create"]>) => number,
  measure: MeasureOptions,
): Promise<CaseResult | undefined> {
  const cpus = availableParallelism();
  if (process.platform !== "linux" || cpus < 2 || !pin(process.pid, "0")) return undefined;
  const sameName = "Channel, child same runtime, pinned apart";
  const crossName = `Channel, child ${cross}, pinned apart`;
  const asyncName = "Channel, receiveAsync, same runtime, pinned apart";
  const ping = new Uint8Array(SMALL).fill(1);
  let outcomes: Record<string, Outcome>;
  try {
    const toCpu1 = (pid: number) => {
      if (!pin(pid, "1")) throw new Error(`taskset could not pin the child (pid ${pid}) to CPU 1`);
    };
    outcomes = await compareAsync(
      {
        [sameName]: channelContender(api, dir, "echo", self, echo, PING_MAPPING, toCpu1),
        [crossName]: channelContender(api, dir, "echo", cross, echo, PING_MAPPING, toCpu1),
        [asyncName]: channelContender(
          api,
          dir,
          "echo",
          self,
          async (ch) => {
            ch.send(ping);
            return (await ch.receiveAsync())!.length;
          },
          PING_MAPPING,
          toCpu1,
        ),
      },
      measure,
    );
  } finally {
    pin(process.pid, `0-${cpus - 1}`);
  }
  Object.assign(outcomes, cBaseline("pingpong", ["spin-pinned", String(SMALL)], measure, [C_SPIN_PINNED]));
  Object.assign(outcomes, cBaseline("pingpong", ["busy-pinned", String(SMALL)], measure, [C_BUSY_PINNED]));
  return {
    title: `(a2) the same ${SMALL}-byte round trips with the two processes pinned to CPUs of their own`,
    notes: [
      "this process on CPU 0 and the Channel child on CPU 1, every thread of each (taskset -a -p; the C ping-pong with sched_setaffinity): issue 11's condition for its Channel target",
      "the Channel rows are (a)'s, each round trip timed on its own (p50, p99)",
    ],
    outcomes,
    ratios: [
      { numerator: sameName, denominator: C_SPIN_PINNED, target: { max: 1.5 } },
      { numerator: crossName, denominator: C_SPIN_PINNED, target: { max: 1.5 } },
      { numerator: sameName, denominator: C_BUSY_PINNED },
      { numerator: asyncName, denominator: sameName, target: { max: 3 } },
    ],
    goals: [
      { contender: sameName, maxNs: 1000 },
      { contender: crossName, maxNs: 1000 },
    ],
  };
}

/** The C ping-pong at one message size, spinning with and without sched_yield and on a futex: its rows are named C_SPIN, C_BUSY and C_FUTEX. */
function cPingPong(bytes: number, measure: MeasureOptions): Record<string, Outcome> {
  return {
    ...cBaseline("pingpong", ["spin", String(bytes)], measure, [C_SPIN]),
    ...cBaseline("pingpong", ["busy", String(bytes)], measure, [C_BUSY]),
    ...cBaseline("pingpong", ["futex", String(bytes)], measure, [C_FUTEX]),
  };
}

/** Message sizes of the per-size round trips, 64 B to 1 MiB. */
const SIZES = [64, 1024, 16 * 1024, 256 * 1024, MiB];
/** Spin policies measured per size: the default, spinning without a break, sleeping at once. */
const SPIN_CASES: SpinPolicy[] = ["adaptive", "busy", 0];
const sizeLabel = (n: number) => (n >= MiB ? `${n / MiB} MiB` : n >= 1024 ? `${n / 1024} KiB` : `${n} B`);

/**
 * Round trips per message size with one spin policy (both ends): a copy each way (send and
 * receive) against zero-copy (reserve/commit, receiveView/release; the child answers in place
 * with a message of the same length). One child serves every contender; each op's own time is kept, for p99.
 */
async function sizeCase(api: Api, dir: string, self: RuntimeId, spin: SpinPolicy, progress: (what: string) => void): Promise<CaseResult> {
  progress(`round trips per size, spin ${JSON.stringify(spin)}`);
  const load = loadNote();
  let peer: Awaited<ReturnType<typeof channelPeer>> | undefined;
  let users = 0;
  const perOp = new Map<string, number[]>();
  const contender = (name: string, op: (ch: ReturnType<Api["Channel"]["create"]>) => number): AsyncContender => {
    const times: number[] = [];
    perOp.set(name, times);
    return {
      setup: async () => {
        users++;
        peer ??= await channelPeer(api, dir, "view-echo", self, STREAM_MAPPING, spin);
      },
      op: () => {
        const start = performance.now();
        const n = op(peer!.ch);
        times.push(performance.now() - start);
        return n;
      },
      teardown: async () => {
        if (--users > 0) return;
        await peer?.close();
        peer = undefined;
      },
    };
  };
  const contenders: Record<string, AsyncContender> = {};
  for (const size of SIZES) {
    const message = new Uint8Array(size).fill(3);
    contenders[`copy, ${sizeLabel(size)}`] = contender(`copy, ${sizeLabel(size)}`, (ch) => {
      ch.send(message);
      return ch.receive()!.length;
    });
    contenders[`zero-copy, ${sizeLabel(size)}`] = contender(`zero-copy, ${sizeLabel(size)}`, (ch) => {
      ch.reserve(size)[0] = 3; // what a writer in place would do: the bytes are written where they go
      ch.commit();
      const n = ch.receiveView()!.length;
      ch.release();
      return n;
    });
  }
  const ops = 200;
  const warmup = 2;
  const measure: MeasureOptions = { ops, samples: 10, warmup };
  const outcomes = await compareAsync(contenders, measure);
  for (const [name, o] of Object.entries(outcomes)) {
    const want = SIZES.find((size) => name.endsWith(`, ${sizeLabel(size)}`));
    if ("stats" in o && o.first !== want) outcomes[name] = { error: `the reply had ${o.first} bytes, not ${want}` };
  }
  // The C floor per size, once (with the default policy's case), and the chart of both.
  const withC = spin === "adaptive";
  const points: Record<string, { series: string; x: number; shared?: boolean }> = {};
  for (const size of SIZES) {
    points[`copy, ${sizeLabel(size)}`] = { series: "Channel copy", x: size };
    points[`zero-copy, ${sizeLabel(size)}`] = { series: "Channel zero-copy", x: size };
    if (!withC) continue;
    for (const [name, o] of Object.entries(cPingPong(size, measure))) {
      outcomes[`${name}, ${sizeLabel(size)}`] = o;
      points[`${name}, ${sizeLabel(size)}`] = { series: name, x: size, shared: true };
    }
  }
  // Per message, after the warm-up rounds: the harness's stats are per sample of 200.
  const tails = [...perOp].map(([name, times]) => {
    const timed = times.slice(warmup * ops).sort((a, b) => a - b);
    const at = (q: number) => ((timed[Math.floor(q * (timed.length - 1))] ?? Number.NaN) * 1000).toFixed(1);
    return `${name}: p50 ${at(0.5)} µs, p99 ${at(0.99)} µs`;
  });
  return {
    title: `(c) round trip per message size, spin ${JSON.stringify(spin)}: copy against zero-copy (child same runtime)`,
    notes: [
      `Channel over mapAnonymous(${STREAM_MAPPING}) (rings of 4 MiB), both ends with { spin: ${JSON.stringify(spin)} }; ${ops} round trips per sample`,
      "copy: send() copies the message into the ring, receive() out of it, on both sides; zero-copy: reserve()/commit() and receiveView()/release(), each side writing its message's first byte in place (the child answers with a message of the same length): no payload is copied",
      "busy spins without a break on both ends: it needs a core per process, and on a shared core it waits out the scheduler's time slice",
      `per message (each op timed on its own): ${tails.join("; ")}`,
      ...(withC
        ? [
            "C: bench/c/pingpong.c (cc -O2), copying each message in and out at both ends, spinning with sched_yield or sleeping on a futex; single round trips (p50, p99)",
          ]
        : []),
      load,
    ],
    outcomes,
    ratios: [
      { numerator: `zero-copy, ${sizeLabel(MiB)}`, denominator: `zero-copy, ${sizeLabel(64)}`, target: { max: 2 } },
      { numerator: `copy, ${sizeLabel(MiB)}`, denominator: `zero-copy, ${sizeLabel(MiB)}` },
      { numerator: `zero-copy, ${sizeLabel(64)}`, denominator: `copy, ${sizeLabel(64)}` },
      ...(withC ? SIZES.map((size) => ({ numerator: `zero-copy, ${sizeLabel(size)}`, denominator: `${C_SPIN}, ${sizeLabel(size)}` })) : []),
    ],
    chart: {
      kind: "lines",
      title: `round trip between two processes by message size, spin ${JSON.stringify(spin)} (median, lower is better)`,
      xLabel: "message size",
      points,
    },
  };
}

function checkBurst(bytes: number): number {
  if (bytes !== BURST * MiB) throw new Error(`received ${bytes} bytes, not ${BURST * MiB}`);
  return bytes;
}
