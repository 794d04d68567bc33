import assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  closeSync,
  existsSync,
  ftruncateSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  readlinkSync,
  statSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { canDropRoot, emulator, isLinux, isRoot, isWindows, pattern, type Suite, thrownAsNobody, throwsLike, withTempDir } from "./context.ts";

const MiB = 2 ** 20;
const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");
// Windows has no copy_file_range (a case below checks the error).
const STRATEGIES = isWindows ? (["auto", "mmap"] as const) : (["auto", "mmap", "copy_file_range"] as const);

/** copyFile / copyFileSync: correct, never destructive, cancellable. */
export function copyCases({ describe, it, skip, memmap, gc, children, self }: Suite): void {
  const { copyFile, copyFileSync, MmapError } = memmap;
  /** Cases about POSIX mode bits, holes and symlinks, which Windows has not (or wine cannot make). */
  const itPosix = isWindows ? (name: string) => skip(name, "Windows has only a read-only attribute, no SEEK_DATA and no unprivileged symlinks") : it;

  describe("copyFile", () => {
    it(
      "copies byte-identically (sha256) at sizes 0, 1, 4095, 4096, 4097 and 64 MiB + 1, with every strategy",
      () =>
        withTempDir((dir) => {
          for (const size of [0, 1, 4095, 4096, 4097, 64 * MiB + 1]) {
            const src = join(dir, `src-${size}`);
            writeFileSync(src, pattern(size, size + 3));
            for (const strategy of STRATEGIES) {
              const dst = join(dir, `dst-${size}-${strategy}`);
              const r = copyFileSync(src, dst, { strategy });
              assert.equal(r.bytes, size);
              assert.ok(strategy === "auto" ? ["clone", "copy_file_range", "mmap"].includes(r.strategy) : r.strategy === strategy);
              assert.ok(r.ms >= 0);
              assert.equal(statSync(dst).size, size);
              assert.equal(sha256(dst), sha256(src), `${strategy} at ${size} bytes`);
            }
          }
        }),
      120_000,
    );

    itPosix(
      "a sparse 6 GiB file copies exactly, and stays sparse",
      () =>
        withTempDir((dir) => {
          const src = join(dir, "sparse");
          const fd = openSync(src, "w");
          ftruncateSync(fd, 6 * 2 ** 30);
          writeSync(fd, pattern(5000, 1), 0, 5000, 0);
          writeSync(fd, pattern(5000, 2), 0, 5000, 4 * 2 ** 30 + 17);
          writeSync(fd, pattern(100, 3), 0, 100, 6 * 2 ** 30 - 100);
          closeSync(fd);
          for (const strategy of ["auto", "mmap"] as const) {
            const dst = join(dir, `sparse-${strategy}`);
            copyFileSync(src, dst, { strategy });
            assert.equal(statSync(dst).size, 6 * 2 ** 30);
            assert.ok(statSync(dst).blocks * 512 < 64 * MiB, "holes are not written out");
            assert.deepEqual(readAt(dst, 0, 5000), pattern(5000, 1));
            assert.deepEqual(readAt(dst, 4 * 2 ** 30 + 17, 5000), pattern(5000, 2));
            assert.deepEqual(readAt(dst, 6 * 2 ** 30 - 100, 100), pattern(100, 3));
            assert.deepEqual(readAt(dst, 3 * 2 ** 30, 4096), new Uint8Array(4096), "a hole reads as zeros");
          }
        }),
      120_000,
    );

    itPosix("gives a new destination the source's mode, as cp does", () =>
      withTempDir((dir) => {
        const src = join(dir, "src");
        writeFileSync(src, "x");
        chmodSync(src, 0o640);
        copyFileSync(src, join(dir, "plain"));
        copyFileSync(src, join(dir, "atomic"), { atomic: true });
        assert.equal(statSync(join(dir, "plain")).mode & 0o777, 0o640);
        assert.equal(statSync(join(dir, "atomic")).mode & 0o777, 0o640);
      }),
    );

    it("overwrite, exclusive and atomic decide what happens to an existing destination", () =>
      withTempDir((dir) => {
        const src = join(dir, "src");
        const dst = join(dir, "dst");
        writeFileSync(src, "new contents");
        writeFileSync(dst, "old");
        for (const opts of [{ overwrite: false }, { exclusive: true }, { exclusive: true, atomic: true }]) {
          const e = throwsLike(() => copyFileSync(src, dst, opts), MmapError) as InstanceType<typeof MmapError>;
          assert.equal(e.code, "EEXIST", JSON.stringify(opts));
          assert.equal(readFileSync(dst, "utf8"), "old", "an existing destination is untouched");
        }
        copyFileSync(src, dst, { atomic: true, durable: true });
        assert.equal(readFileSync(dst, "utf8"), "new contents");
        writeFileSync(dst, "older and longer than the source");
        copyFileSync(src, dst);
        assert.equal(readFileSync(dst, "utf8"), "new contents", "overwrite replaces the whole file");
        assert.deepEqual(readdirSync(dir).sort(), ["dst", "src"], "no temporary file is left");
      }));

    itPosix("an atomic copy is written 0600 under a temporary name, then renamed", () =>
      withTempDir((dir) => {
        const src = join(dir, "src");
        writeFileSync(src, pattern(3 * MiB));
        chmodSync(src, 0o644);
        const seen: string[] = [];
        copyFileSync(src, join(dir, "dst"), {
          atomic: true,
          windowSize: MiB,
          onProgress: () => {
            for (const name of readdirSync(dir)) {
              if (name !== "src") seen.push(`${name.includes("memmap-tmp") ? "tmp" : name}:${(statSync(join(dir, name)).mode & 0o777).toString(8)}`);
            }
          },
        });
        assert.ok(seen.length > 0 && seen.every((s) => s === "tmp:600"), seen.join(", "));
        assert.deepEqual(readdirSync(dir).sort(), ["dst", "src"]);
        assert.equal(sha256(join(dir, "dst")), sha256(src));
      }),
    );

    itPosix("source and destination being the same file is refused and the file survives (path, symlink, hard link)", () =>
      withTempDir((dir) => {
        const src = join(dir, "precious");
        writeFileSync(src, pattern(10_000));
        symlinkSync(src, join(dir, "symlink"));
        linkSync(src, join(dir, "hardlink"));
        for (const dst of [src, join(dir, "symlink"), join(dir, "hardlink")]) {
          for (const atomic of [false, true]) {
            const e = throwsLike(() => copyFileSync(src, dst, { atomic }), MmapError, /same file/) as InstanceType<typeof MmapError>;
            assert.equal(e.code, "ERR_SAME_FILE");
            assert.deepEqual(new Uint8Array(readFileSync(src)), pattern(10_000), `the bytes survive (${dst})`);
          }
        }
      }),
    );

    if (isWindows) {
      it("on Windows, the same file under a hard link is refused; copy_file_range and clone are clear errors", () =>
        withTempDir((dir) => {
          const src = join(dir, "precious");
          writeFileSync(src, pattern(10_000));
          linkSync(src, join(dir, "hardlink"));
          for (const dst of [src, join(dir, "hardlink")]) {
            const e = throwsLike(() => copyFileSync(src, dst), MmapError, /same file/) as InstanceType<typeof MmapError>;
            assert.equal(e.code, "ERR_SAME_FILE");
          }
          assert.deepEqual(new Uint8Array(readFileSync(src)), pattern(10_000));
          const cfr = throwsLike(
            () => copyFileSync(src, join(dir, "a"), { strategy: "copy_file_range" }),
            MmapError,
            /strategy 'auto' or 'mmap'/,
          ) as InstanceType<typeof MmapError>;
          assert.equal(cfr.code, "ENOSYS");
          const clone = throwsLike(() => copyFileSync(src, join(dir, "b"), { strategy: "clone" }), MmapError) as InstanceType<typeof MmapError>;
          assert.equal(clone.code, "ENOTSUP");
          assert.deepEqual(readdirSync(dir).sort(), ["hardlink", "precious"], "no partial destination is left");
        }));
    }

    it("missing source, missing destination folder, and directories are clear errors", () =>
      withTempDir((dir) => {
        const src = join(dir, "src");
        writeFileSync(src, "x");
        const missing = throwsLike(() => copyFileSync(join(dir, "nope"), join(dir, "out")), MmapError) as InstanceType<typeof MmapError>;
        assert.equal(missing.code, "ENOENT");
        assert.equal(missing.path, join(dir, "nope"));
        const noDir = join(dir, "no-such-dir", "out");
        const e = throwsLike(() => copyFileSync(src, noDir), MmapError, /folder does not exist/) as InstanceType<typeof MmapError>;
        assert.equal(e.code, "ENOENT");
        assert.equal(e.path, noDir);
        mkdirSync(join(dir, "sub"));
        assert.equal((throwsLike(() => copyFileSync(join(dir, "sub"), join(dir, "out")), MmapError) as InstanceType<typeof MmapError>).code, "EISDIR");
        assert.equal((throwsLike(() => copyFileSync(src, join(dir, "sub")), MmapError) as InstanceType<typeof MmapError>).code, "EISDIR");
        assert.ok(!existsSync(join(dir, "out")));
      }));

    if (isWindows || (isRoot && !canDropRoot)) {
      skip(
        "a destination folder that is not writable is EACCES",
        isWindows
          ? "Windows ignores a folder's mode bits (mkdir 0555)"
          : "root may write into any folder, and setpriv, which would run the copy as nobody, is not installed",
      );
    } else {
      it(
        "a destination folder that is not writable is EACCES",
        () =>
          withTempDir((dir) => {
            const src = join(dir, "src");
            writeFileSync(src, "x");
            mkdirSync(join(dir, "ro"), 0o555);
            const dst = join(dir, "ro", "out");
            const e = isRoot
              ? thrownAsNobody(children[self]!, dir, `m.copyFileSync(${JSON.stringify(src)}, ${JSON.stringify(dst)})`)
              : (throwsLike(() => copyFileSync(src, dst), MmapError) as InstanceType<typeof MmapError>);
            assert.equal(e.name, "MmapError", e.message);
            assert.equal(e.code, "EACCES");
            assert.match(e.message, /not writable/);
            assert.ok(!existsSync(dst));
          }),
        30_000,
      ); // as root, it starts a runtime as nobody, which has no Deno cache to read
    }

    it("a source that shrinks during the copy is an error, and the partial destination is removed", () =>
      withTempDir((dir) => {
        for (const strategy of STRATEGIES) {
          const src = join(dir, `shrinking-${strategy}`);
          writeFileSync(src, pattern(4 * MiB));
          const dst = join(dir, `out-${strategy}`);
          const e = throwsLike(
            () => copyFileSync(src, dst, { strategy, windowSize: MiB, onProgress: (done) => done === MiB && truncateSync(src, MiB + 10) }),
            MmapError,
            /shrank/,
          ) as InstanceType<typeof MmapError>;
          assert.equal(e.code, "ERR_SOURCE_CHANGED");
          assert.ok(!existsSync(dst), "no partial destination is left");
        }
      }));

    if (isLinux && isRoot) {
      it("a full disk (a 1 MiB tmpfs) is a clear ENOSPC error with every strategy, and leaves no partial file", () =>
        withTempDir((dir) => {
          const small = join(dir, "small");
          mkdirSync(small);
          execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", small]);
          try {
            const src = join(dir, "src");
            writeFileSync(src, pattern(4 * MiB));
            for (const strategy of STRATEGIES) {
              for (const atomic of [false, true]) {
                const e = throwsLike(() => copyFileSync(src, join(small, "dst"), { strategy, atomic, windowSize: MiB }), MmapError) as InstanceType<
                  typeof MmapError
                >;
                // A kernel without cross-file-system copy_file_range says so (EXDEV) before the disk fills.
                if (strategy === "copy_file_range" && e.code === "EXDEV") assert.match(e.message, /strategy 'auto' falls back/);
                else assert.equal(e.code, "ENOSPC", `${strategy}, atomic: ${atomic}: ${e.message}`);
                assert.deepEqual(readdirSync(small), [], "no partial or temporary file is left");
              }
            }
          } finally {
            execFileSync("umount", [small]);
          }
        }));
    } else {
      skip("a full disk is a clear ENOSPC error", "mounting the small tmpfs this case fills needs root on Linux");
    }

    if (isLinux) {
      it(
        "an mmap copy holds at most a few windows in memory (peak RSS)",
        () =>
          withTempDir((dir) => {
            const src = join(dir, "src");
            const chunk = pattern(16 * MiB);
            const fd = openSync(src, "w");
            for (let i = 0; i < 32; i++) writeSync(fd, chunk);
            closeSync(fd);
            const status = () => readFileSync("/proc/self/status", "utf8");
            const kib = (field: string) => Number(status().match(new RegExp(`${field}:\\s+(\\d+) kB`))![1]) * 1024;
            writeFileSync("/proc/self/clear_refs", "5"); // resets the peak (VmHWM) to the current RSS
            const before = kib("VmRSS");
            copyFileSync(src, join(dir, "dst"), { strategy: "mmap", windowSize: 16 * MiB });
            const peak = kib("VmHWM") - before;
            assert.ok(peak < 5 * 16 * MiB, `peak RSS grew by ${(peak / MiB).toFixed(1)} MiB copying 512 MiB in 16 MiB windows`);
            assert.equal(statSync(join(dir, "dst")).size, 512 * MiB);
          }),
        120_000,
      );
    }

    it(
      "copyFile does not block the event loop, reports progress at each window's end, and resolves",
      () =>
        withTempDir(async (dir) => {
          const src = join(dir, "big");
          const chunk = pattern(16 * MiB);
          const fd = openSync(src, "w");
          for (let i = 0; i < 32; i++) {
            chunk[0] = i; // every chunk differs, so a misplaced window changes the hash
            writeSync(fd, chunk);
          }
          closeSync(fd);
          // A first copy starts what the runtime starts once (the shim, a worker thread), which is not a window.
          writeFileSync(join(dir, "warm-up"), pattern(2 * MiB));
          await copyFile(join(dir, "warm-up"), join(dir, "warm-up-copy"));
          gc?.(); // and a collection now is one that does not pause the measured copy
          const progress: number[] = [];
          const windowMs: number[] = [];
          let windowStart = performance.now();
          // How long the event loop went without a tick, at most, from the call until it resolved.
          let lastTick = windowStart;
          let longestGap = 0;
          const tick = () => {
            const now = performance.now();
            longestGap = Math.max(longestGap, now - lastTick);
            lastTick = now;
          };
          const timer = setInterval(tick, 1);
          try {
            const r = await copyFile(src, join(dir, "big-copy"), {
              windowSize: 256 * MiB,
              onProgress: (done, total) => {
                assert.equal(total, 512 * MiB);
                progress.push(done);
                if (done % (256 * MiB) !== 0) return; // a slice inside a window
                const now = performance.now();
                windowMs.push(now - windowStart);
                windowStart = now;
              },
            });
            tick();
            assert.equal(r.bytes, 512 * MiB);
          } finally {
            clearInterval(timer);
          }
          assert.deepEqual(
            progress.filter((done) => done % (256 * MiB) === 0),
            [256 * MiB, 512 * MiB],
          );
          assert.deepEqual(
            progress,
            [...progress].sort((a, b) => a - b),
            "progress only grows",
          );
          // A window copied on the JS thread stops the ticks for all of its time, so the longest gap would be at
          // least the shortest window. Off the thread the gaps are scheduling noise: 2-17 ms measured on every
          // runtime against 70-150 ms windows, and 54 ms against 218 ms at load 4 on 2 cores, where the copying
          // thread slows too: never more than a quarter of the shortest window.
          // Not under qemu-user: there the emulated runtime's own JIT and GC pauses outlast a window
          // (seen: Deno for arm64), so a gap says nothing about where the copy ran.
          const shortest = Math.min(...windowMs);
          assert.ok(
            emulator !== undefined || longestGap < shortest / 2,
            `the event loop stood still for ${longestGap.toFixed(1)} ms; windows took ${windowMs.map((ms) => ms.toFixed(1)).join(", ")} ms`,
          );
          assert.equal(sha256(join(dir, "big-copy")), sha256(src));
        }),
      120_000,
    );

    it("copyFile reports progress and heeds an abort within a window, whatever its size", () =>
      withTempDir(async (dir) => {
        const src = join(dir, "src");
        writeFileSync(src, pattern(64 * MiB));
        for (const strategy of STRATEGIES.filter((s) => s !== "auto")) {
          const progress: number[] = [];
          await copyFile(src, join(dir, "dst"), { strategy, windowSize: 1024 * MiB, onProgress: (done) => progress.push(done) });
          // With onProgress the first slice is 8 MiB, so one 64 MiB window reports at least twice.
          assert.ok(progress.length >= 2 && progress.at(-1) === 64 * MiB, `${strategy}: ${progress.join(", ")}`);
          assert.equal(sha256(join(dir, "dst")), sha256(src));
          const controller = new AbortController();
          let reported = 0;
          await assert.rejects(
            copyFile(src, join(dir, "aborted"), {
              strategy,
              windowSize: 1024 * MiB,
              signal: controller.signal,
              onProgress: (done) => {
                reported = done;
                controller.abort();
              },
            }),
            (e: Error) => e.name === "AbortError",
          );
          assert.ok(reported < 64 * MiB, `${strategy}: aborted inside the window (at ${reported})`);
          assert.ok(!existsSync(join(dir, "aborted")), "the partial destination is removed");
        }
      }));

    it("copyFile lets timers and signal handlers run between small windows, which it copies on the JS thread", () =>
      withTempDir(async (dir) => {
        const src = join(dir, "src");
        writeFileSync(src, pattern(16 * MiB));
        let fired = false;
        let firedAfter = 0;
        let windows = 0;
        setTimeout(() => (fired = true), 0);
        await copyFile(src, join(dir, "dst"), {
          strategy: "mmap",
          windowSize: MiB, // small enough to be copied on the JS thread
          onProgress: () => {
            windows++;
            if (fired && !firedAfter) firedAfter = windows;
            // 10 ms of JS-thread work per window: 50 ms of it comes before the 6th window.
            const end = performance.now() + 10;
            while (performance.now() < end);
          },
        });
        assert.equal(windows, 16);
        assert.ok(firedAfter > 0 && firedAfter < 16, `the timer ran after window ${firedAfter} of 16 (0: only once the copy was done)`);
      }));

    it("an AbortSignal cancels the copy and removes the partial destination", () =>
      withTempDir(async (dir) => {
        const src = join(dir, "src");
        writeFileSync(src, pattern(8 * MiB));
        for (const atomic of [false, true]) {
          const controller = new AbortController();
          await assert.rejects(
            copyFile(src, join(dir, "dst"), { atomic, windowSize: MiB, signal: controller.signal, onProgress: () => controller.abort() }),
            (e: Error) => e.name === "AbortError",
          );
          assert.deepEqual(readdirSync(dir), ["src"], "nothing is left behind");
        }
        const aborted = AbortSignal.abort();
        await assert.rejects(copyFile(src, join(dir, "dst"), { signal: aborted }), (e: Error) => e.name === "AbortError");
        assert.deepEqual(readdirSync(dir), ["src"]);
      }));

    if (isLinux) {
      it(
        "a FIFO fed by another process is streamed, by copyFile and copyFileSync",
        () =>
          withTempDir(async (dir) => {
            // Several pipe buffers (64 KiB each), and not a whole number of pages.
            const src = join(dir, "src");
            writeFileSync(src, pattern(300_007, 5));
            const fifo = join(dir, "fifo");
            execFileSync("mkfifo", [fifo]);
            // One process (bash, then exec'd into cat), so killing it leaves nothing behind.
            let writer = spawn("bash", ["-c", 'exec cat "$0" > "$1"', src, fifo], { stdio: "ignore" });
            try {
              const r = copyFileSync(fifo, join(dir, "sync"));
              assert.equal(await exited(writer), 0);
              assert.deepEqual([r.bytes, r.strategy], [300_007, "stream"]);
              assert.equal(sha256(join(dir, "sync")), sha256(src));

              // The writer starts only when the JS thread hands it a line, after copyFile returned:
              // opening the FIFO (which waits for a writer) and reading it must happen off the JS thread.
              // (read -t bounds a regression: the writer then starts by itself and says "timeout".)
              writer = spawn("bash", ["-c", 'read -t 30 && echo parent || echo timeout; exec cat "$0" > "$1"', src, fifo], {
                stdio: ["pipe", "pipe", "ignore"],
              });
              let said = "";
              writer.stdout!.on("data", (chunk) => (said += String(chunk)));
              const copying = copyFile(fifo, join(dir, "async"));
              await new Promise((resolve) => setImmediate(resolve));
              writer.stdin!.end("go\n");
              const a = await copying;
              assert.equal(await exited(writer), 0);
              assert.equal(said, "parent\n", "copyFile let the JS thread run while it waited for the FIFO's writer");
              assert.deepEqual([a.bytes, a.strategy], [300_007, "stream"]);
              assert.equal(sha256(join(dir, "async")), sha256(src));
            } finally {
              if (writer.exitCode === null && writer.signalCode === null) {
                writer.kill("SIGKILL");
                await exited(writer);
              }
            }
          }),
        60_000,
      );

      it(
        "an abort does not wait for a FIFO's writer: neither to open it nor to write more",
        () =>
          withTempDir(async (dir) => {
            const fifo = join(dir, "fifo");
            execFileSync("mkfifo", [fifo]);
            // No writer yet: the open waits; the abort rejects at once and creates nothing.
            const controller = new AbortController();
            const opening = copyFile(fifo, join(dir, "dst"), { signal: controller.signal });
            await new Promise((resolve) => setImmediate(resolve));
            controller.abort();
            await assert.rejects(opening, (e: Error) => e.name === "AbortError");
            assert.deepEqual(readdirSync(dir), ["fifo"]);
            // A writer that opens and closes lets the abandoned open finish (its descriptor is then closed).
            assert.equal(await exited(spawn("bash", ["-c", 'exec 3>"$0"', fifo], { stdio: "ignore" })), 0);

            // A writer that writes, then keeps the FIFO open without writing: the next read waits.
            writeFileSync(join(dir, "src"), pattern(300_007, 5));
            const writer = spawn("bash", ["-c", '{ cat "$0"; read; } > "$1"', join(dir, "src"), fifo], { stdio: ["pipe", "ignore", "ignore"] });
            try {
              const reading = new AbortController();
              const copying = copyFile(fifo, join(dir, "dst"), {
                signal: reading.signal,
                // All is read; the read after it is waiting when the abort comes.
                onProgress: (done) => done === 300_007 && setImmediate(() => reading.abort()),
              });
              await assert.rejects(copying, (e: Error) => e.name === "AbortError");
              assert.deepEqual(readdirSync(dir).sort(), ["fifo", "src"], "the partial destination is removed");
            } finally {
              writer.stdin!.end("\n");
              await exited(writer);
            }
          }),
        60_000,
      );

      it("/dev/null empties the destination (cp /dev/null log), a /proc file, whose size is 0, is copied whole, a socket is ENXIO", () =>
        withTempDir(async (dir) => {
          const log = join(dir, "log");
          for (const opts of [{}, { atomic: true }]) {
            writeFileSync(log, "old contents");
            const r = copyFileSync("/dev/null", log, opts);
            assert.deepEqual([r.bytes, r.strategy, readFileSync(log, "utf8")], [0, "stream", ""], JSON.stringify(opts));
            writeFileSync(log, "old contents");
            const a = await copyFile("/dev/null", log, opts);
            assert.deepEqual([a.bytes, a.strategy, readFileSync(log, "utf8")], [0, "stream", ""], JSON.stringify(opts));
          }
          assert.deepEqual(readdirSync(dir), ["log"], "no temporary file is left");

          const ostype = "/proc/sys/kernel/ostype"; // "Linux\n": the same for every reader
          assert.equal(statSync(ostype).size, 0);
          const expected = readFileSync(ostype);
          const r = copyFileSync(ostype, join(dir, "ostype"));
          assert.deepEqual([r.bytes, r.strategy], [expected.length, "stream"]);
          assert.deepEqual(readFileSync(join(dir, "ostype")), expected);
          const a = await copyFile(ostype, join(dir, "ostype-async"));
          assert.deepEqual([a.bytes, a.strategy], [expected.length, "stream"]);
          assert.deepEqual(readFileSync(join(dir, "ostype-async")), expected);

          // A forced strategy cannot read them, and says so before touching the destination.
          writeFileSync(log, "old contents");
          for (const source of ["/dev/null", ostype]) {
            const e = throwsLike(() => copyFileSync(source, log, { strategy: "mmap" }), MmapError, /strategy 'auto'/) as InstanceType<typeof MmapError>;
            assert.equal(e.code, "ERR_NOT_REGULAR_FILE");
          }
          assert.equal(readFileSync(log, "utf8"), "old contents");

          // A socket cannot be opened at all: a clear error, as cp's.
          const server = createServer();
          const sock = join(dir, "sock");
          await new Promise<void>((resolve) => server.listen(sock, resolve));
          try {
            const e = throwsLike(() => copyFileSync(sock, log), MmapError, /is a socket/) as InstanceType<typeof MmapError>;
            assert.equal(e.code, "ENXIO");
            await assert.rejects(copyFile(sock, log), (err: InstanceType<typeof MmapError>) => err.code === "ENXIO");
          } finally {
            await new Promise((resolve) => server.close(resolve));
          }
          assert.equal(readFileSync(log, "utf8"), "old contents");
        }));

      it("a destination that is no regular file (/dev/null, a FIFO without a reader, a symlink to one) is refused before it is opened, and left as it was", () =>
        withTempDir(async (dir) => {
          const src = join(dir, "src");
          writeFileSync(src, pattern(100_000, 3));
          const fifo = join(dir, "fifo");
          execFileSync("mkfifo", [fifo]);
          symlinkSync(fifo, join(dir, "to-fifo"));
          // (The old code removed the destination when its ftruncate failed: /dev/null itself, as root.)
          for (const dst of ["/dev/null", fifo, join(dir, "to-fifo")]) {
            for (const opts of [{}, { atomic: true }, { strategy: "mmap" as const }]) {
              const what = `${dst} ${JSON.stringify(opts)}`;
              const e = throwsLike(() => copyFileSync(src, dst, opts), MmapError, /not a regular file/) as InstanceType<typeof MmapError>;
              assert.deepEqual([e.code, e.path], ["ERR_NOT_REGULAR_FILE", dst], what);
              await assert.rejects(copyFile(src, dst, opts), (err: InstanceType<typeof MmapError>) => err.code === "ERR_NOT_REGULAR_FILE", what);
            }
          }
          assert.ok(statSync("/dev/null").isCharacterDevice(), "/dev/null is still the device");
          assert.ok(statSync(fifo).isFIFO(), "the FIFO is still there");
          assert.deepEqual(readdirSync(dir).sort(), ["fifo", "src", "to-fifo"], "nothing was created beside them");
        }));
    } else {
      skip(
        "a FIFO, /dev/null and a /proc file are streamed; a socket is ENXIO",
        "Windows has no FIFOs, /dev/null or /proc; macOS has the first two but its builds are only checked statically here (see README)",
      );
    }

    if (isWindows) {
      skip("a destination 'b/' that is no folder is ENOTDIR, and a dangling symlink is refused", "POSIX path rules; Windows has no unprivileged symlinks");
    } else {
      it("a destination 'b/' that is no folder is ENOTDIR, and a dangling symlink is refused, as cp does", () =>
        withTempDir((dir) => {
          const src = join(dir, "src");
          writeFileSync(src, "x");
          writeFileSync(join(dir, "file"), "old");
          symlinkSync("nowhere", join(dir, "dangling"));
          for (const atomic of [false, true]) {
            for (const name of ["missing/", "file/", "dangling/"]) {
              const e = throwsLike(() => copyFileSync(src, join(dir, name), { atomic }), MmapError, /names a folder/) as InstanceType<typeof MmapError>;
              assert.equal(e.code, "ENOTDIR", name);
              assert.equal(e.path, join(dir, name));
            }
          }
          // Its folder missing too: that is what cp reports (ENOENT).
          assert.equal((throwsLike(() => copyFileSync(src, join(dir, "missing", "x/")), MmapError) as InstanceType<typeof MmapError>).code, "ENOENT");
          for (const exclusive of [false, true]) {
            const e = throwsLike(() => copyFileSync(src, join(dir, "dangling"), { exclusive }), MmapError, /dangling/) as InstanceType<typeof MmapError>;
            assert.equal(e.code, "ERR_DANGLING_SYMLINK");
            assert.equal(readlinkSync(join(dir, "dangling")), "nowhere", "the link is untouched");
          }
          assert.deepEqual(readdirSync(dir).sort(), ["dangling", "file", "src"], "nothing was created");
          assert.equal(readFileSync(join(dir, "file"), "utf8"), "old");
        }));
    }

    it("rejects bad arguments with TypeError or RangeError", () =>
      withTempDir(async (dir) => {
        const src = join(dir, "src");
        writeFileSync(src, "x");
        const dst = join(dir, "dst");
        throwsLike(() => copyFileSync(src, dst, { strategy: "fast" as never }), RangeError);
        throwsLike(() => copyFileSync(src, dst, { windowSize: 0 }), RangeError);
        throwsLike(() => copyFileSync(src, dst, { windowSize: -1 }), RangeError);
        throwsLike(() => copyFileSync(src, dst, { onProgress: 1 as never }), TypeError);
        throwsLike(() => copyFileSync(src, dst, { signal: {} as never }), TypeError);
        throwsLike(() => copyFileSync(src, dst, { atomic: "yes" as never }), TypeError);
        throwsLike(() => copyFileSync(3 as never, dst), TypeError);
        throwsLike(() => copyFileSync(src, null as never), TypeError);
        await assert.rejects(copyFile(src, dst, { strategy: 7 as never }), TypeError);
        assert.ok(!existsSync(dst));
      }));
  });
}

/** The exit code of a child (its signal's name if one ended it). */
function exited(child: ChildProcess): Promise<number | string> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode ?? child.signalCode!);
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal!)));
}

function readAt(path: string, position: number, length: number): Uint8Array {
  const fd = openSync(path, "r");
  try {
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const n = readSync(fd, out, done, length - done, position + done);
      if (n === 0) break;
      done += n;
    }
    return out;
  } finally {
    closeSync(fd);
  }
}
