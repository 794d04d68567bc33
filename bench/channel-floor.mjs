// The floor under a Channel round trip between two processes of one runtime: one 32-bit word
// each way through Atomics (one cache line crosses per direction), the same word with 64 B
// copied in and out beside it (two lines per direction: what C's spin ping-pong in
// bench/c/pingpong.c moves), against a Channel's 64 B send + receiveInto with the "busy" and the
// "adaptive" spin. The gap between the last two is the Channel's own work in JS. The last rows
// echo with receive(), which allocates an array per message at both ends: the gap to
// receiveInto is what an allocation costs in that runtime.
// Plain JS, so every runtime runs it as is, with the memmap entry of that runtime:
//   node bench/channel-floor.mjs ./packages/node/dist/index.js
//   bun bench/channel-floor.mjs ./packages/bun/dist/index.js
//   deno run -A bench/channel-floor.mjs ./packages/deno/mod.ts
// Prints the median, p10 and p90 of 40 samples of 2,000 round trips, and the parent's context
// switches during them. Numbers from a busy machine say little (see docs/channel-internals.md).
import process from "node:process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { echo } from "./channel-echo.mjs";

const entry = process.argv[2] ?? "";
const m = await import(pathToFileURL(entry).href);
const SAMPLES = 40;
const PER_SAMPLE = 2000;
// Words of the shared page: each side's word on a cache line of its own.
const PING = 0;
const PONG = 16;
const READY = 32;
// The 64 B payloads of the word-and-copy pair, each on a line of its own.
const PING_DATA = 1024;
const PONG_DATA = 1088;

/** process.resourceUsage where the runtime has it (context switches tell a yield or preemption). */
const switches = () => {
  const u = typeof process.resourceUsage === "function" ? process.resourceUsage() : undefined;
  return u ? u.voluntaryContextSwitches + u.involuntaryContextSwitches : Number.NaN;
};

function report(name, perRoundTripUs, switched) {
  const s = [...perRoundTripUs].sort((a, b) => a - b);
  const q = (p) => s[Math.round((s.length - 1) * p)].toFixed(2);
  console.log(`${name.padEnd(34)} median ${q(0.5)} µs  p10 ${q(0.1)}  p90 ${q(0.9)}  context switches ${switched}`);
}

function timed(roundTrip) {
  const per = [];
  const before = switches();
  for (let k = 0; k < SAMPLES; k++) {
    const start = performance.now();
    for (let n = 0; n < PER_SAMPLE; n++) roundTrip();
    per.push(((performance.now() - start) * 1000) / PER_SAMPLE);
  }
  return { per, switched: switches() - before };
}

/**
 * A word each way; with `copy`, 64 B written beside it and copied out at the other end, through
 * a view made per message ("view", as Channel's receiveInto did) or by a loop ("loop": no garbage).
 */
async function atomicsPair(copy) {
  const shm = m.mapAnonymous(4096);
  const u8 = shm.bytes;
  const i32 = new Int32Array(u8.buffer);
  const child = m.fork(fileURLToPath(import.meta.url), { args: [entry, "atomics-child", String(copy)], share: { shm } });
  while (Atomics.load(i32, READY) === 0) m.wait(i32, READY, 0, 20_000);
  const message = new Uint8Array(64).fill(1);
  const into = new Uint8Array(64);
  let seq = 0;
  const { per, switched } = timed(() => {
    if (copy !== "none") u8.set(message, PING_DATA);
    Atomics.store(i32, PING, ++seq);
    while (Atomics.load(i32, PONG) !== seq) {}
    if (copy === "view") into.set(new Uint8Array(u8.buffer, PONG_DATA, 64));
    else if (copy === "loop") for (let i = 0; i < 64; i++) into[i] = u8[PONG_DATA + i];
  });
  Atomics.store(i32, PING, -1);
  await child.exited;
  shm.close();
  report(copy ? `one word + 64 B each way (${copy})` : "one word each way (Atomics)", per, switched);
}

/** Channel ping-pong; with `allocate`, both ends take each message with receive() instead of receiveInto(). */
async function channelPair(spin, allocate = false) {
  const shm = m.mapAnonymous(1 << 16);
  const ch = m.Channel.create(shm, { spin });
  const child = m.fork(fileURLToPath(import.meta.url), { args: [entry, "channel-child", spin, String(allocate)], share: { shm } });
  const message = new Uint8Array(64).fill(1);
  const into = new Uint8Array(64);
  ch.receiveInto(into, 20_000); // the child's "ready"
  const { per, switched } = timed(
    allocate
      ? () => {
          ch.send(message);
          ch.receive();
        }
      : () => {
          ch.send(message);
          ch.receiveInto(into);
        },
  );
  ch.close();
  await child.exited;
  shm.close();
  report(`Channel 64 B, spin "${spin}"${allocate ? ", receive()" : ""}`, per, switched);
}

const role = process.argv[3];
if (role === "atomics-child") {
  const u8 = m.inherited().shm.bytes;
  const i32 = new Int32Array(u8.buffer);
  const copy = process.argv[4];
  const local = new Uint8Array(64);
  Atomics.store(i32, READY, 1);
  m.notify(i32, READY);
  for (let seq = 1; ; seq++) {
    let v;
    while ((v = Atomics.load(i32, PING)) !== seq && v !== -1) {}
    if (v === -1) break;
    if (copy === "view") local.set(new Uint8Array(u8.buffer, PING_DATA, 64));
    else if (copy === "loop") for (let i = 0; i < 64; i++) local[i] = u8[PING_DATA + i];
    if (copy !== "none") u8.set(local, PONG_DATA);
    Atomics.store(i32, PONG, seq);
  }
} else if (role === "channel-child") {
  const ch = m.Channel.attach(m.inherited().shm, { spin: process.argv[4] });
  ch.send(new Uint8Array(64)); // ready
  echo(ch, process.argv[5] === "true");
} else {
  const { bun, deno, node } = process.versions;
  console.log(`${bun ? `bun ${bun}` : deno ? `deno ${deno}` : `node ${node}`}, ${SAMPLES} x ${PER_SAMPLE} round trips`);
  await atomicsPair("none");
  await atomicsPair("view");
  await atomicsPair("loop");
  await channelPair("busy");
  await channelPair("adaptive");
  await channelPair("busy", true);
  await channelPair("adaptive", true);
}
