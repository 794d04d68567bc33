// One end of a torture channel, on any runtime. The sender creates the channel
// and sends message(seed, 0), (seed, 1), ... until a send fails; the receiver
// checks each one's number, length and checksum. Both count in the control
// block, and each records how it stopped (the controller kills one of them).
// Arguments: memmap's entry URL, "send" or "receive", "sync" or "async", the controller's pid, and for
// the sender a seed and the receiver's pid.
import process from "node:process";
import type { Memmap } from "@memmap/core";
import { C, OUTCOME, fnv1a, message } from "./layout.ts";

const [entry, role, mode, parentArg, seedArg, peerArg] = process.argv.slice(2);
const m = (await import(entry!)) as Memmap;
const { ring, ctl } = m.inherited();
const c32 = new Int32Array(ctl!.bytes.buffer, ctl!.bytes.byteOffset, C.words);
/** Generous: the controller judges hangs within seconds; this only keeps an end from waiting forever. */
const BOUND_MS = 30_000;

/** Both ends alive would stream forever: each stops once the controller is gone. */
function parentGone(): boolean {
  try {
    process.kill(Number(parentArg), 0);
    return false;
  } catch {
    return true;
  }
}

function stopped(word: number, e: unknown): void {
  const code = (e as { code?: string }).code;
  const outcome = code === "ERR_PEER_GONE" ? OUTCOME.peerGone : code === "ETIMEDOUT" ? OUTCOME.timedOut : OUTCOME.other;
  if (outcome === OUTCOME.other) console.error(`channel ${role === "send" ? "sender" : "receiver"} (pid ${process.pid}): ${(e as Error).stack ?? e}`);
  Atomics.store(c32, word, outcome);
  m.notify(c32, word);
}

if (role === "send") {
  const seed = Number(seedArg);
  const channel = m.Channel.create(ring!, { peer: Number(peerArg) });
  Atomics.store(c32, C.created, 1);
  m.notify(c32, C.created);
  for (let n = 0; n % 1024 !== 1023 || !parentGone(); n++) {
    const bytes = message(seed, n);
    Atomics.store(c32, C.attempted, n + 1);
    try {
      if (mode === "async") await channel.sendAsync(bytes, BOUND_MS);
      else channel.send(bytes, BOUND_MS);
    } catch (e) {
      stopped(C.senderOutcome, e);
      break;
    }
    Atomics.store(c32, C.sent, n + 1);
  }
} else {
  /** Records a message that is not the next one sent, and stops: the controller reports it. */
  const bad = (outcome: number, expected: number, got: number): never => {
    c32[C.expected] = expected;
    c32[C.got] = got;
    Atomics.store(c32, C.receiverOutcome, outcome);
    m.notify(c32, C.receiverOutcome);
    process.exit(1);
  };
  m.wait(c32, C.created, 0, BOUND_MS);
  const channel = m.Channel.attach(ring!);
  for (let n = 0; n % 1024 !== 1023 || !parentGone(); n++) {
    let bytes: Uint8Array | null;
    try {
      bytes = mode === "async" ? await channel.receiveAsync(BOUND_MS) : channel.receive(BOUND_MS);
      if (bytes === null) throw new Error("the sender closed the channel, which it never does");
    } catch (e) {
      stopped(C.receiverOutcome, e);
      break;
    }
    const header = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes.length < 12) bad(OUTCOME.badLength, 12, bytes.length);
    if (header.getUint32(0, true) !== n) bad(OUTCOME.badSequence, n, header.getUint32(0, true));
    if (header.getUint32(4, true) !== bytes.length) bad(OUTCOME.badLength, header.getUint32(4, true), bytes.length);
    if (header.getUint32(8, true) !== fnv1a(bytes.subarray(12))) bad(OUTCOME.badChecksum, header.getUint32(8, true), fnv1a(bytes.subarray(12)));
    Atomics.store(c32, C.received, n + 1);
  }
}
