import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import type { ChildHandle } from "../fork.ts";
import { procState, procStatFields } from "./proc.ts";
import { emulator, isLinux, isWindows, pattern, sleep, type Suite, throwsLike, until, withTempDir } from "./context.ts";

/** A child script (plain JS, so every runtime runs it) that imports memmap as `m`. */
function childScript(dir: string, name: string, entry: string, body: string): string {
  const path = join(dir, `${name}.mjs`);
  writeFileSync(path, `const m = await import(${JSON.stringify(entry)});\n${body}\n`);
  return path;
}

/** Runs fn with the child, and never leaves it running. */
async function withChild<T>(child: ChildHandle, fn: (child: ChildHandle) => Promise<T>): Promise<T> {
  let done = false;
  void child.exited.then(
    () => (done = true),
    () => (done = true),
  );
  try {
    return await fn(child);
  } finally {
    if (!done) {
      child.kill("SIGKILL");
      await child.exited.catch(() => {});
    }
  }
}

const shmNames = () => (existsSync("/dev/shm") ? readdirSync("/dev/shm").sort() : []);

/** fork/inherited, wait/notify, Mutex, Channel and openShared, with children of every runtime. */
export function ipcCases({ describe, it, memmap, children, self }: Suite): void {
  const { fork, mapAnonymous, map, wait, waitAsync, notify, Mutex, Channel, openShared, unlinkShared, MmapError } = memmap;
  const other = Object.entries(children);
  /** fork() with a child of runtime `rt`. */
  const forkOn = (rt: Suite["children"][string], script: string, options: Parameters<typeof fork>[1] = {}) =>
    fork(script, { ...options, execPath: rt.execPath, runtimeArgs: rt.runtimeArgs });

  describe("fork and inherited mappings", () => {
    for (const [name, rt] of other) {
      it(
        `${self} -> ${name}: the child gets anonymous memory and a file mapping, same length and mode; writes meet`,
        () =>
          withTempDir(async (dir) => {
            const shmBefore = shmNames();
            const filePath = join(dir, "shared.txt");
            writeFileSync(filePath, "0123456789".repeat(10));
            const anon = mapAnonymous(4096);
            const file = map(filePath, { mode: "readwrite", offset: 10, length: 50 });
            const script = childScript(
              dir,
              "child",
              rt.entry,
              `
            const { anon, file } = m.inherited();
            file.bytes.set(new TextEncoder().encode("from child"), 0);
            file.flush();
            const report = JSON.stringify({ anon: [anon.length, anon.mode], file: [file.length, file.mode, file.offset], zero: anon.bytes[100] });
            anon.bytes.set(new TextEncoder().encode(report), 8);
            new Int32Array(anon.bytes.buffer, 0, 1)[0] = report.length;
          `,
            );
            const child = forkOn(rt, script, { share: { anon, file }, stdio: "inherit" });
            assert.ok(child.pid! > 0);
            const exit = await withChild(child, (c) => c.exited);
            assert.deepEqual(exit, { code: 0, signal: null });
            const length = new Int32Array(anon.bytes.buffer, 0, 1)[0]!;
            const report = JSON.parse(new TextDecoder().decode(anon.bytes.subarray(8, 8 + length)));
            assert.deepEqual(report, { anon: [4096, "readwrite"], file: [50, "readwrite", 10], zero: 0 });
            assert.equal(new TextDecoder().decode(file.bytes.subarray(0, 10)), "from child", "the parent's mapping sees the child's write");
            file.close();
            anon.close();
            assert.equal(readFileSync(filePath, "utf8").slice(10, 20), "from child");
            assert.deepEqual(shmNames(), shmBefore, "no shared memory name was created");
          }),
        60_000,
      );
    }

    if (isLinux) {
      it(
        "a child keeps the memory when its parent is SIGKILLed, and no name is left anywhere",
        () =>
          withTempDir(async (dir) => {
            const rt = children[self]!;
            const shmBefore = shmNames();
            const leaf = childScript(
              dir,
              "leaf",
              rt.entry,
              `
            import("node:fs").then(({ renameSync, writeFileSync }) => {
              const { shm } = m.inherited();
              const out = ${JSON.stringify(join(dir, "leaf.out"))};
              // Write then rename, so the test never reads a half-written file.
              setInterval(() => { shm.bytes[1]++; writeFileSync(out + ".tmp", shm.bytes[0] + "," + shm.bytes[1]); renameSync(out + ".tmp", out); }, 10);
            });
          `,
            );
            const middle = childScript(
              dir,
              "middle",
              rt.entry,
              `
            const { renameSync, writeFileSync } = await import("node:fs");
            const shm = m.mapAnonymous(4096, { name: "orphan-case" });
            shm.bytes[0] = 123;
            const leaf = m.fork(${JSON.stringify(leaf)}, { share: { shm }, execPath: ${JSON.stringify(rt.execPath)}, runtimeArgs: ${JSON.stringify(rt.runtimeArgs)} });
            const out = ${JSON.stringify(join(dir, "leaf.pid"))};
            writeFileSync(out + ".tmp", String(leaf.pid));
            renameSync(out + ".tmp", out);
            setInterval(() => {}, 1000);
          `,
            );
            const child = forkOn(rt, middle);
            const out = () => readFileSync(join(dir, "leaf.out"), "utf8");
            // Two nested runtimes start in a second or two, in tens of seconds under qemu.
            const limit = emulator ? 600_000 : 50_000;
            let leafPid = 0;
            try {
              await withChild(child, async (c) => {
                // Each file is written once its process runs: the middle's names the leaf, the leaf's shows it writing.
                await until(() => existsSync(join(dir, "leaf.pid")) && existsSync(join(dir, "leaf.out")), "the middle process and its child running", limit);
                leafPid = Number(readFileSync(join(dir, "leaf.pid"), "utf8"));
                assert.ok(leafPid > 0, "the middle process started its child");
                c.kill("SIGKILL");
                assert.equal((await c.exited).signal, "SIGKILL");
              });
              const before = out();
              await until(() => out() !== before, "the orphan writing again after its parent's SIGKILL", limit);
              const after = out();
              assert.equal(after.split(",")[0], "123", "the orphan still reads its parent's write");
              assert.match(readFileSync(`/proc/${leafPid}/maps`, "utf8"), /memfd:memmap:orphan-case/);
              assert.deepEqual(shmNames(), shmBefore, "no name in /dev/shm");
            } finally {
              if (leafPid > 0) process.kill(leafPid, "SIGKILL");
            }
          }),
        60_000,
      );
    }

    it("a runtime that cannot start is ERR_FORK at the call (a handle always has a pid), and bad options are TypeError/RangeError", async () => {
      // Under qemu-user the runtime's spawn reports a missing program as exit 127, not as an error.
      if (!emulator) {
        const shm = mapAnonymous(4096);
        const e = throwsLike(
          () => fork("/nonexistent/module.mjs", { execPath: "/nonexistent/runtime", stdio: "ignore", share: { shm } }),
          MmapError,
          /could not start \/nonexistent\/runtime/,
        );
        assert.equal((e as InstanceType<typeof MmapError>).code, "ERR_FORK");
        // The spawn's own "error" event comes later: it must not reach the process as an uncaught error.
        await sleep(50);
        shm.close();
      }
      throwsLike(() => fork(5 as never), TypeError);
      throwsLike(() => fork("x.mjs", { share: { a: {} as never } }), TypeError);
      throwsLike(() => fork("x.mjs", { stdio: "loud" as never }), RangeError);
    });
  });

  describe("wait and notify across processes", () => {
    it("wait reports not-equal and timed-out; notify with no waiter wakes 0; only mapped memory is accepted", () => {
      const anon = mapAnonymous(64);
      const i32 = new Int32Array(anon.bytes.buffer);
      assert.equal(wait(i32, 0, 5), "not-equal");
      const started = performance.now();
      assert.equal(wait(i32, 0, 0, 30), "timed-out");
      assert.ok(performance.now() - started >= 25);
      assert.equal(notify(i32, 0), 0);
      throwsLike(() => wait(new Int32Array(4), 0, 0, 1), TypeError, /Atomics\.wait/);
      throwsLike(() => wait(i32, 16, 0, 1), RangeError);
      throwsLike(() => wait(i32, 0, 0, -1), RangeError);
      anon.close();
      throwsLike(() => notify(i32, 0), TypeError);
    });

    for (const [name, rt] of other) {
      it(
        `${self} <-> ${name}: a child wakes the parent's waitAsync, and the parent wakes the child's blocking wait`,
        () =>
          withTempDir(async (dir) => {
            const anon = mapAnonymous(64);
            const i32 = new Int32Array(anon.bytes.buffer);
            const script = childScript(
              dir,
              "waiter",
              rt.entry,
              `
            const i = new Int32Array(m.inherited().anon.bytes.buffer);
            await new Promise((r) => setTimeout(r, 50));
            Atomics.store(i, 0, 1);
            m.notify(i, 0);
            const r = m.wait(i, 1, 0, 20000);
            i[2] = r === "ok" || r === "not-equal" ? 2 : 3;
          `,
            );
            const child = forkOn(rt, script, { share: { anon } });
            await withChild(child, async (c) => {
              const r = await waitAsync(i32, 0, 0, 20_000);
              assert.ok(r === "ok" || r === "not-equal", r);
              assert.equal(Atomics.load(i32, 0), 1);
              Atomics.store(i32, 1, 1);
              while (notify(i32, 1) === 0 && Atomics.load(i32, 2) === 0) await sleep(5);
              assert.deepEqual(await c.exited, { code: 0, signal: null });
            });
            assert.equal(i32[2], 2);
            anon.close();
          }),
        60_000,
      );
    }
  });

  describe("Mutex", () => {
    // The Mutex takes words 0 and 1 (owner pid, owner identity); the holder scripts say on word 2 that they hold it.
    const HELD = 2;
    const holderScript = (dir: string, entry: string) =>
      childScript(
        dir,
        "holder",
        entry,
        `
      const i = new Int32Array(m.inherited().anon.bytes.buffer);
      const guard = new m.Mutex(i, 0).lock();
      Atomics.store(i, ${HELD}, 1);
      m.notify(i, ${HELD});
      setInterval(() => {}, 1000);
    `,
      );

    it(
      "a holder that is SIGKILLed is detected: the next lock() succeeds and reports ownerDied",
      () =>
        withTempDir(async (dir) => {
          const rt = children[self]!;
          const anon = mapAnonymous(64);
          const i32 = new Int32Array(anon.bytes.buffer);
          const mutex = new Mutex(i32, 0);
          const script = holderScript(dir, rt.entry);
          const child = forkOn(rt, script, { share: { anon } });
          await withChild(child, async (c) => {
            assert.notEqual(await waitAsync(i32, HELD, 0, 20_000), "timed-out");
            assert.equal(Atomics.load(i32, 0), c.pid, "the word holds the owner's pid");
            assert.equal(mutex.tryLock(), undefined, "held by a live process");
            throwsLike(() => mutex.lock(20), MmapError, /still held/);
            c.kill("SIGKILL");
            await c.exited;
          });
          const guard = mutex.lock(5000);
          assert.equal(guard.ownerDied, true);
          throwsLike(() => mutex.lock(), MmapError, /already holds/);
          guard.unlock();
          guard.unlock(); // a guard releases once
          {
            using again = mutex.lock();
            assert.equal(again.ownerDied, false);
          }
          assert.equal(Atomics.load(i32, 0), 0, "using released it");
          throwsLike(() => mutex.unlock(), MmapError, /does not hold/);
          anon.close();
        }),
      60_000,
    );

    if (isLinux) {
      it(
        "a holder SIGKILLed by its own parent is taken over at once, before the parent reaps it (a zombie is dead)",
        () =>
          withTempDir(async (dir) => {
            const rt = children[self]!;
            const anon = mapAnonymous(64);
            const i32 = new Int32Array(anon.bytes.buffer);
            const mutex = new Mutex(i32, 0);
            const child = forkOn(rt, holderScript(dir, rt.entry), { share: { anon } });
            await withChild(child, async (c) => {
              assert.notEqual(await waitAsync(i32, HELD, 0, 20_000), "timed-out");
              // From here on the event loop never runs, so this process cannot reap the child.
              c.kill("SIGKILL");
              let state = procState(c.pid!);
              for (let spins = 0; state !== "Z" && state !== "gone" && spins < 10_000_000; spins++) state = procState(c.pid!);
              const guard = mutex.lock(4000); // ETIMEDOUT when a zombie counts as alive
              assert.equal(guard.ownerDied, true);
              guard.unlock();
            });
            anon.close();
          }),
        60_000,
      );

      it(
        "a parent blocked in lock() takes over when a third process kills the holder (its own child, a zombie then)",
        () =>
          withTempDir(async (dir) => {
            const rt = children[self]!;
            const anon = mapAnonymous(64);
            const i32 = new Int32Array(anon.bytes.buffer);
            const mutex = new Mutex(i32, 0);
            const holder = forkOn(rt, holderScript(dir, rt.entry), { share: { anon } });
            await withChild(holder, async (h) => {
              assert.notEqual(await waitAsync(i32, HELD, 0, 20_000), "timed-out");
              // The killer says it runs (word 4), waits until this process says it is about to block
              // in lock() (word 3), then kills the holder. Its start is awaited first, so lock()'s
              // timeout covers the kill alone, not a runtime's start (seconds under emulation).
              const killer = childScript(
                dir,
                "killer",
                rt.entry,
                `
              const i = new Int32Array(m.inherited().anon.bytes.buffer);
              Atomics.store(i, 4, 1);
              m.notify(i, 4);
              while (m.wait(i, 3, 0, 20000) === "ok" && Atomics.load(i, 3) === 0) {}
              process.kill(${h.pid}, "SIGKILL");
            `,
              );
              const k = forkOn(rt, killer, { share: { anon } });
              await withChild(k, async () => {
                while (Atomics.load(i32, 4) === 0) assert.notEqual(await waitAsync(i32, 4, 0, 30_000), "timed-out", "the killer never started");
                Atomics.store(i32, 3, 1);
                notify(i32, 3);
                const guard = mutex.lock(10_000); // blocks this thread: the holder stays unreaped
                assert.equal(guard.ownerDied, true);
                guard.unlock();
                assert.deepEqual(await k.exited, { code: 0, signal: null });
              });
            });
            anon.close();
          }),
        // Two runtimes start in turn (20 s + 30 s at most under emulation), then lock()'s 10 s.
        90_000,
      );

      it(
        "a holder's identity survives pid reuse: word 1 is its start time; another process with its pid is told apart",
        () =>
          withTempDir(async (dir) => {
            const rt = children[self]!;
            const anon = mapAnonymous(64);
            const i32 = new Int32Array(anon.bytes.buffer);
            const mutex = new Mutex(i32, 0);
            const child = forkOn(rt, holderScript(dir, rt.entry), { share: { anon } });
            await withChild(child, async (c) => {
              assert.notEqual(await waitAsync(i32, HELD, 0, 20_000), "timed-out");
              assert.equal(Atomics.load(i32, 0), c.pid);
              if (!emulator) {
                // The layout: (starttime of /proc/<pid>/stat, field 22) mod 0x7ffffffe, plus 1.
                const start = BigInt(procStatFields(c.pid!)![19]!);
                assert.equal(Atomics.load(i32, 1), Number(start % 0x7ffffffen) + 1, "word 1 is the holder's start time");
              }
              assert.equal(mutex.tryLock(), undefined, "held by a live process with that identity");
              // The same pid with another identity: the pid was given to a new process after the holder died.
              Atomics.store(i32, 1, (Atomics.load(i32, 1) % 0x7ffffffe) + 1);
              const guard = mutex.tryLock();
              assert.ok(guard, "a live process with the holder's pid but not its identity does not hold the lock");
              assert.equal(guard.ownerDied, true);
              assert.equal(Atomics.load(i32, 0), process.pid);
              guard.unlock();
              assert.deepEqual([Atomics.load(i32, 0), Atomics.load(i32, 1)], [0, 0], "unlock clears both words");
            });
            anon.close();
          }),
        60_000,
      );
    }

    it("a Mutex takes two words: the last index of the array is a RangeError", () => {
      const anon = mapAnonymous(64);
      const i32 = new Int32Array(anon.bytes.buffer);
      throwsLike(() => new Mutex(i32, i32.length - 1), RangeError, /two 32-bit words/);
      new Mutex(i32, i32.length - 2).lock().unlock();
      anon.close();
    });
  });

  describe("Channel", () => {
    for (const [name, rt] of other) {
      it(
        `${self} <-> ${name}: 3,000 messages of random sizes echo back intact, then close ends both sides`,
        () =>
          withTempDir(async (dir) => {
            const shm = mapAnonymous(Channel.bytesFor(2 ** 19));
            const channel = Channel.create(shm);
            const script = childScript(
              dir,
              "echo",
              rt.entry,
              `
            const ch = m.Channel.attach(m.inherited().shm);
            for (;;) {
              const msg = ch.receive(30000);
              if (msg === null) break;
              ch.send(msg);
            }
            ch.close();
          `,
            );
            const child = forkOn(rt, script, { share: { shm } });
            await withChild(child, async (c) => {
              let seed = 7;
              for (let n = 0; n < 3000; n++) {
                seed = (seed * 1103515245 + 12345) >>> 0;
                const size = n % 100 === 0 ? channel.maxMessage : seed % (n % 10 === 0 ? 65_536 : 300);
                const message = pattern(size, seed);
                channel.send(message);
                const back = channel.receive(30_000);
                assert.ok(back !== null);
                if (back.length !== message.length || !back.every((b, i) => b === message[i])) {
                  assert.fail(`message ${n} (${size} bytes) came back different`);
                }
              }
              const into = new Uint8Array(70_000);
              for (let n = 0; n < 200; n++) {
                const message = pattern(n * 300, n);
                channel.send(message);
                const length = channel.receiveInto(into, 30_000);
                assert.equal(length, message.length);
                assert.deepEqual(into.subarray(0, length!), message);
              }
              channel.send(new Uint8Array(100));
              throwsLike(() => channel.receiveInto(new Uint8Array(10), 30_000), RangeError, /100 bytes/);
              assert.equal(channel.receive(30_000)!.length, 100, "a message too long for the target stays in the channel");
              channel.sendJson({ hello: [1, "two"] });
              assert.deepEqual(channel.receiveJson(30_000), { hello: [1, "two"] });
              channel.close();
              assert.deepEqual(await c.exited, { code: 0, signal: null });
            });
            throwsLike(() => channel.send("x"), MmapError, /closed/);
            shm.close();
          }),
        120_000,
      );
    }

    for (const [name, rt] of other) {
      it(
        `${self} <-> ${name}: zero-copy reserve/commit and receiveView/release echo 2,000 messages intact; given-back views are detached`,
        () =>
          withTempDir(async (dir) => {
            const shm = mapAnonymous(Channel.bytesFor(65_536));
            const channel = Channel.create(shm);
            // The child echoes each view straight into a reservation, and spins without sleeping.
            const script = childScript(
              dir,
              "echo-view",
              rt.entry,
              `
            const ch = m.Channel.attach(m.inherited().shm, { spin: "busy" });
            for (;;) {
              const view = ch.receiveView(30000);
              if (view === null) break;
              const room = ch.reserve(view.length, 30000);
              room.set(view);
              ch.release();
              ch.commit();
            }
            ch.close();
          `,
            );
            const child = forkOn(rt, script, { share: { shm } });
            await withChild(child, async (c) => {
              let seed = 11;
              let last: Uint8Array | undefined;
              for (let n = 0; n < 2000; n++) {
                seed = (seed * 1103515245 + 12345) >>> 0;
                const size = n % 100 === 0 ? channel.maxMessage : seed % (n % 10 === 0 ? 20_000 : 300);
                const message = pattern(size, seed);
                const room = channel.reserve(size, 30_000);
                room.set(message);
                channel.commit();
                assert.equal(room.length, 0, "a committed reservation is detached");
                const back = channel.receiveView(30_000);
                assert.ok(back !== null);
                if (back.length !== message.length || !back.every((b, i) => b === message[i])) {
                  assert.fail(`message ${n} (${size} bytes) came back different`);
                }
                throwsLike(() => channel.receive(0), MmapError, /release\(\) it first/);
                channel.release();
                if (size > 0) assert.equal(back.length, 0, "a released view is detached");
                assert.ok(last === undefined || last.length === 0, "an older view never shows a newer message");
                last = back;
              }
              channel.send(new Uint8Array(5));
              const held = channel.receiveView(30_000)!;
              assert.equal(held.length, 5);
              channel.close();
              assert.equal(held.length, 0, "closing the channel detaches a held view");
              assert.deepEqual(await c.exited, { code: 0, signal: null });
            });
            shm.close();
          }),
        120_000,
      );
    }

    it(
      "a peer killed mid-stream is ERR_PEER_GONE for the survivor, never a hang; oversized messages are refused",
      () =>
        withTempDir(async (dir) => {
          const rt = children[self]!;
          const shm = mapAnonymous(64 * 1024);
          const channel = Channel.create(shm);
          throwsLike(() => channel.send(new Uint8Array(channel.maxMessage + 1)), RangeError, /larger than this channel takes/);
          const script = childScript(
            dir,
            "victim",
            rt.entry,
            `
          const ch = m.Channel.attach(m.inherited().shm);
          ch.send(ch.receive());
          setInterval(() => {}, 1000);
        `,
          );
          const child = forkOn(rt, script, { share: { shm } });
          await withChild(child, async (c) => {
            channel.send("ping");
            assert.equal(new TextDecoder().decode((await channel.receiveAsync(30_000))!), "ping");
            c.kill("SIGKILL");
            await c.exited;
          });
          const started = performance.now();
          const e = throwsLike(() => channel.receive(20_000), MmapError, /exited without closing/) as InstanceType<typeof MmapError>;
          assert.equal(e.code, "ERR_PEER_GONE");
          assert.ok(performance.now() - started < 5000, "found within a liveness slice, not at the timeout");
          await assert.rejects(channel.receiveAsync(20_000), (err: Error) => (err as { code?: string }).code === "ERR_PEER_GONE");
          shm.close();
        }),
      60_000,
    );

    it(
      "with options.peer, a child that dies before attaching is ERR_PEER_GONE, not a wait for nobody",
      () =>
        withTempDir(async (dir) => {
          const rt = children[self]!;
          const shm = mapAnonymous(64 * 1024);
          const script = childScript(dir, "dies-early", rt.entry, `throw new Error("dies before attaching");`);
          const child = forkOn(rt, script, { share: { shm }, stdio: "ignore" });
          await withChild(child, async (c) => {
            const channel = Channel.create(shm, { peer: c.pid });
            await c.exited;
            const started = performance.now();
            const e = throwsLike(() => channel.receive(20_000), MmapError) as InstanceType<typeof MmapError>;
            assert.equal(e.code, "ERR_PEER_GONE");
            assert.ok(performance.now() - started < 5000);
          });
          throwsLike(() => Channel.create(shm, { peer: -1 }), RangeError);
          shm.close();
        }),
      60_000,
    );

    it(
      "a child that exits at once ends the parent's wait on a Channel with its exit code, not a timeout",
      () =>
        withTempDir(async (dir) => {
          const rt = children[self]!;
          // Under qemu-user the runtime may reap the child (and an async wait give up on its exit
          // event) before the code is read: there only ERR_PEER_GONE is required, not the code.
          const codeSeen = (e: InstanceType<typeof MmapError>, code: number) => e.exitCode === code || (emulator !== undefined && e.exitCode === undefined);
          const gone = (code: number) => (e: Error) => e instanceof MmapError && e.code === "ERR_PEER_GONE" && codeSeen(e, code) && e.signal === null;
          const quits = childScript(dir, "quits", rt.entry, `process.exit(3);`);
          // As the examples do: the channel first, then fork() shares its mapping with a child
          // that never starts (its module is missing: exit code 1).
          {
            const shm = mapAnonymous(64 * 1024);
            const channel = Channel.create(shm);
            const child = forkOn(rt, join(dir, "missing.mjs"), { share: { shm }, stdio: "ignore" });
            await withChild(child, () => assert.rejects(channel.receiveAsync(20_000), gone(1)));
            shm.close();
          }
          // Named with options.peer, and a child that exits with a code of its own.
          {
            const shm = mapAnonymous(64 * 1024);
            const child = forkOn(rt, quits, { share: { shm }, stdio: "ignore" });
            await withChild(child, async (c) => {
              const channel = Channel.create(shm, { peer: c.pid });
              await assert.rejects(channel.receiveAsync(20_000), gone(3));
              // Once the exit event has run, a blocking receive() reports the code too.
              await c.exited;
              throwsLike(() => channel.receive(20_000), MmapError, /exit code 3/);
            });
            shm.close();
          }
          // A parent blocked in receive() from the start: its event loop never runs, so the child
          // stays unreaped, and its exit code is read from the kernel without reaping it.
          if (!isWindows) {
            const shm = mapAnonymous(64 * 1024);
            const child = forkOn(rt, quits, { share: { shm }, stdio: "ignore" });
            await withChild(child, async (c) => {
              const channel = Channel.create(shm, { peer: c.pid });
              const e = throwsLike(() => channel.receive(20_000), MmapError, /exited without closing/) as InstanceType<typeof MmapError>;
              assert.equal(e.code, "ERR_PEER_GONE");
              assert.ok(codeSeen(e, 3), `exit code ${e.exitCode}: ${e.message}`);
              assert.deepEqual(await c.exited, { code: 3, signal: null }, "the runtime still reaps it and reports its exit");
            });
            shm.close();
          }
        }),
      60_000,
    );

    it("memory off its word boundary (a file mapped from offset 2) is a RangeError for Channel, Mutex, wait and notify; off a line's, for Channel", () =>
      withTempDir((dir) => {
        const path = join(dir, "shared.bin");
        writeFileSync(path, new Uint8Array(3 * 65536));
        const word = /4-byte boundary, and this starts 2 bytes past one .*map it from a multiple of 4/;
        const line = (past: number) => new RegExp(`Channel needs memory on a 64-byte boundary, and this starts ${past} bytes past one`);
        const at = (offset: number) => map(path, { mode: "readwrite", offset });
        const off2 = at(2);
        const i32 = new Int32Array(off2.bytes.buffer, 0, 16);
        // (Before, the Channel was made and used with atomics across words; the rest was EINVAL from the futex.)
        throwsLike(() => Channel.create(off2), RangeError, line(2));
        throwsLike(() => new Mutex(i32, 0), RangeError, word);
        throwsLike(() => notify(i32, 0), RangeError, word);
        throwsLike(() => wait(i32, 0, 1, 0), RangeError, word);
        off2.close();
        // On a word's boundary, not a line's: wait, notify and a Mutex work; a Channel does not.
        const off8 = at(8);
        const words = new Int32Array(off8.bytes.buffer, 0, 16);
        assert.equal(notify(words, 0), 0);
        new Mutex(words, 0).lock(1000).unlock();
        throwsLike(() => Channel.create(off8), RangeError, line(8));
        const [mine, theirs] = [at(64), at(64)];
        const creator = Channel.create(mine);
        throwsLike(() => Channel.attach(off8), RangeError, line(8));
        const peer = Channel.attach(theirs);
        creator.send("aligned");
        assert.equal(new TextDecoder().decode(peer.receive(1000)!), "aligned");
        for (const m of [off8, mine, theirs]) m.close();
      }));

    it("attach refuses memory without a channel and a second attach in one process; receive times out with ETIMEDOUT", () => {
      const shm = mapAnonymous(4096);
      throwsLike(() => Channel.attach(shm), MmapError, /no channel/);
      throwsLike(() => Channel.create(shm, { capacity: 1000 }), RangeError);
      throwsLike(() => Channel.bytesFor(1000), RangeError);
      throwsLike(() => Channel.bytesFor("1024" as never), TypeError);
      // bytesFor() is exactly what a channel needs: a byte less is refused.
      {
        // Messages both ways through both rings of an exact-size mapping, many times round each:
        // every byte of both rings is used and nothing is read from outside the mapping.
        const exact = mapAnonymous(Channel.bytesFor(1024));
        const creator = Channel.create(exact, { capacity: 1024 });
        const attacher = Channel.attach(exact);
        // One end per side: a second one in this process would consume the same ring.
        throwsLike(() => Channel.attach(exact), MmapError, /already attached in this process/);
        for (let n = 0; n < 100; n++) {
          const message = pattern(100 + ((n * 37) % 300), n);
          creator.send(message);
          assert.deepEqual(attacher.receive(0), message);
          attacher.send(message);
          assert.deepEqual(creator.receive(0), message);
        }
        creator.close();
        attacher.close();
        exact.close();
        const short = mapAnonymous(Channel.bytesFor(1024) - 1);
        throwsLike(() => Channel.create(short, { capacity: 1024 }), RangeError, /bytesFor/);
        short.close();
      }
      const ch = Channel.create(shm);
      const e = throwsLike(() => ch.receive(20), MmapError) as InstanceType<typeof MmapError>;
      assert.equal(e.code, "ETIMEDOUT");
      shm.close();
    });

    it(
      "four receiveAsync() loops on one end, fed by a child: each of its 4,000 messages reaches exactly one of them",
      () =>
        withTempDir(async (dir) => {
          const rt = children[self]!;
          const shm = mapAnonymous(Channel.bytesFor(4096));
          const channel = Channel.create(shm, { spin: 0 }); // every wait sleeps on the futex
          const script = childScript(
            dir,
            "burst",
            rt.entry,
            `
          const ch = m.Channel.attach(m.inherited().shm);
          const number = new Uint8Array(4);
          for (let n = 0; n < 4000; n++) {
            new DataView(number.buffer).setUint32(0, n, true);
            ch.send(number, 30000);
            if (n % 7 === 0) ch.receive(30000); // a burst of 7, then the parent's go-ahead
          }
          ch.close();
        `,
          );
          const child = forkOn(rt, script, { share: { shm } });
          await withChild(child, async (c) => {
            const seen = new Uint8Array(4000);
            const loop = async () => {
              for (let m = await channel.receiveAsync(30_000); m !== null; m = await channel.receiveAsync(30_000)) {
                const n = new DataView(m.buffer).getUint32(0, true);
                seen[n]!++;
                if (n % 7 === 0) channel.send("go"); // the child sends the next 7 at once
              }
            };
            await Promise.all([loop(), loop(), loop(), loop()]);
            assert.deepEqual(await c.exited, { code: 0, signal: null });
            const wrong = [...seen.keys()].filter((n) => seen[n] !== 1);
            assert.deepEqual(wrong.slice(0, 5), [], `${wrong.length} messages were not received exactly once (first: ${wrong[0]}, ${seen[wrong[0]!]} times)`);
          });
          channel.close();
          shm.close();
        }),
      120_000,
    );

    it("a receiveAsync waiting when its own end or its mapping closes ends with ERR_CHANNEL_CLOSED, not at its timeout", async () => {
      for (const what of ["its end", "its mapping"]) {
        const shm = mapAnonymous(Channel.bytesFor(4096));
        Channel.create(shm, { spin: 0 });
        const attacher = Channel.attach(shm, { spin: 0 });
        const started = performance.now();
        const pending = attacher.receiveAsync(30_000);
        await sleep(20); // asleep on the futex by then, as a rule (the outcome is the same if not)
        if (what === "its end") attacher.close();
        else shm.close();
        await assert.rejects(pending, (e: InstanceType<typeof MmapError>) => e.code === "ERR_CHANNEL_CLOSED", what);
        assert.ok(performance.now() - started < 10_000, `${what}: ended by the close, not at the 30 s timeout`);
        if (!shm.closed) shm.close();
      }
    });

    it("resize() of a mapping a Channel is open on is ERR_NOT_RESIZABLE, and the Channel still works; after its close() it resizes", () => {
      const shm = mapAnonymous(Channel.bytesFor(4096));
      const creator = Channel.create(shm);
      const attacher = Channel.attach(shm);
      // (Before, resize() moved the memory under the Channel: its next send or receive was a TypeError, "Cannot perform Atomics.load on a detached or out-of-bounds ArrayBuffer".)
      for (const length of [shm.length * 2, Channel.bytesFor(256)]) {
        assert.throws(
          () => shm.resize(length),
          (e: InstanceType<typeof MmapError>) => e.code === "ERR_NOT_RESIZABLE" && /a Channel is open on this mapping/.test(e.message),
        );
      }
      creator.send("after the refusals");
      assert.equal(new TextDecoder().decode(attacher.receive(1000)!), "after the refusals");
      creator.close();
      assert.throws(() => shm.resize(shm.length * 2), { code: "ERR_NOT_RESIZABLE" }, "the attacher's end is still open");
      attacher.close();
      shm.resize(shm.length * 2);
      assert.equal(shm.length, Channel.bytesFor(4096) * 2);
      // The closed ends, now over detached words, stay closed (not a TypeError).
      creator.close();
      assert.throws(() => attacher.send("x"), { code: "ERR_CHANNEL_CLOSED" });
      assert.throws(() => attacher.receive(0), { code: "ERR_CHANNEL_CLOSED" });
      shm.close();
    });

    it("receiveJson() gives null once the peer closed and all was read, as receive() does", async () => {
      const shm = mapAnonymous(4096);
      const creator = Channel.create(shm);
      const attacher = Channel.attach(shm);
      creator.sendJson({ n: 1 });
      creator.sendJson(2);
      creator.close();
      assert.deepEqual(attacher.receiveJson(1000), { n: 1 });
      assert.equal(await attacher.receiveJsonAsync(1000), 2);
      assert.equal(attacher.receiveJson(1000), null);
      assert.equal(await attacher.receiveJsonAsync(1000), null);
      assert.equal(attacher.receive(1000), null);
      shm.close();
    });
  });

  describe("named shared memory", () => {
    if (!isLinux) return;
    it(
      "openShared creates 0600 memory that an unrelated process opens by name; unlinkShared removes the name",
      () =>
        withTempDir(async (dir) => {
          const rt = children[self]!;
          const name = `memmap-test-${process.pid}-${Math.random().toString(36).slice(2)}`;
          try {
            const shm = openShared(name, { create: true, exclusive: true, size: 8192 });
            assert.equal(shm.length, 8192);
            assert.equal(statSync(`/dev/shm/${name}`).mode & 0o777, 0o600);
            const script = childScript(
              dir,
              "opener",
              rt.entry,
              `
            const s = m.openShared(${JSON.stringify(name)});
            s.bytes.set([1, 2, 3], 100);
            s.close();
          `,
            );
            const child = forkOn(rt, script);
            assert.deepEqual(await withChild(child, (c) => c.exited), { code: 0, signal: null });
            assert.deepEqual([...shm.bytes.subarray(100, 103)], [1, 2, 3]);
            throwsLike(() => openShared(name, { create: true, exclusive: true, size: 1 }), MmapError, /EEXIST/);
            unlinkShared(name);
            assert.ok(!existsSync(`/dev/shm/${name}`));
            assert.equal(shm.bytes[101], 2, "a mapping outlives its name");
            shm.close();
            const missing = throwsLike(() => openShared(name), MmapError, /create: true/) as InstanceType<typeof MmapError>;
            assert.equal(missing.code, "ENOENT");
          } finally {
            if (existsSync(`/dev/shm/${name}`)) unlinkShared(name);
          }
          for (const bad of ["a/b", "", "/", "x".repeat(300), "..", "a\0b"]) throwsLike(() => openShared(bad), RangeError);
          throwsLike(() => openShared(5 as never), TypeError);
        }),
      60_000,
    );
  });
}
