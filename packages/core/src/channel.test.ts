import assert from "node:assert/strict";
import { describe, it } from "vitest";
import type { Backend } from "./backend.ts";
import { CHANNEL_HEADER, Channel, type ChannelOptions, RING_CONTROL } from "./channel.ts";
import { R } from "./channel-ring.ts";
import { MmapError } from "./errors.ts";
import { Mapping } from "./mapping.ts";

/**
 * A backend without a shim or a second process: the mapping is plain memory, a futex wait
 * returns at once after running `onWait` (where a test plays the peer), an async futex wait
 * ends only when notify() wakes it (never at its timeout; `onNotify` runs first), every pid is alive.
 * Plain JS cannot alias part of an ArrayBuffer, so a window (a zero-copy view) is a copy of
 * the bytes here: what a receive view shows is checked, what is written into a reservation
 * is not (the conformance suite checks that over real memory).
 */
function fakeMemory(size: number) {
  const memory = new ArrayBuffer(size);
  const hooks = { onWait: () => {}, onNotify: () => {}, waits: 0, unmaps: 0, asleep: [] as { addr: bigint; wake: (result: number) => void }[] };
  const backend = {
    name: "fake",
    libraryPath: "/fake/libmemmap.so",
    maxArrayBufferLength: 2 ** 32,
    address: (view: ArrayBufferView) => BigInt(view.byteOffset),
    arrayBuffer: (addr: bigint, length: number) => (addr === 0n && length === size ? memory : memory.slice(Number(addr), Number(addr) + length)),
    wait: () => {
      hooks.waits++;
      hooks.onWait();
      return 0;
    },
    waitAsync: (addr: bigint) => new Promise<number>((wake) => hooks.asleep.push({ addr, wake })),
    // Wakes the oldest `count` async waiters on `addr` (-1: all), as FUTEX_WAKE does.
    notify: (addr: bigint, count: number) => {
      hooks.onNotify();
      const woken = hooks.asleep.filter((w) => w.addr === addr).slice(0, count < 0 ? undefined : count);
      hooks.asleep = hooks.asleep.filter((w) => !woken.includes(w));
      for (const w of woken) w.wake(0);
      return woken.length;
    },
    yield: () => {},
    processTag: () => 1,
    childExit: () => -11,
    unmap: () => {
      hooks.unmaps++;
      return 0n;
    },
  } as Partial<Backend> as Backend;
  const mapping = Mapping.create({
    region: { backend, pageSize: 4096, base: 0n, mapLength: size, fd: -1, released: false },
    mode: "readwrite",
    offset: 0,
    delta: 0,
    length: size,
    flags: 1,
  });
  return { backend, mapping, hooks, i32: new Int32Array(memory) };
}

/** Both ends of a channel over fake memory, in this one process; `start` is where ring 0's head and tail begin. */
function pair(capacity = 1024, options: ChannelOptions = {}, start = 0) {
  const fake = fakeMemory(CHANNEL_HEADER + 2 * capacity);
  const creator = Channel.createOn(fake.backend, fake.mapping, { capacity, ...options });
  fake.i32[RING0 + R.head] = start | 0;
  fake.i32[RING0 + R.tail] = start | 0;
  const attacher = Channel.attachTo(fake.backend, fake.mapping, { spin: options.spin });
  return { ...fake, creator, attacher };
}

