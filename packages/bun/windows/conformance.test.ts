// The Windows run (npm run test:windows): Bun for Windows under wine, against
// the mingw-built shim. It takes the mapping and copy groups of the conformance
// suite, plus the Windows-only behaviour below. Kept out of test/ so the Linux
// suite never picks it up.
import assert from "node:assert/strict";
import { mkdtempSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "bun:test";
import { runConformance } from "@memmap/core/testing";
import * as memmap from "@memmap/bun";

runConformance(
  {
    describe,
    it: (name, fn, timeout) => it(name, fn, timeout),
    skip: (name, reason) => it.skip(`${name} [skipped: ${reason}]`, () => {}),
    memmap,
    runtime: `bun ${Bun.version} ${process.platform}`,
    gc: () => Bun.gc(true),
    self: "bun",
    children: {},
  },
  ["file", "lifecycle", "anonymous", "copy", "arguments"],
);

describe(`Windows specifics (bun ${Bun.version} ${process.platform})`, () => {
  it("offsets align to the 64 KiB allocation granularity", () => {
    assert.equal(memmap.pageSize(), 65_536);
  });

  it("openShared: named memory a second mapping opens by name sees the same bytes; unlinkShared removes the name", () => {
    const name = `memmap-win-${process.pid}`;
    const a = memmap.openShared(name, { create: true, exclusive: true, size: 100_000 });
    const b = memmap.openShared(name);
    assert.equal(b.length, 100_000);
    a.bytes[99_999] = 42;
    assert.equal(b.bytes[99_999], 42);
    assert.throws(() => memmap.openShared(name, { create: true, exclusive: true, size: 10 }), { code: "EEXIST" });
    a.close();
    b.close();
    memmap.unlinkShared(name);
    assert.throws(() => memmap.openShared(name), { code: "ENOENT" });
  });

  it("wait and notify: not-equal, timed-out, and a wake from another thread", async () => {
    const m = memmap.mapAnonymous(4096);
    const i32 = new Int32Array(m.bytes.buffer, 0, 4);
    assert.equal(memmap.wait(i32, 0, 5, 10), "not-equal");
    const started = performance.now();
    assert.equal(memmap.wait(i32, 0, 0, 50), "timed-out");
    assert.ok(performance.now() - started >= 40);
    const woken = memmap.waitAsync(i32, 1, 0, 10_000);
    await Bun.sleep(50);
    Atomics.store(i32, 1, 1);
    memmap.notify(i32, 1);
    assert.equal(await woken, "ok");
    m.close();
  });

  it("wait and notify across processes: a second bun.exe waiting on named shared memory is woken by a notify alone", async () => {
    const name = `memmap-win-wake-${process.pid}`;
    const shared = memmap.openShared(name, { create: true, exclusive: true, size: 4096 });
    const words = new Int32Array(shared.bytes.buffer, 0, 2);
    const dir = mkdtempSync(join(tmpdir(), "memmap-win-"));
    const script = join(dir, "waiter.mjs");
    try {
      // The word never changes: only the named semaphore (not a poll of the word) can wake the child.
      writeFileSync(
        script,
        `
        const m = await import(${JSON.stringify(new URL("../dist/index.js", import.meta.url).href)});
        const s = m.openShared(${JSON.stringify(name)});
        const words = new Int32Array(s.bytes.buffer, 0, 2);
        Atomics.store(words, 1, 1);
        const started = performance.now();
        const result = m.wait(words, 0, 0, 20000);
        console.log(result, Math.round(performance.now() - started));
        s.close();
      `,
      );
      const child = Bun.spawn([process.execPath, script], { stdout: "pipe", stderr: "pipe" });
      for (let i = 0; i < 3000 && Atomics.load(words, 1) === 0; i++) await Bun.sleep(10);
      assert.equal(Atomics.load(words, 1), 1, "the child opened the memory");
      await Bun.sleep(300); // let it reach its wait
      memmap.notify(words, 0, 1);
      const [out, err, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
      assert.equal(code, 0, err);
      const [result, ms] = out.trim().split(" ");
      assert.equal(result, "ok", `the child's wait ended with ${out.trim()}`);
      assert.ok(Number(ms) < 15000, `woken after ${ms} ms`);
    } finally {
      shared.close();
      memmap.unlinkShared(name);
      // One entry at a time: Bun's recursive rmSync fails under wine (EFAULT).
      rmSync(script, { force: true });
      rmdirSync(dir);
    }
  }, 60_000);

  it("fork({ share }) is a clear ERR_UNSUPPORTED_PLATFORM error", () => {
    const m = memmap.mapAnonymous(4096);
    assert.throws(() => memmap.fork("child.ts", { share: { m } }), { code: "ERR_UNSUPPORTED_PLATFORM" });
    m.close();
  });

  it("a Mutex over anonymous memory locks and unlocks", () => {
    const m = memmap.mapAnonymous(4096);
    const mutex = new memmap.Mutex(new Int32Array(m.bytes.buffer, 0, 2));
    mutex.lock().unlock();
    mutex.lock().unlock();
    m.close();
  });
});
