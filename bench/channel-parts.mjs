// Where a Channel message's time goes, measured in one process (no peer, no hand-over):
// the JS around each call, an FFI call with a system call (notify with nobody waiting, what
// a sched_yield or a futex wake costs), and the zero-copy calls. Plain JS, so every runtime
// runs it as is, with the memmap entry of that runtime:
//   node bench/channel-parts.mjs ./packages/node/dist/index.js
//   bun bench/channel-parts.mjs ./packages/bun/dist/index.js
//   deno run -A bench/channel-parts.mjs ./packages/deno/mod.ts
// Medians of 15 rounds; numbers from a busy machine say little (see docs/channel-internals.md).
import process from "node:process";
import { pathToFileURL } from "node:url";

const m = await import(pathToFileURL(process.argv[2] ?? "").href);
const MiB = 2 ** 20;
const shm = m.mapAnonymous(m.Channel.bytesFor(4 * MiB));
// Both ends in this process: what the creator sends, the attacher receives.
const sender = m.Channel.create(shm);
const receiver = m.Channel.attach(shm);
const i32 = new Int32Array(shm.bytes.buffer, 0, 64);
const small = new Uint8Array(64).fill(1);
const big = new Uint8Array(MiB).fill(2);
const into = new Uint8Array(MiB);

function measure(name, fn, n) {
  const rounds = [];
  for (let r = 0; r < 15; r++) {
    const start = performance.now();
    for (let i = 0; i < n; i++) fn();
    rounds.push(((performance.now() - start) * 1e6) / n);
  }
  rounds.sort((a, b) => a - b);
  console.log(`${name.padEnd(48)} ${rounds[7].toFixed(0).padStart(8)} ns  (fastest round ${rounds[0].toFixed(0)})`);
}

const zeroCopy = (length) => () => {
  sender.reserve(length)[0] = 1;
  sender.commit();
  receiver.receiveView();
  receiver.release();
};

measure("performance.now()", () => performance.now(), 20_000);
measure("Atomics.load x2 (an empty-ring check)", () => Atomics.load(i32, 16) !== Atomics.load(i32, 17), 20_000);
measure("notify(), nobody waiting (FFI + futex syscall)", () => m.notify(i32, 18, 1), 20_000);
measure(
  "send 64 B + receive (a new array)",
  () => {
    sender.send(small);
    receiver.receive();
  },
  20_000,
);
measure(
  "send 64 B + receiveInto",
  () => {
    sender.send(small);
    receiver.receiveInto(into);
  },
  20_000,
);
measure("reserve/commit + receiveView/release, 64 B", zeroCopy(64), 5_000);
measure("reserve/commit + receiveView/release, 1 MiB", zeroCopy(MiB), 2_000);
measure(
  "send 1 MiB + receiveInto",
  () => {
    sender.send(big);
    receiver.receiveInto(into);
  },
  300,
);
receiver.close();
sender.close();
shm.close();
