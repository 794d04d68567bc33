import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { collectUntil, isLinux, mapsText, openFdCount, pattern, type Suite, until, withTempDir } from "./context.ts";
import { startWorker, type TestWorker, WORKER_KINDS, type WorkerKind } from "./workers.ts";

let names = 0;
/** A name no other case uses, for mapAnonymous's label and openShared. */
const uniqueName = (what: string) => `thr-${what}-${process.pid}-${names++}`;

/** Lines of /proc/self/maps that mention `needle` (Linux), or undefined where there is no such file. */
function mappedLines(needle: string): number | undefined {
  if (!isLinux) return undefined;
  return mapsText()
    .split("\n")
    .filter((line) => line.includes(needle)).length;
}

function assertMapped(needle: string, expected: boolean, what: string): void {
  const lines = mappedLines(needle);
  if (lines !== undefined) assert.equal(lines > 0, expected, `${what}: ${needle} ${expected ? "should" : "should not"} be in /proc/self/maps`);
}

/** Mapping.handle() / fromHandle() with Worker threads: lifetimes per thread, bad handles, wait/notify. */
export function threadCases(suite: Suite): void {
  const { describe, memmap: m, children, self } = suite;
  // Starting a Worker loads the runtime package afresh there: seconds on a busy machine (Deno compiles it).
  const it = (name: string, fn: () => void | Promise<void>, timeoutMs = 60_000) => suite.it(name, fn, timeoutMs);
  const entry = children[self]?.entry;
  if (!entry) {
    it("threads: skipped", () => {});
    return;
  }

  const withWorker = (kind: WorkerKind, body: string, fn: (w: TestWorker, dir: string) => Promise<void>) =>
    withTempDir(async (dir) => {
      const w = await startWorker(dir, entry, kind, body);
      try {
        await fn(w, dir);
      } finally {
        await w.terminate();
      }
    });

  describe("threads: handle() and fromHandle()", () => {
    it("a handle is plain data that structuredClone keeps", () => {
      using a = m.mapAnonymous(4096);
      const h = a.handle();
      assert.deepEqual(structuredClone(h), h);
      assert.equal(typeof h.id, "bigint");
      assert.deepEqual(a.handle(), h, "the same mapping gives the same handle");
    });

    for (const kind of WORKER_KINDS) {
      it(`${kind}: a file, anonymous memory and openShared memory, read and written from the Worker, no new mmap`, () =>
        withTempDir(async (dir) => {
          const path = join(dir, "data.bin");
          writeFileSync(path, pattern(10_000));
          const shmName = uniqueName("shm");
          const file = m.map(path, { mode: "readwrite", offset: 100 });
          const anonName = uniqueName("anon");
          const anon = m.mapAnonymous(8192, { name: anonName });
          const shm = m.openShared(shmName, { create: true, exclusive: true, size: 4096 });
          anon.bytes[5] = 55;
          shm.bytes[6] = 66;
          const w = await startWorker(
            dir,
            entry,
            kind,
            `const hs = await next();
            const needles = ${JSON.stringify([path, anonName, shmName])};
            const { readFileSync } = await import("node:fs");
            const ours = () => ${isLinux} ? readFileSync("/proc/self/maps", "utf8").split("\\n").filter((l) => needles.some((n) => l.includes(n))).length : 0;
            const before = ours();
            const [f, a, s] = hs.map((h) => m.fromHandle(h));
            const after = ours();
            send({ seen: [f.bytes[0], a.bytes[5], s.bytes[6]], lengths: [f.length, a.length, s.length], modes: [f.mode, a.mode, s.mode], path: f.path, offset: f.offset, newMaps: after - before });
            f.bytes[1] = 11; a.bytes[1] = 12; s.bytes[1] = 13;
            f.close(); a.close(); s.close();
            send("closed");`,
          );
          try {
            w.post([file.handle(), anon.handle(), shm.handle()]);
            const r = (await w.next()) as { seen: number[]; lengths: number[]; modes: string[]; path: string; offset: number; newMaps: number };
            assert.deepEqual(r.seen, [pattern(10_000)[100], 55, 66]);
            assert.deepEqual(r.lengths, [9_900, 8192, 4096]);
            assert.deepEqual(r.modes, ["readwrite", "readwrite", "readwrite"]);
            assert.equal(r.path, path);
            assert.equal(r.offset, 100);
            if (isLinux) assert.equal(r.newMaps, 0, "fromHandle made no new mapping of the three");
            assert.equal(await w.next(), "closed");
            assert.deepEqual([file.bytes[1], anon.bytes[1], shm.bytes[1]], [11, 12, 13], "the main thread's mappings outlive the Worker's close()");
          } finally {
            await w.terminate();
            file.close();
            anon.close();
            shm.close();
            m.unlinkShared(shmName);
          }
        }));

      it(`${kind}: a Worker still reading while the main thread closes; the Worker's close() unmaps`, () => {
        const name = uniqueName("still-reading");
        const a = m.mapAnonymous(1 << 20, { name });
        a.bytes.set(pattern(1 << 20));
        let expected = 0;
        for (const byte of a.bytes) expected += byte;
        return withWorker(
          kind,
          `const x = m.fromHandle(await next());
          send("ready");
          await next();
          let sum = 0;
          for (const byte of x.bytes) sum += byte;
          send(sum);
          await next();
          x.close();
          send("closed");`,
          async (w) => {
            w.post(a.handle());
            assert.equal(await w.next(), "ready");
            const view = a.bytes;
            a.close();
            assert.equal(view.length, 0, "close() detaches the main thread's views");
            assertMapped(name, true, "after the main thread's close()");
            w.post("sum");
            assert.equal(await w.next(), expected);
            w.post("close");
            assert.equal(await w.next(), "closed");
            assertMapped(name, false, "after the last close(), in the Worker");
          },
        );
      });

      it(`${kind}: terminated without close(): after the main thread's close(), the Worker's exit unmaps`, () => {
        const name = uniqueName("terminate-after");
        const a = m.mapAnonymous(4096, { name });
        return withWorker(kind, `globalThis.held = m.fromHandle(await next()); send(held.bytes[0]);`, async (w) => {
          a.bytes[0] = 9;
          w.post(a.handle());
          assert.equal(await w.next(), 9);
          a.close();
          assertMapped(name, true, "while the Worker holds it");
          await w.terminate();
          // A web Worker's thread ends after terminate() returns: wait for it (bounded).
          if (isLinux) await until(() => mappedLines(name) === 0, "the terminated Worker's reference released", 10_000);
        });
      }, 20_000);

      it(`${kind}: terminated without close() first: the main thread's mapping stays valid, its close() unmaps`, () => {
        const name = uniqueName("terminate-before");
        const a = m.mapAnonymous(4096, { name });
        return withWorker(kind, `globalThis.held = m.fromHandle(await next()); held.bytes[0] = 7; send("held");`, async (w) => {
          w.post(a.handle());
          assert.equal(await w.next(), "held");
          await w.terminate();
          assert.equal(a.bytes[0], 7);
          a.bytes[1] = 8;
          assert.equal(a.bytes[1], 8);
          a.close();
          // The Worker's thread may still be ending; its reference goes with it either way.
          if (isLinux) await until(() => mappedLines(name) === 0, "unmapped after both are gone", 10_000);
        });
      }, 20_000);

      if (suite.gc) {
        it(`${kind}: the Worker drops its Mapping without close(): its GC releases it after the main thread's close()`, () => {
          const name = uniqueName("worker-gc");
          const a = m.mapAnonymous(4096, { name });
          return withWorker(
            kind,
            `let x = m.fromHandle(await next());
            const ref = new WeakRef(x);
            x = undefined;
            send("dropped");
            for (let i = 0; i < 50 && ref.deref(); i++) { gc(); await new Promise((r) => setTimeout(r, 10)); }
            for (let i = 0; i < 5; i++) { gc(); await new Promise((r) => setTimeout(r, 10)); }
            send(ref.deref() === undefined);`,
            async (w) => {
              w.post(a.handle());
              assert.equal(await w.next(), "dropped");
              a.close();
              assert.equal(await w.next(), true, "the Worker's Mapping was collected");
              if (isLinux) await until(() => mappedLines(name) === 0, "the finalizer's release", 10_000);
            },
          );
        }, 60_000);

        it(`${kind}: the main thread drops its Mapping without close(): the Worker's view stays valid`, () => {
          const name = uniqueName("main-gc");
          // Made in an inner function, so no stack slot of this frame keeps the Mapping alive; only
          // `holder` does, until the Worker's fromHandle() has returned (the rule handle() documents:
          // a handle in flight holds no reference, and a GC before then would leave it naming nothing).
          const holder: { mapping?: unknown } = {};
          // Tells when the main thread's Mapping has been collected (memmap's own finalizer is then due too).
          let collected = false;
          const watch = new FinalizationRegistry(() => void (collected = true));
          const handle = (() => {
            const a = m.mapAnonymous(4096, { name });
            a.bytes[3] = 33;
            holder.mapping = a;
            watch.register(a, 0);
            return a.handle();
          })();
          return withWorker(
            kind,
            `const x = m.fromHandle(await next()); send("held"); await next(); send(x.bytes[3]); await next(); x.close(); send("closed");`,
            async (w) => {
              w.post(handle);
              assert.equal(await w.next(), "held");
              delete holder.mapping;
              await collectUntil(suite.gc!, () => collected);
              w.post("read");
              assert.equal(await w.next(), 33, "the Worker reads after the main thread's GC");
              w.post("close");
              assert.equal(await w.next(), "closed");
              // Unmapped only if the main thread's finalizer released its reference too.
              if (isLinux) assert.ok(await collectUntil(suite.gc!, () => mappedLines(name) === 0), "unmapped after both");
            },
          );
        }, 60_000);
      } else {
        suite.skip("threads: GC orders", "this runtime's runner exposes no gc()");
      }

      it(`${kind}: wait() in one thread, notify() in the other, both ways`, () => {
        const a = m.mapAnonymous(4096);
        const word = new Int32Array(a.bytes.buffer, 0, 3);
        return withWorker(
          kind,
          `const x = m.fromHandle(await next());
          const i32 = new Int32Array(x.bytes.buffer, 0, 3);
          send("waiting");
          const woke = m.wait(i32, 0, 0, 20000);
          const notified = [];
          Atomics.store(i32, 1, 1);
          // The main thread's waitAsync may not sleep yet (or saw 1 already, and then sets word 2): notify until one wakes.
          for (let i = 0; i < 3000 && notified.length === 0 && Atomics.load(i32, 2) === 0; i++) { if (m.notify(i32, 1) === 1) notified.push(1); else await new Promise((r) => setTimeout(r, 1)); }
          send({ woke, notified: notified.length });
          x.close();`,
          async (w) => {
            const inMain = m.waitAsync(word, 1, 0, 20_000).then((r) => {
              Atomics.store(word, 2, 1);
              return r;
            });
            w.post(a.handle());
            assert.equal(await w.next(), "waiting");
            // The word stays 0: the Worker either sleeps already or will, so only a wake ends its wait.
            await until(() => m.notify(word, 0) === 1, "a waiter to wake", 15_000);
            const r = (await w.next()) as { woke: string; notified: number };
            assert.equal(r.woke, "ok", "the Worker's wait() ended by the main thread's notify()");
            const main = await inMain;
            assert.ok(main === "not-equal" || (main === "ok" && r.notified === 1), `the main thread's waitAsync: ${main}, woken by the Worker: ${r.notified}`);
            assert.equal(Atomics.load(word, 1), 1);
            a.close();
          },
        );
      }, 30_000);
    }

    it("resize() is refused while another thread holds the mapping, and works once it has closed", () =>
      withWorker(WORKER_KINDS[0]!, `const x = m.fromHandle(await next()); send("held"); await next(); x.close(); send("closed");`, async (w) => {
        using a = m.mapAnonymous(4096);
        const h = a.handle();
        w.post(h);
        assert.equal(await w.next(), "held");
        assert.throws(() => a.resize(8192), { code: "ERR_MAPPING_SHARED", message: /other threads hold this mapping/ });
        assert.equal(a.length, 4096);
        w.post("close");
        assert.equal(await w.next(), "closed");
        a.resize(8192);
        assert.equal(a.length, 8192);
        assert.throws(() => m.fromHandle(h), { code: "ERR_BAD_HANDLE" }, "a handle from before the resize names nothing");
        using again = m.fromHandle(a.handle());
        assert.equal(again.length, 8192);
      }));

    it("bad handles are typed errors: closed, forged, altered, another process's, garbage", () => {
      const name = uniqueName("bad");
      const a = m.mapAnonymous(4096, { name });
      const h = a.handle();
      const refused = (handle: unknown, what: string) => assert.throws(() => m.fromHandle(handle as never), { code: "ERR_BAD_HANDLE" }, what);
      refused({ ...h, id: h.id + 1n }, "another slot");
      refused({ ...h, id: h.id + 4096n }, "another generation");
      refused({ ...h, id: -1n }, "a negative id");
      refused({ ...h, id: 2n ** 62n }, "a huge id");
      refused({ ...h, key: h.key + 1n }, "another process's key");
      refused({ ...h, length: 8192 }, "a longer length");
      refused({ ...h, length: 1 }, "a shorter length");
      refused({ ...h, delta: 1 }, "another offset");
      refused({ ...h, mode: "copy" }, "another mode");
      refused({ ...h, anonymous: false }, "not anonymous");
      for (const garbage of [undefined, null, 1, "handle", {}, [], { ...h, kind: "x" }, { ...h, id: 1 }, { ...h, mode: "rw" }, { ...h, length: -1 }]) {
        assert.throws(
          () => m.fromHandle(garbage as never),
          (e: Error) => e instanceof TypeError || e instanceof RangeError,
        );
      }
      a.close();
      refused(h, "a closed mapping");
      assertMapped(name, false, "refused handles took no reference");
    });

    it("a handle from another process is refused", () =>
      withTempDir(async (dir) => {
        const script = join(dir, "print-handle.mjs");
        writeFileSync(
          script,
          `const m = await import(${JSON.stringify(entry)});
          const a = m.mapAnonymous(4096);
          const h = a.handle();
          console.log(JSON.stringify({ ...h, id: String(h.id), key: String(h.key) }));`,
        );
        const child = m.fork(script, { stdio: "pipe", execPath: children[self]!.execPath, runtimeArgs: children[self]!.runtimeArgs });
        let out = "";
        for await (const chunk of child.stdout!) out += chunk;
        await child.exited;
        const parsed = JSON.parse(out.trim().split("\n").pop()!);
        const foreign = { ...parsed, id: BigInt(parsed.id), key: BigInt(parsed.key) };
        using mine = m.mapAnonymous(4096);
        mine.handle(); // make sure this process's registry exists, with a slot of the same number
        assert.throws(() => m.fromHandle(foreign), { code: "ERR_BAD_HANDLE", message: /another process/ });
      }));

    it(
      "10,000 handle/fromHandle/close cycles across threads leak no mapping and no descriptor",
      () =>
        withWorker(
          WORKER_KINDS[0]!,
          `for (;;) {
          const batch = await next();
          if (batch === "done") break;
          let sum = 0;
          for (const [i, h] of batch.entries()) {
            const x = m.fromHandle(h);
            sum += x.bytes[0];
            // Half closed before the main thread's close, half after.
            if (i % 2 === 0) x.close(); else globalThis.later = [...(globalThis.later ?? []), x];
          }
          send(sum);
          await next();
          for (const x of globalThis.later ?? []) x.close();
          globalThis.later = [];
          send("closed");
        }`,
          async (w) => {
            const name = uniqueName("cycles");
            const BATCH = 500;
            const round = async (count: number) => {
              const mappings = Array.from({ length: count }, () => m.mapAnonymous(4096, { name }));
              for (const x of mappings) x.bytes[0] = 1;
              w.post(mappings.map((x) => x.handle()));
              assert.equal(await w.next(), count);
              for (const x of mappings) x.close();
              w.post("close the rest");
              assert.equal(await w.next(), "closed");
            };
            // One round first: the Worker's own start (its event loop, the shim) opens descriptors too.
            await round(2);
            const fds = isLinux ? openFdCount() : 0;
            for (let done = 0; done < 10_000; done += BATCH) await round(BATCH);
            w.post("done");
            if (isLinux) {
              assert.equal(mappedLines(name), 0, "every mapping unmapped");
              assert.equal(openFdCount(), fds, "no descriptor left open");
            }
          },
        ),
      120_000,
    );
  });
}
