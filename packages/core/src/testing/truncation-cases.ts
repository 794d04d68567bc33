import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { isLinux, pattern, type Suite, throwsLike, withTempDir } from "./context.ts";

/** Another process truncates a mapped file: nobody crashes, and the mapping says what happened. */
export function truncationCases({ describe, it, memmap, children, self }: Suite): void {
  const { map, MmapError } = memmap;
  if (!isLinux) return;
  /** truncate(1) is the other process. */
  const truncate = (path: string, size: number) => execFileSync("truncate", ["-s", String(size), path]);

  describe("a mapped file truncated by another process", () => {
    it("reads past the new end give 0, writes there do not crash; faults, flush and close report it", () =>
      withTempDir((dir) => {
        const path = join(dir, "shrinks.bin");
        writeFileSync(path, pattern(64 * 1024));
        const m = map(path, { mode: "readwrite" });
        assert.equal(m.truncated, false);
        truncate(path, 4096);
        assert.equal(m.bytes[100], pattern(64 * 1024)[100], "the part still in the file reads as before");
        assert.equal(m.bytes[40_000], 0, "past the new end reads 0");
        m.bytes[50_000] = 7; // lost, but no crash
        m.bytes[10] = 99; // inside the file: kept
        assert.ok(m.faults >= 1);
        assert.equal(m.truncated, true);
        const e = throwsLike(() => m.flush(), MmapError, /truncated by another process/) as InstanceType<typeof MmapError>;
        assert.equal(e.code, "ERR_FILE_TRUNCATED");
        throwsLike(() => m.close(), MmapError, /truncated/);
        assert.equal(m.closed, true, "close() unmapped before it reported");
        assert.equal(statSync(path).size, 4096);
        assert.equal(readFileSync(path)[10], 99);
      }));

    it("a fault below pages replaced earlier leaves those pages (and what was written there) alone", () =>
      withTempDir((dir) => {
        const page = memmap.pageSize();
        const path = join(dir, "backwards.bin");
        writeFileSync(path, pattern(16 * page));
        const m = map(path, { mode: "readwrite" });
        truncate(path, page);
        m.bytes[14 * page] = 7; // faults: the tail from here on becomes zero pages
        assert.equal(m.bytes[4 * page], 0); // faults below it: only up to the pages replaced before
        assert.equal(m.faults, 2);
        assert.equal(m.bytes[14 * page], 7, "the write made after the first fault is still there");
        throwsLike(() => m.close(), MmapError, /truncated/);
      }));

    it("a hot loop scanning a file truncated to nothing survives, with one fault for the whole tail", () =>
      withTempDir((dir) => {
        const path = join(dir, "scan.bin");
        writeFileSync(path, new Uint8Array(16 * 2 ** 20).fill(1));
        const m = map(path);
        const bytes = m.bytes;
        let warm = 0;
        for (let round = 0; round < 3; round++) for (let i = 0; i < bytes.length; i += 64) warm += bytes[i]!;
        assert.equal(warm, 3 * (bytes.length / 64));
        truncate(path, 0);
        let sum = 0;
        for (let i = 0; i < bytes.length; i += 64) sum += bytes[i]!;
        assert.ok(sum >= 0 && sum < bytes.length / 64, "pages past the end read 0");
        assert.ok(m.faults >= 1 && m.faults <= 4, `${m.faults} faults`);
        m.close(); // a "read" mapping lost nothing of the file: no error
      }));

    it(
      "a Worker thread reading past the new end survives too",
      () =>
        withTempDir(async (dir) => {
          const path = join(dir, "worker.bin");
          writeFileSync(path, new Uint8Array(1024 * 1024).fill(2));
          const script = join(dir, "worker.mjs");
          writeFileSync(
            script,
            `
          const m = await import(${JSON.stringify(children[self]!.entry)});
          const { parentPort, workerData } = await import("node:worker_threads");
          const mapping = m.map(workerData.path);
          parentPort.postMessage("ready");
          parentPort.once("message", () => {
            let sum = 0;
            for (let i = 0; i < mapping.length; i += 4096) sum += mapping.bytes[i];
            parentPort.postMessage({ sum, faults: mapping.faults });
            mapping.close();
          });
        `,
          );
          const { Worker } = await import("node:worker_threads");
          const worker = new Worker(script, { workerData: { path } });
          try {
            const messages: unknown[] = [];
            const next = () =>
              new Promise<unknown>((resolve, reject) => {
                worker.once("message", resolve);
                worker.once("error", reject);
              });
            messages.push(await next());
            truncate(path, 8192);
            worker.postMessage("go");
            const result = (await next()) as { sum: number; faults: number };
            assert.equal(messages[0], "ready");
            assert.equal(result.sum, 2 * 2, "two pages still in the file, the rest zeros");
            assert.ok(result.faults >= 1);
          } finally {
            await worker.terminate();
          }
        }),
      60_000,
    );

    it(
      "two threads faulting on the same pages at once: one replacement, no write lost",
      () =>
        withTempDir(async (dir) => {
          // The Worker views the main thread's mapping through the raw backend, so both threads
          // touch the same range of the same mapping; both spin on a shared flag, then write.
          const script = join(dir, "same-page.mjs");
          writeFileSync(
            script,
            `
          const m = await import(${JSON.stringify(children[self]!.entry)});
          const { parentPort } = await import("node:worker_threads");
          parentPort.on("message", ({ addr, length, flag }) => {
            const bytes = new Uint8Array(m.backend().arrayBuffer(addr, length));
            const go = new Int32Array(flag);
            Atomics.store(go, 1, 1);
            while (Atomics.load(go, 0) === 0) {}
            for (let p = 0; p < length; p += 4096) bytes[p + 1] = 2;
            parentPort.postMessage("done");
          });
        `,
          );
          const { Worker } = await import("node:worker_threads");
          const worker = new Worker(script);
          const next = () =>
            new Promise<unknown>((resolve, reject) => {
              worker.once("message", resolve);
              worker.once("error", reject);
            });
          try {
            const length = 256 * 4096;
            for (let round = 0; round < 10; round++) {
              const path = join(dir, `same-page-${round}.bin`);
              writeFileSync(path, new Uint8Array(length).fill(9));
              const m = map(path, { mode: "readwrite" });
              const bytes = m.bytes;
              const flag = new SharedArrayBuffer(8);
              const go = new Int32Array(flag);
              truncate(path, 0);
              worker.postMessage({ addr: memmap.backend().address(bytes), length, flag });
              while (Atomics.load(go, 1) === 0) {
                /* the worker is spinning */
              }
              Atomics.store(go, 0, 1);
              for (let p = 0; p < length; p += 4096) bytes[p] = 1;
              assert.equal(await next(), "done");
              let lost = 0;
              for (let p = 0; p < length; p += 4096) if (bytes[p] !== 1 || bytes[p + 1] !== 2) lost++;
              assert.equal(lost, 0, `round ${round}: ${lost} pages lost a write made after the fault`);
              assert.equal(m.faults, 1, `round ${round}: the tail is replaced once, whichever thread faults first`);
              throwsLike(() => m.close(), MmapError, /truncated/);
            }
          } finally {
            await worker.terminate();
          }
        }),
      60_000,
    );

    it(
      "a SIGBUS outside memmap's mappings still ends the process as the runtime normally does",
      () =>
        withTempDir((dir) => {
          const rt = children[self]!;
          const path = join(dir, "raw.bin");
          writeFileSync(path, pattern(65536));
          const script = join(dir, "raw.mjs");
          // Maps through the raw backend, so the guard does not know the range.
          writeFileSync(
            script,
            `
          const m = await import(${JSON.stringify(rt.entry)});
          const { execFileSync } = await import("node:child_process");
          const b = m.backend();
          const fd = b.open(new TextEncoder().encode(${JSON.stringify(path)} + "\\0"), 0, 0);
          const addr = b.mmap(65536n, 1, 1, fd, 0n);
          execFileSync("truncate", ["-s", "0", ${JSON.stringify(path)}]);
          const view = new Uint8Array(b.arrayBuffer(addr, 65536));
          console.log("survived", view[30000]);
        `,
          );
          // The binary's name, not its path: a checkout under a folder named *deno* is no Deno.
          const deno = basename(rt.execPath).startsWith("deno")
            ? ["run", "--allow-ffi", "--allow-read", "--allow-write", "--allow-env", ...rt.runtimeArgs]
            : rt.runtimeArgs;
          const r = spawnSync(rt.execPath, [...deno, script], { encoding: "utf8" });
          assert.ok(!r.stdout.includes("survived"), r.stdout);
          // 135 = 128 + SIGBUS: Bun's crash handler reports the signal and exits with it.
          assert.ok(r.signal === "SIGBUS" || r.status === 135, `status ${r.status}, signal ${r.signal}: ${r.stderr.slice(0, 300)}`);
        }),
      60_000,
    ); // it starts a runtime, which a loaded machine can take seconds to do
  });
}
