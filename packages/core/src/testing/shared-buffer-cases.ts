import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { runtimeCommand } from "../fork.ts";
import { emulator, isLinux, pattern, type Suite, until, withTempDir } from "./context.ts";
import { startWorker, type TestWorker, WORKER_KINDS, type WorkerKind } from "./workers.ts";

let names = 0;
const uniqueName = (what: string) => `sab-${what}-${process.pid}-${names++}`;

/**
 * Where mapping.sharedBuffer is expected to work, from what was measured (nm -D of each binary,
 * docs/threads.md), not from asking memmap: Node and Bun on Linux, the Node versions that export
 * node_api_create_external_sharedarraybuffer (22.23, 24.16, 26.1 and later).
 */
function expectSupported(self: string): boolean {
  if (!isLinux) return false;
  if (self === "bun") return true;
  if (self !== "node") return false;
  const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
  return major > 26 || (major === 26 && minor >= 1) || (major === 24 && minor >= 16) || (major === 22 && minor >= 23);
}

/** mapping.sharedBuffer: a SharedArrayBuffer over the mapping where the runtime can make one, else a typed error. */
export function sharedBufferCases(suite: Suite): void {
  const { describe, memmap: m, children, self } = suite;
  const it = (name: string, fn: () => void | Promise<void>, timeoutMs = 60_000) => suite.it(name, fn, timeoutMs);
  const entry = children[self]?.entry;

  describe("sharedBuffer", () => {
    if (!expectSupported(self)) {
      it("is a typed error that names what to use instead", () => {
        using a = m.mapAnonymous(4096);
        assert.throws(() => a.sharedBuffer, { code: "ERR_SHARED_BUFFER_UNSUPPORTED", message: /handle\(\) and fromHandle\(\)/ });
        assert.equal(a.bytes.length, 4096, "the mapping is unaffected");
      });
      return;
    }

    it("reads and writes reach the mapping and the file; the same buffer each time", () =>
      withTempDir((dir) => {
        const path = join(dir, "data.bin");
        writeFileSync(path, pattern(10_000));
        using f = m.map(path, { mode: "readwrite", offset: 100 });
        const sab = f.sharedBuffer;
        assert.ok(sab instanceof SharedArrayBuffer);
        assert.equal(sab.byteLength, 9_900);
        assert.equal(f.sharedBuffer, sab);
        const u = new Uint8Array(sab);
        assert.deepEqual(u.subarray(0, 16), pattern(10_000).subarray(100, 116), "starts at the mapping's offset");
        u[0] = 201;
        f.bytes[1] = 202;
        assert.equal(f.bytes[0], 201);
        assert.equal(u[1], 202);
        f.flush();
        const onDisk = readFileSync(path);
        assert.deepEqual([onDisk[100], onDisk[101]], [201, 202]);
      }));

    it("resize() is refused while a sharedBuffer exists", () => {
      using a = m.mapAnonymous(4096);
      void a.sharedBuffer;
      assert.throws(() => a.resize(8192), { code: "ERR_SHARED_BUFFER_LIVE" });
      assert.equal(a.length, 4096);
      assert.equal(a.bytes.length, 4096, "the mapping stays usable");
    });

    it("close() of the last Mapping while the buffer lives: zeros, no crash, the file unchanged, the descriptor closed", () =>
      withTempDir((dir) => {
        // In a child: with the range unmapped instead (the code before zero pages), this read
        // is a SIGSEGV, which must fail the case, not end the runner.
        const path = join(dir, "data.bin");
        writeFileSync(path, pattern(8192));
        const script = join(dir, "close-while-shared.mjs");
        writeFileSync(
          script,
          `const m = await import(${JSON.stringify(entry)});
          const { readdirSync, readFileSync } = await import("node:fs");
          const fds = () => readdirSync("/proc/self/fd").length;
          const name = ${JSON.stringify(uniqueName("close"))};
          const f = m.map(${JSON.stringify(path)}, { mode: "readwrite" });
          const u = new Uint8Array(f.sharedBuffer);
          u[0] = 7; // a write before close() reaches the file
          const a = m.mapAnonymous(1 << 16, { name });
          const v = new Int32Array(a.sharedBuffer);
          v[0] = 9;
          const before = fds();
          f.close();
          a.close();
          let sum = 0;
          for (const byte of u) sum += byte;
          for (const word of v) sum += word;
          u[1] = 99; // lands in throwaway memory
          console.log(JSON.stringify({ sum, fdsClosed: before - fds(), named: readFileSync("/proc/self/maps", "utf8").includes(name), readBack: u[1] }));`,
        );
        const runtime = children[self]!;
        const r = spawnSync(runtime.execPath, runtimeCommand(runtime.execPath, script, runtime.runtimeArgs, []), { encoding: "utf8" });
        assert.equal(r.signal, null, `the child was killed by ${r.signal}: the buffer touched unmapped memory. stderr: ${r.stderr}`);
        assert.equal(r.status, 0, r.stderr);
        const out = JSON.parse(r.stdout.trim().split("\n").pop()!) as { sum: number; fdsClosed: number; named: boolean; readBack: number };
        assert.equal(out.sum, 0, "both buffers read zeros after close()");
        assert.equal(out.fdsClosed, 1, "the anonymous memory's descriptor was closed by close()");
        assert.equal(out.named, false, "the memfd is no longer mapped");
        assert.equal(out.readBack, 99, "a write after close() goes to private memory");
        const onDisk = readFileSync(path);
        assert.equal(onDisk[0], 7, "the write before close() is in the file");
        assert.deepEqual(new Uint8Array(onDisk.subarray(1)), pattern(8192).subarray(1), "nothing after close() reached the file");
      }));

    const withWorker = async (kind: WorkerKind, body: string, fn: (w: TestWorker) => Promise<void>) =>
      withTempDir(async (dir) => {
        const w = await startWorker(dir, entry!, kind, body);
        try {
          await fn(w);
        } finally {
          await w.terminate();
        }
      });

    for (const kind of WORKER_KINDS) {
      it(`${kind}: Atomics.wait in the Worker, Atomics.notify from the main thread, on the mapping's memory`, () => {
        const a = m.mapAnonymous(4096);
        const i32 = new Int32Array(a.sharedBuffer);
        return withWorker(
          kind,
          `const i32 = await next();
          send("waiting");
          const woke = Atomics.wait(i32, 0, 0, 20000);
          Atomics.add(i32, 1, 5);
          send(woke);`,
          async (w) => {
            w.post(i32);
            assert.equal(await w.next(), "waiting");
            // The word stays 0 until a wake: the Worker sleeps already or will, so only a notify ends its wait.
            await until(() => Atomics.notify(i32, 0, 1) === 1, "the Worker's Atomics.wait to be woken", 15_000);
            assert.equal(await w.next(), "ok");
            assert.equal(new Int32Array(a.bytes.buffer)[1], 5, "the Worker's Atomics.add is in the mapping");
            a.close();
          },
        );
      });

      it(`${kind}: posted to a Worker: the real memory while the Worker's Mapping is open, after the main thread's close()`, () => {
        // Reading zeros after the last close() is the child-process cases' (a regression there is a SIGSEGV, which would end this runner).
        const a = m.mapAnonymous(1 << 16);
        a.bytes.fill(1);
        return withWorker(
          kind,
          `const [u, h] = await next();
          const x = m.fromHandle(h);
          send("held");
          await next();
          u[0] = 2;
          send(u.reduce((s, b) => s + b, 0));
          await next();
          x.close();
          send("closed");`,
          async (w) => {
            const u = new Uint8Array(a.sharedBuffer);
            w.post([u, a.handle()]);
            assert.equal(await w.next(), "held");
            a.close();
            w.post("read");
            assert.equal(await w.next(), (1 << 16) + 1, "the Worker's Mapping keeps the memory real");
            assert.equal(u[0], 2, "the main thread's buffer sees the Worker's write");
            w.post("close");
            assert.equal(await w.next(), "closed");
          },
        );
      });
    }

    it("made in a Worker from fromHandle(): the same memory, one registry", () => {
      const a = m.mapAnonymous(4096);
      a.bytes[0] = 5;
      return withWorker(
        WORKER_KINDS[0]!,
        `const x = m.fromHandle(await next());
        const u = new Uint8Array(x.sharedBuffer);
        u[1] = 6;
        send([u[0], x.sharedBuffer instanceof SharedArrayBuffer]);
        await next();
        x.close();
        send("closed");`,
        async (w) => {
          w.post(a.handle());
          assert.deepEqual(await w.next(), [5, true]);
          assert.equal(a.bytes[1], 6);
          w.post("close");
          assert.equal(await w.next(), "closed");
          // The Worker has closed its Mapping but still holds its buffer (u), which pins the memory.
          assert.throws(() => a.resize(8192), { code: "ERR_SHARED_BUFFER_LIVE" }, "the Worker's buffer pins it too");
          a.close();
        },
      );
    });

    // In a child each: the shim's count of retained ranges is per process, and other cases'
    // Workers and buffers are collected at times of their own.
    const inChild = (dir: string, body: string): Record<string, unknown> => {
      const script = join(dir, `child-${names++}.mjs`);
      writeFileSync(
        script,
        `const m = await import(${JSON.stringify(entry)});
        const gc = globalThis.gc ?? (() => globalThis.Bun.gc(true));
        const collect = async (until) => { for (let i = 0; i < 100 && !until(); i++) { gc(); await new Promise((r) => setTimeout(r, 10)); } return until(); };
        const retained = () => m.backend().registrySabRetained();
        const fs = await import("node:fs");
        const fds = () => fs.readdirSync("/proc/self/fd").length;
        const covered = (addr) => fs.readFileSync("/proc/self/maps", "utf8").split("\\n").some((line) => {
          const r = /^([0-9a-f]+)-([0-9a-f]+) /.exec(line);
          return r !== null && BigInt("0x" + r[1]) <= addr && addr < BigInt("0x" + r[2]);
        });
        ${body}`,
      );
      const runtime = children[self]!;
      const flags = self === "node" ? [...runtime.runtimeArgs, "--expose-gc"] : runtime.runtimeArgs;
      const r = spawnSync(runtime.execPath, runtimeCommand(runtime.execPath, script, flags, []), { encoding: "utf8" });
      assert.equal(r.signal, null, `the child was killed by ${r.signal}. stderr: ${r.stderr}`);
      assert.equal(r.status, 0, r.stderr);
      return JSON.parse(r.stdout.trim().split("\n").pop()!) as Record<string, unknown>;
    };

    it("the last buffer's finalizer releases the address range", () =>
      withTempDir((dir) => {
        const out = inChild(
          dir,
          `// 256 MiB of address space (no memory is touched), so its release shows in VmSize.
          const vmSize = () => Number(/VmSize:\\s+(\\d+)/.exec(fs.readFileSync("/proc/self/status", "utf8"))[1]) * 1024;
          let addr = 0n;
          (() => {
            const a = m.mapAnonymous(1 << 28);
            const u = new Uint8Array(a.sharedBuffer);
            addr = m.backend().address(u);
            a.close();
          })();
          const kept = retained();
          const mapped = covered(addr);
          const before = vmSize();
          const released = await collect(() => retained() === 0);
          const freed = before - vmSize() >= 200 * 2 ** 20;
          const unmapped = !covered(addr);
          console.log(JSON.stringify({ kept, mapped, released, freed, unmapped }));`,
        );
        // Under qemu-user VmSize is the emulator's own, which keeps guest address space it once
        // reserved: there the guest's /proc/self/maps (which qemu rewrites) tells the unmap.
        if (emulator) out.freed = true;
        assert.deepEqual(out, { kept: 1, mapped: true, released: true, freed: true, unmapped: true }, "kept (zero pages) after close(), unmapped after a GC");
      }));

    it("a buffer posted to a Worker outlives the main thread's; its GC there releases the range", () =>
      withTempDir((dir) => {
        const out = inChild(
          dir,
          `const { Worker } = await import("node:worker_threads");
          const w = new Worker(\`
            const { parentPort } = require("node:worker_threads");
            const collect = globalThis.gc ?? (() => globalThis.Bun.gc(true));
            let u;
            parentPort.on("message", async (msg) => {
              if (msg !== "drop") { u = msg; parentPort.postMessage("held"); return; }
              const sum = u.reduce((s, b) => s + b, 0);
              u = undefined;
              for (let i = 0; i < 20; i++) { collect(); await new Promise((r) => setTimeout(r, 10)); }
              parentPort.postMessage(sum);
            });\`, { eval: true });
          const next = () => new Promise((r) => w.once("message", r));
          (() => {
            const a = m.mapAnonymous(1 << 16);
            a.bytes.fill(1);
            w.postMessage(new Uint8Array(a.sharedBuffer));
            globalThis.a = a;
          })();
          await next();
          globalThis.a.close();
          delete globalThis.a;
          await collect(() => false);
          const heldByWorker = retained();
          w.postMessage("drop");
          const sum = await next();
          // The finalizer runs where the runtime frees the backing store: the Worker's thread or a GC helper thread.
          const released = await collect(() => retained() === 0);
          await w.terminate();
          console.log(JSON.stringify({ heldByWorker, sum, released }));`,
        );
        assert.deepEqual(out, { heldByWorker: 1, sum: 0, released: true }, "the Worker's buffer keeps the range, reads zeros, and its GC releases it");
      }));

    it("1,000 sharedBuffer/close cycles leak no descriptor, and GC releases every range", () =>
      withTempDir((dir) => {
        const out = inChild(
          dir,
          `// One cycle first: loading the shim and the Node-API entry opens descriptors of its own.
          m.mapAnonymous(4096).sharedBuffer;
          await collect(() => retained() === 0);
          const before = fds();
          let kept = [];
          for (let i = 0; i < 1000; i++) {
            const a = m.mapAnonymous(4096);
            kept.push(a.sharedBuffer);
            a.close();
          }
          const leaked = fds() - before;
          const alive = retained();
          kept = undefined;
          const released = await collect(() => retained() === 0);
          console.log(JSON.stringify({ leaked, alive, released, after: retained() }));`,
        );
        assert.deepEqual(out, { leaked: 0, alive: 1000, released: true, after: 0 });
      }));
  });
}