/** Lets pending promises and timers run until `done()`, or fails after 1000 turns of the event loop. */
async function turnsUntil(done: () => boolean, what: string): Promise<void> {
  for (let turn = 0; !done(); turn++) {
    if (turn === 1000) assert.fail(`${what}: not after 1000 turns of the event loop`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const content = (length: number, seed: number) => Uint8Array.from({ length }, (_, i) => (seed * 13 + i) & 255);
const code = (expected: string) => (e: unknown) => e instanceof MmapError && e.code === expected;
/** Word index of ring 0's control block (the creator -> attacher ring). */
const RING0 = RING_CONTROL[0]! / 4;

describe("Channel over a fake backend", () => {
  it("messages cross the 2^32 wrap of head and tail intact, through receive, receiveInto and receiveView", () => {
    const { creator, attacher, i32 } = pair(1024, {}, 2 ** 32 - 96);
    const into = new Uint8Array(600);
    for (let n = 0; n < 300; n++) {
      const message = content((n * 53) % (creator.maxMessage + 1), n);
      creator.send(message);
      if (n % 3 === 0) assert.deepEqual(attacher.receive(0), message);
      else if (n % 3 === 1) assert.deepEqual(into.subarray(0, attacher.receiveInto(into, 0)!), message);
      else {
        assert.deepEqual(attacher.receiveView(0), message);
        attacher.release();
      }
    }
    assert.ok(i32[RING0 + R.head]! >>> 0 < 2 ** 20, "head wrapped");
  });

  it("a channel created over memory that held something else reads none of it as a message", () => {
    const fake = fakeMemory(CHANNEL_HEADER + 2 * 1024);
    // Every word looks like a published record of 8 bytes (layout 2's READY | length).
    new Uint32Array(fake.i32.buffer).fill(0x80000008);
    const creator = Channel.createOn(fake.backend, fake.mapping, { capacity: 1024 });
    const attacher = Channel.attachTo(fake.backend, fake.mapping);
    assert.throws(() => attacher.receive(0), code("ETIMEDOUT"), "no message in the attacher's ring");
    assert.throws(() => creator.receive(0), code("ETIMEDOUT"), "none in the creator's");
    for (let n = 0; n < 50; n++) {
      creator.send(content(n, n));
      assert.deepEqual(attacher.receive(0), content(n, n));
      attacher.send(content(2 * n, n));
      assert.deepEqual(creator.receive(0), content(2 * n, n));
    }
  });

  it("a channel of another layout version (an older memmap's) is ERR_CHANNEL_LAYOUT naming both, and so are no channel and a header the mapping cannot hold", () => {
    const fake = fakeMemory(CHANNEL_HEADER + 2 * 1024);
    assert.throws(() => Channel.attachTo(fake.backend, fake.mapping), code("ERR_CHANNEL_LAYOUT"), "nothing created yet");
    // A version 2 header whose capacity this mapping cannot hold, or no channel has.
    fake.i32.set([0x4d4d4348, 2, 4096, 4242, 0, 0]);
    assert.throws(
      () => Channel.attachTo(fake.backend, fake.mapping),
      (e: unknown) => code("ERR_CHANNEL_LAYOUT")(e) && /needs a mapping of/.test(String(e)),
    );
    fake.i32.set([0x4d4d4348, 2, 1000, 4242, 0, 0]);
    assert.throws(
      () => Channel.attachTo(fake.backend, fake.mapping),
      (e: unknown) => code("ERR_CHANNEL_LAYOUT")(e) && /no channel has/.test(String(e)),
    );
    // Layout version 1's header, as 0.x releases before version 2 wrote it.
    fake.i32.set([0x4d4d4348, 1, 1024, 4242, 0, 0]);
    assert.throws(
      () => Channel.attachTo(fake.backend, fake.mapping),
      (e: unknown) => code("ERR_CHANNEL_LAYOUT")(e) && /layout version 1\b.*version 2/.test((e as Error).message),
    );
  });

  it("a second attach in the process that attached already is ERR_CHANNEL_BUSY, while the pid create({ peer }) named attaches once", () => {
    // Two ends of one side would consume one single-consumer ring between them.
    const { backend, mapping, attacher } = pair(256);
    assert.throws(
      () => Channel.attachTo(backend, mapping),
      (e: unknown) => code("ERR_CHANNEL_BUSY")(e) && /already attached in this process/.test((e as Error).message),
    );
    attacher.send("still the one end");
    const named = fakeMemory(CHANNEL_HEADER + 2 * 256);
    Channel.createOn(named.backend, named.mapping, { peer: process.pid });
    const end = Channel.attachTo(named.backend, named.mapping);
    assert.throws(() => Channel.attachTo(named.backend, named.mapping), code("ERR_CHANNEL_BUSY"));
    end.send("named");
  });

  it("records that reach the ring's end are padded: a full ring's worth of mixed sizes, many times round", () => {
    const { creator, attacher } = pair(256);
    for (let n = 0; n < 2000; n++) {
      const message = content(((n * 2654435761) >>> 0) % (creator.maxMessage + 1), n);
      creator.send(message, 0);
      const view = attacher.receiveView(0);
      assert.deepEqual(view, message, `message ${n}`);
      attacher.release();
    }
  });

  it("a view is detached by release(): it reads nothing, and never a later message in its slot", () => {
    const { creator, attacher } = pair(256);
    creator.send(content(100, 1));
    const view = attacher.receiveView(0)!;
    assert.deepEqual(view, content(100, 1));
    attacher.release();
    assert.equal(view.length, 0, "detached");
    assert.equal(view[0], undefined);
    // Round the 256-byte ring until the released slot holds other messages.
    for (let n = 0; n < 10; n++) {
      creator.send(content(100, n + 2));
      assert.deepEqual(attacher.receiveView(0), content(100, n + 2));
      attacher.release();
    }
    assert.equal(view.length, 0, "still nothing");
    attacher.release(); // a second release is a no-op
  });

  it("while a view is held, every receive is ERR_CHANNEL_VIEW_HELD and the message stays first in line", () => {
    const { creator, attacher } = pair();
    creator.send("one");
    creator.send("two");
    const view = attacher.receiveView(0)!;
    assert.throws(() => attacher.receive(0), code("ERR_CHANNEL_VIEW_HELD"));
    assert.throws(() => attacher.receiveInto(new Uint8Array(10), 0), code("ERR_CHANNEL_VIEW_HELD"));
    assert.throws(() => attacher.receiveView(0), code("ERR_CHANNEL_VIEW_HELD"));
    assert.equal(new TextDecoder().decode(view), "one");
    attacher.release();
    assert.equal(new TextDecoder().decode(attacher.receive(0)!), "two");
  });

  it("receiveViewAsync and receiveAsync take a waiting message without leaving the JS thread, under the same rules", async () => {
    const { creator, attacher } = pair();
    creator.send(content(30, 4));
    const view = (await attacher.receiveViewAsync(0))!;
    assert.deepEqual(view, content(30, 4));
    await assert.rejects(attacher.receiveAsync(0), code("ERR_CHANNEL_VIEW_HELD"));
    attacher.release();
    await creator.sendAsync(content(20, 5), 0);
    assert.deepEqual(await attacher.receiveAsync(0), content(20, 5));
    creator.close();
    assert.equal(await attacher.receiveViewAsync(0), null, "null once the peer closed and all was read");
  });

  it("closing the mapping or the channel detaches the views they hold", () => {
    {
      const { creator, attacher, mapping } = pair();
      creator.send(content(50, 1));
      const view = attacher.receiveView(0)!;
      const room = creator.reserve(40);
      mapping.close();
      assert.equal(view.length, 0, "a held view goes with the mapping");
      assert.equal(room.length, 0, "so does a reservation");
      attacher.release(); // nothing left to give back
    }
    {
      const { creator, attacher } = pair();
      creator.send(content(50, 1));
      const view = attacher.receiveView(0)!;
      const room = creator.reserve(40);
      attacher.close();
      creator.close();
      assert.equal(view.length, 0);
      assert.equal(room.length, 0);
    }
  });

  it("reserve() and commit(): the rules, and what the peer then receives", () => {
    const { creator, attacher } = pair(256);
    assert.throws(() => creator.reserve(creator.maxMessage + 1), RangeError, "larger than the ring takes");
    assert.throws(() => creator.reserve(10_000_000), /larger than this channel takes/);
    assert.throws(() => creator.reserve(-1), RangeError);
    assert.throws(() => creator.reserve(1.5), RangeError);
    assert.throws(() => creator.reserve("8" as never), TypeError);
    assert.throws(() => creator.commit(), code("ERR_CHANNEL_NOT_RESERVED"));
    const room = creator.reserve(64);
    assert.equal(room.length, 64);
    assert.throws(() => creator.send("x"), code("ERR_CHANNEL_VIEW_HELD"));
    assert.throws(() => creator.reserve(8), code("ERR_CHANNEL_VIEW_HELD"));
    assert.throws(() => creator.commit(65), RangeError);
    assert.throws(() => attacher.receive(0), code("ETIMEDOUT"), "nothing is visible before commit()");
    creator.commit(10);
    assert.equal(room.length, 0, "the reservation is detached once committed");
    assert.equal(attacher.receive(0)!.length, 10, "commit(length) sends the first length bytes");
    const empty = creator.reserve(0);
    assert.equal(empty.length, 0);
    creator.commit();
    assert.equal(attacher.receiveView(0)!.length, 0, "an empty message");
    attacher.release();
    // Reservations go round the ring like messages: padded at its end.
    for (let n = 0; n < 100; n++) {
      creator.reserve((n * 31) % creator.maxMessage);
      creator.commit();
      assert.equal(attacher.receive(0)!.length, (n * 31) % creator.maxMessage);
    }
  });

  it("a reserve() that waits for room gets it once the peer releases a view", () => {
    const { creator, attacher, hooks } = pair(256, { spin: 0 });
    // Three 64-byte records fill a 256-byte ring (8 bytes stay for the next record's mark).
    for (let n = 0; n < 3; n++) {
      creator.reserve(56);
      creator.commit();
    }
    assert.throws(() => creator.reserve(56, 0), code("ETIMEDOUT"), "the ring is full");
    hooks.onWait = () => {
      attacher.receiveView(0);
      attacher.release();
    };
    assert.equal(creator.reserve(56, 2000).length, 56);
    creator.commit();
  });

  it("two receiveAsync() waiting at once on one end get a message each, never the same one twice", async () => {
    const { creator, attacher, hooks } = pair(1024, { spin: 0 });
    const both = [attacher.receiveAsync(), attacher.receiveAsync()];
    await turnsUntil(() => hooks.asleep.length === 2, "both receives asleep on the futex");
    // Two messages at once: both receivers wake, and both run before either returned.
    creator.send(content(40, 1));
    creator.send(content(50, 2));
    const got = await Promise.all(both);
    got.sort((a, b) => a!.length - b!.length);
    // (The old code gave both receivers the first, and consumed it twice.)
    assert.deepEqual(got, [content(40, 1), content(50, 2)], "one message each");
    creator.send(content(60, 3));
    assert.deepEqual(await attacher.receiveAsync(0), content(60, 3), "the ring is intact after them");
  });

  it("a receiveAsync() still asleep when another one on its end returns is woken by the next message", async () => {
    const { creator, attacher, hooks } = pair(1024, { spin: 0 });
    const first = attacher.receiveAsync();
    const second = attacher.receiveAsync();
    let secondDone = false;
    void second.then(() => (secondDone = true));
    await turnsUntil(() => hooks.asleep.length === 2, "both receives asleep on the futex");
    creator.send(content(40, 1)); // wakes both; the first returns with it, the other sleeps again
    assert.deepEqual(await first, content(40, 1));
    await turnsUntil(() => hooks.asleep.length === 1, "the other one asleep again");
    // Its end still says a receiver may sleep, so the sender wakes it (the old code had let
    // the first receiver clear that: the sender skipped the wake, and the receiver slept on
    // until its 100 ms liveness check).
    creator.send(content(50, 2));
    await turnsUntil(() => secondDone, "the second receive woken by the second message");
    assert.deepEqual(await second, content(50, 2));
  });

  it("a receiveAsync whose mapping closes between its checks of the peer ends with ERR_CHANNEL_CLOSED, not a TypeError", async () => {
    const { attacher, mapping } = pair(1024, { spin: 0 });
    const pending = attacher.receiveAsync(60_000);
    // It is now past its spin, awaiting its look for dead children before it sleeps.
    mapping.close();
    await assert.rejects(pending, code("ERR_CHANNEL_CLOSED"));
  });

  it("a mapping closed under async waits clears the may-sleep flags they set and ends them at once", async () => {
    const { creator, attacher, mapping, hooks, i32 } = pair(256, { spin: 0 });
    for (let n = 0; n < 3; n++) attacher.send(content(56, n)); // ring 1 full: a send must wait for room
    const receive = attacher.receiveAsync(); // for a record on ring 0
    const send = attacher.sendAsync(content(56, 3));
    await turnsUntil(() => hooks.asleep.length === 2, "both asleep on the futex");
    const flags = [RING0 + R.consumerWaiting, RING_CONTROL[1]! / 4 + R.producerWaiting];
    assert.deepEqual(
      flags.map((f) => i32[f]),
      [1, 1],
    );
    // The fake's memory is gone (detached) once close() returns: look at the flags at each wake.
    const atWakes: number[][] = [];
    hooks.onNotify = () => atWakes.push(flags.map((f) => i32[f]!));
    mapping.close();
    // (The old code left both set, so the creator would have made a futex call per message and per
    // receive for a sleeper that was gone, and woke neither wait: here, where only notify() ends one, they slept forever.)
    assert.deepEqual(atWakes.at(-1), [0, 0], "the flags, cleared before the memory went");
    await assert.rejects(receive, code("ERR_CHANNEL_CLOSED"));
    await assert.rejects(send, code("ERR_CHANNEL_CLOSED"));
    assert.equal(hooks.asleep.length, 0);
    creator.close();
  });

  it("an async wait still on its way to the futex when the mapping closes (it then fails, EFAULT) ends with ERR_CHANNEL_CLOSED", async () => {
    const { attacher, mapping, hooks } = pair(256, { spin: 0 });
    const pending = attacher.receiveAsync();
    await turnsUntil(() => hooks.asleep.length === 1, "the wait handed to the futex");
    // Not in the kernel yet (off the JS thread, a wait is a message to a worker): close()'s wake misses it.
    const onItsWay = hooks.asleep.pop()!;
    mapping.close();
    onItsWay.wake(-14); // what the futex says of memory that is gone
    // (The old code rejected with the wait's own error: EFAULT from a real futex, here the fake's TypeError.)
    await assert.rejects(pending, code("ERR_CHANNEL_CLOSED"));
  });

  it("a closed Channel whose mapping was resized since is ERR_CHANNEL_CLOSED, never a TypeError from the detached words", () => {
    const { creator, attacher, mapping, i32 } = pair(256);
    creator.close();
    attacher.close();
    // What resize() does to the views under a Channel (the fake cannot remap): detach them.
    i32.buffer.transfer(0);
    assert.equal(mapping.closed, false);
    for (const end of [creator, attacher]) {
      end.close();
      end[Symbol.dispose]();
      assert.throws(() => end.send("x"), code("ERR_CHANNEL_CLOSED"));
      assert.throws(() => end.receive(0), code("ERR_CHANNEL_CLOSED"));
      assert.throws(() => end.receiveInto(new Uint8Array(8), 0), code("ERR_CHANNEL_CLOSED"));
    }
  });

  it("Mapping.close() unmaps and detaches every view even when a user's detach() throws, and throws that error after", () => {
    const { mapping, hooks } = fakeMemory(4096);
    const view = mapping.bytes;
    mapping.occupy({
      what: "a user",
      detach: () => {
        throw new Error("the user's detach failed");
      },
    });
    assert.throws(() => mapping.close(), /the user's detach failed/);
    assert.equal(view.length, 0, "the view is detached");
    assert.equal(hooks.unmaps, 1, "the memory is unmapped");
    assert.equal(mapping.closed, true);
  });

  it("a sendAsync waiting for room while a reserve() is open is ERR_CHANNEL_VIEW_HELD, and the reserved message arrives whole", async () => {
    const { creator, attacher, hooks } = pair(256, { spin: 0 });
    for (let n = 0; n < 3; n++) creator.send(content(56, n)); // the ring is full
    let outcome: string | undefined;
    void creator.sendAsync(content(56, 9)).then(
      () => (outcome = "sent"),
      (e: { code?: string }) => (outcome = e.code),
    );
    await turnsUntil(() => hooks.asleep.length === 1, "the sendAsync asleep, waiting for room");
    assert.deepEqual(attacher.receive(0), content(56, 0)); // room: wakes the sendAsync
    creator.reserve(56); // before the woken sendAsync runs: the room is the reservation's

    await turnsUntil(() => outcome !== undefined, "the woken sendAsync settled");
    // (The old code sent it into the reserved room: commit() then wrote over it, and a message was lost.)
    assert.equal(outcome, "ERR_CHANNEL_VIEW_HELD");
    creator.commit();
    for (const n of [1, 2]) assert.deepEqual(attacher.receive(0), content(56, n));
    assert.equal(attacher.receive(0)!.length, 56, "the reserved message (the fake's window is a copy, so only its length tells)");
    assert.throws(() => attacher.receive(0), code("ETIMEDOUT"), "and nothing else");
  });

  it("an async receive or send still waiting when its own end closes ends with ERR_CHANNEL_CLOSED, not at its timeout", async () => {
    const outcome = (p: Promise<unknown>) =>
      p.then(
        () => "resolved",
        (e: { code?: string }) => e.code,
      );
    for (const side of ["creator", "attacher"] as const) {
      // A receive with nothing to receive; the old code let it sleep on after close(), as no message came.
      const receiving = pair(256, { spin: 0 });
      let receive: string | undefined;
      void outcome(receiving[side].receiveAsync(60_000)).then((r) => (receive = r));
      await turnsUntil(() => receiving.hooks.asleep.length === 1, `the ${side}'s receive asleep on the futex`);
      receiving[side].close();
      await turnsUntil(() => receive !== undefined, `the ${side}'s receive ended by its own close()`);
      assert.equal(receive, "ERR_CHANNEL_CLOSED");
    }
    // A send with no room: 3 records of 56 bytes fill a 256-byte ring.
    const sending = pair(256, { spin: 0 });
    for (let n = 0; n < 3; n++) sending.creator.send(content(56, n));
    let send: string | undefined;
    void outcome(sending.creator.sendAsync(content(56, 9), 60_000)).then((r) => (send = r));
    await turnsUntil(() => sending.hooks.asleep.length === 1, "the send asleep on the futex");
    sending.creator.close();
    await turnsUntil(() => send !== undefined, "the send ended by its own close()");
    assert.equal(send, "ERR_CHANNEL_CLOSED");
  });

  it("a sender blocked on a full ring ends with ERR_CHANNEL_CLOSED when the peer closes, not at its timeout", () => {
    const { creator, attacher, hooks } = pair(256, { spin: 0 });
    for (let n = 0; n < 3; n++) creator.send(content(56, n)); // the ring is full
    hooks.onWait = () => attacher.close();
    const started = performance.now();
    assert.throws(() => creator.send(content(56, 9), 2000), code("ERR_CHANNEL_CLOSED"));
    assert.ok(performance.now() - started < 1000, "not at the timeout");
    assert.equal(hooks.waits, 1, "woken by the close");
    // The same for a reserve() waiting for room.
    const other = pair(256, { spin: 0 });
    for (let n = 0; n < 3; n++) other.creator.send(content(56, n));
    other.hooks.onWait = () => other.attacher.close();
    assert.throws(() => other.creator.reserve(56, 2000), code("ERR_CHANNEL_CLOSED"));
  });

  it("spin policies: 0 sleeps at once, a number spins first, busy never sleeps; each times out with ETIMEDOUT", () => {
    for (const spin of [0, 20, "adaptive", "busy"] as const) {
      const { creator, attacher, hooks } = pair(1024, { spin });
      assert.throws(() => attacher.receive(5), code("ETIMEDOUT"), `spin ${spin}`);
      if (spin === "busy") assert.equal(hooks.waits, 0, "busy never waits on the futex");
      else assert.ok(hooks.waits > 0, `spin ${spin} sleeps after its spin`);
      if (spin === "busy") continue; // nothing else runs while this thread spins
      // A message that arrives during the wait ends it.
      hooks.onWait = () => creator.send("late");
      assert.equal(new TextDecoder().decode(attacher.receive(2000)!), "late");
    }
    const { backend, mapping } = fakeMemory(4096);
    assert.throws(() => Channel.createOn(backend, mapping, { spin: "fast" as never }), TypeError);
    assert.throws(() => Channel.createOn(backend, mapping, { spin: -1 }), RangeError);
    assert.throws(() => Channel.createOn(backend, mapping, { spin: Number.NaN }), RangeError);
    Channel.createOn(backend, mapping, {});
    assert.throws(() => Channel.attachTo(backend, mapping, { spin: {} as never }), TypeError);
  });

  it("the adaptive spin stops yielding to a peer that runs on a core of its own, and still yields to one on its core", () => {
    // A fake clock (µs) that moves 0.1 per look at it (64 reads of the ring) and 1 per
    // sched_yield (an FFI call), and the peer played from inside it: it takes the ping at
    // `takeAt` and answers at `replyAt`, or (on this core) does both only when this side yields.
    const { creator, attacher, backend, hooks } = pair(1024);
    let us = 0;
    let takeAt = Number.POSITIVE_INFINITY;
    let replyAt = Number.POSITIVE_INFINITY;
    let onThisCore = false;
    /** One way: this side only receives; the peer, on this core, sends when this side yields. */
    let streaming = false;
    let yields = 0;
    let inPeer = false;
    const peer = () => {
      if (inPeer) return; // the peer's own calls read the clock too
      inPeer = true;
      if (us >= takeAt) {
        takeAt = Number.POSITIVE_INFINITY;
        assert.equal(new TextDecoder().decode(attacher.receive(0)!), "ping");
      }
      if (us >= replyAt) {
        replyAt = Number.POSITIVE_INFINITY;
        attacher.send("pong");
      }
      inPeer = false;
    };
    (backend as { yield: () => void }).yield = () => {
      yields++;
      us += 1;
      if (streaming) return void attacher.send("data");
      if (onThisCore) [takeAt, replyAt] = [us, us];
      peer();
    };
    const realNow = performance.now;
    Object.defineProperty(performance, "now", {
      configurable: true,
      value: () => {
        us += 0.1;
        peer();
        return us / 1000;
      },
    });
    /** `count` round trips, the peer taking each ping `takeUs` after it was sent and answering `replyUs` after: the yields they took. */
    const roundTrips = (count: number, takeUs: number, replyUs: number) => {
      const y0 = yields;
      for (let i = 0; i < count; i++) {
        creator.send("ping");
        [takeAt, replyAt] = onThisCore ? [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY] : [us + takeUs, us + replyUs];
        peer();
        assert.equal(new TextDecoder().decode(creator.receive()!), "pong");
      }
      return yields - y0;
    };
    try {
      roundTrips(8, 30, 30); // the peer was preempted for a while: replies came only after yielding
      // Its own core again: taking each ping at once and answering in 2 µs (inside the 5 µs yield-free spin)...
      roundTrips(100, 0, 2);
      const fast = roundTrips(500, 0, 2);
      assert.equal(fast, 0, `replies in 2 µs are waited for without a sched_yield (${fast} yields in 500 round trips)`);
      // ...or taking it after 1 µs and answering after 8 (a peer slowed by its own yields).
      roundTrips(8, 30, 30);
      roundTrips(100, 1, 8);
      const slow = roundTrips(500, 1, 8);
      assert.equal(slow, 0, `a peer seen taking the message is waited for without a sched_yield (${slow} yields in 500 round trips)`);
      onThisCore = true;
      roundTrips(100, 0, 0);
      const t0 = us;
      const shared = roundTrips(500, 0, 0);
      assert.ok(shared >= 500, "a peer on this core is yielded to at every hand-over");
      const perHandOver = (us - t0) / 500;
      assert.ok(perHandOver < 2, `a hand-over on a shared core took ${perHandOver} µs on average: the spin keeps the core too long`);
      // A one-way stream on a shared core: this side has sent nothing the peer could be seen
      // taking, so nothing says the peer has a core of its own: it must be yielded to.
      streaming = true;
      hooks.onWait = () => attacher.send("data"); // a spin that never yields ends on the futex
      const waits0 = hooks.waits;
      const t1 = us;
      for (let i = 0; i < 200; i++) assert.equal(new TextDecoder().decode(creator.receive()!), "data");
      // (The first wait may still trust the peer once: the pings it took since this side last looked.)
      assert.ok(hooks.waits - waits0 <= 1, `messages came from yields, not after sleeping on the futex (${hooks.waits - waits0} of 200 did)`);
      const perMessage = (us - t1) / 200;
      assert.ok(perMessage < 7, `a one-way message on a shared core took ${perMessage} µs on average: the spin kept the core instead of yielding`);
    } finally {
      Object.defineProperty(performance, "now", { configurable: true, writable: true, value: realNow });
    }
  });
});
