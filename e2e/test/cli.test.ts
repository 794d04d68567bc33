import assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import {
  closeSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, it } from "vitest";
import { ROOT, RUNTIMES, scriptCommand } from "../../scripts/runtimes.ts";

/** memmap-cp as each runtime's users run it. */
const cli = (...[command, args]: [string, string[]]) => [command, ...args];
/** Each CLI's name, as its package's bin calls it, and the package's manifest (for --version). */
const PROGRAMS: Record<string, [program: string, manifest: string]> = {
  node: ["memmap-cp", "packages/node/package.json"],
  node22: ["memmap-cp", "packages/node/package.json"],
  bun: ["memmap-cp-bun", "packages/bun/package.json"],
  deno: ["memmap-cp", "packages/deno/deno.json"],
};
const CLIS: Record<string, string[]> = {
  // As its shebang runs it (#!/usr/bin/env -S node --disable-warning=ExperimentalWarning).
  node: cli(...scriptCommand(RUNTIMES.node26, join(ROOT, "packages/node/dist/bin/memmap-cp.js"))),
  // koffi, and a Node whose own module loader runs the version check and the CLI.
  node22: cli(...scriptCommand(RUNTIMES.node22, join(ROOT, "packages/node/dist/bin/memmap-cp.js"))),
  bun: cli(...scriptCommand(RUNTIMES.bun, join(ROOT, "packages/bun/dist/bin/memmap-cp-bun.js"))),
  deno: cli(...scriptCommand(RUNTIMES.deno, join(ROOT, "packages/deno/cp.ts"))),
};

let dir = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "memmap-cli-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cp(runtime: string, ...args: string[]) {
  const [command, ...pre] = CLIS[runtime]!;
  return spawnSync(command!, [...pre, ...args], { encoding: "utf8", cwd: dir });
}

describe("memmap-cp", () => {
  for (const runtime of Object.keys(CLIS)) {
    it(`${runtime}: copies, copies into a folder, and exits like cp on errors`, () => {
      const src = join(dir, `src-${runtime}`);
      writeFileSync(src, "some bytes\n".repeat(1000));
      let r = cp(runtime, "-v", src, join(dir, `dst-${runtime}`));
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /by (clone|copy_file_range|mmap) in/);
      assert.deepEqual(readFileSync(join(dir, `dst-${runtime}`)), readFileSync(src));
      const folder = join(dir, `folder-${runtime}`);
      mkdirSync(folder);
      r = cp(runtime, "--strategy=mmap", "--atomic", "--durable", src, folder);
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(readFileSync(join(folder, `src-${runtime}`)), readFileSync(src));

      r = cp(runtime, join(dir, "missing"), join(dir, "x"));
      assert.equal(r.status, 1);
      assert.match(r.stderr, /^memmap-cp(-bun)?: ENOENT: .*missing.*source file does not exist/);
      r = cp(runtime, "-n", src, join(dir, `dst-${runtime}`));
      assert.equal(r.status, 1);
      assert.match(r.stderr, /EEXIST/);
      // GNU cp writes into a device; memmap-cp refuses one, and leaves it be (it once removed /dev/null).
      r = cp(runtime, src, "/dev/null");
      assert.equal(r.status, 1);
      assert.match(r.stderr, /^memmap-cp(-bun)?: destination '\/dev\/null' is a character device, not a regular file/);
      assert.ok(statSync("/dev/null").isCharacterDevice());
      r = cp(runtime, "--frobnicate", src, join(dir, "y"));
      assert.equal(r.status, 1);
      assert.match(r.stderr, /unknown option --frobnicate/);
      r = cp(runtime, src);
      assert.equal(r.status, 1);
      const [program, manifest] = PROGRAMS[runtime]!;
      r = cp(runtime, "--help");
      assert.equal(r.status, 0);
      assert.ok(r.stdout.startsWith(`Usage: ${program} [OPTIONS] SRC DST`), r.stdout);
      assert.match(r.stdout, /--atomic/);
      const { name, version } = JSON.parse(readFileSync(join(ROOT, manifest), "utf8"));
      r = cp(runtime, "--version");
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, `${program} (${name}) ${version}\n`);
    });
  }

  it("shows a progress bar on a terminal for a large file, and none when piped", () => {
    const big = join(dir, "big");
    writeFileSync(big, new Uint8Array(96 * 2 ** 20));
    const [command, ...pre] = CLIS.node!;
    const line = [command, ...pre, "--window=16M", big, join(dir, "big-tty")].map((a) => `'${a}'`).join(" ");
    // script(1) gives the command a pseudo-terminal.
    const tty = execFileSync("script", ["-qfec", line, "/dev/null"], { encoding: "utf8" });
    const lines = tty
      .replace(/\r?\n$/, "")
      .split("\r")
      .filter(Boolean);
    assert.ok(lines.length >= 2, JSON.stringify(tty));
    for (const l of lines) assert.match(l.trimEnd(), PROGRESS_LINE);
    assert.match(lines.at(-1)!, /\] 100% 96\.0 MiB \/ 96\.0 MiB, .* elapsed, ETA 0:00/);
    const piped = cp("node", big, join(dir, "big-pipe"));
    assert.equal(piped.status, 0);
    assert.equal(piped.stderr, "");
    // A streamed source has no total to draw a bar against: its bytes are counted.
    const streamed = cp("node", "--progress", "/proc/sys/kernel/ostype", join(dir, "ostype-progress"));
    assert.equal(streamed.status, 0, streamed.stderr);
    assert.match(streamed.stderr, /^(\r6 B, [\d.]+ [KMGT]?i?B\/s, 0:00 elapsed *)+\n$/);
  });

  it("redraws its progress line every 0.1 s, also while no bytes come", async () => {
    // A FIFO whose writer writes 1 KiB, then holds it open without writing until it gets a line.
    const folder = mkdtempSync(join(dir, "stalled-"));
    execFileSync("mkfifo", [join(folder, "fifo")]);
    const writer = spawn("bash", ["-c", "{ head -c 1024 /dev/zero; read; } > fifo"], { cwd: folder, stdio: ["pipe", "ignore", "ignore"] });
    const [command, ...pre] = CLIS.node!;
    const child = spawn(command!, [...pre, "--progress", "fifo", "dst"], { cwd: folder, stdio: ["ignore", "ignore", "pipe"] });
    try {
      let stderr = "";
      // Five draws of the same 1 KiB: the timer drew them, not a read (the next read waits for the writer).
      await new Promise<void>((resolve) =>
        child.stderr!.on("data", (chunk) => {
          stderr += String(chunk);
          if (stderr.split("\r1.0 KiB, ").length > 5) resolve();
        }),
      );
      writer.stdin!.end("\n");
      assert.deepEqual(await Promise.all([exited(child), exited(writer)]), [0, 0]);
      assert.match(stderr.split("\r").at(-1)!, /^1\.0 KiB, .* elapsed *\n$/);
    } finally {
      await reap(writer, child);
      rmSync(folder, { recursive: true });
    }
  });
});

/** Kills (SIGKILL) and waits for whichever of these still runs: a failed case leaves no process behind. */
async function reap(...children: ChildProcess[]): Promise<void> {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    await exited(c);
  }
}

/** One progress line: bar, percent, bytes, rate, elapsed time, ETA. */
const PROGRESS_LINE = /^\[[#.]{10,40}\] +\d+% [\d.]+ [KMGT]?i?B \/ [\d.]+ [KMGT]?i?B, [\d.]+ [KMGT]?i?B\/s, \d+:\d\d elapsed, ETA (\d+:\d\d|-:--)$/;

/** The processes whose working folder is `folder`: a child memmap-cp left would be one. */
function processesIn(folder: string): string[] {
  return readdirSync("/proc")
    .filter((pid) => /^\d+$/.test(pid))
    .filter((pid) => {
      try {
        return readlinkSync(`/proc/${pid}/cwd`) === folder;
      } catch {
        return false; // gone, or not ours to look at
      }
    });
}

/** Exit statuses a shell reports after these signals, as memmap-cp exits. */
const SIGNALS = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;

describe("memmap-cp interrupted by a signal mid-copy", () => {
  const SIZE = 48 * 2 ** 20;
  const cases = [
    { name: "a new destination", args: ["src", "dst"], existing: false },
    { name: "an existing destination", args: ["src", "dst"], existing: true },
    { name: "--atomic onto an existing destination", args: ["--atomic", "src", "dst"], existing: true },
  ];
  for (const runtime of Object.keys(CLIS)) {
    for (const [signal, status] of Object.entries(SIGNALS)) {
      it(`${runtime}: ${signal} removes the partial copy and exits ${status}`, async () => {
        for (const c of cases) {
          const folder = mkdtempSync(join(dir, `${runtime}-${signal}-`));
          writeFileSync(join(folder, "src"), new Uint8Array(SIZE).fill(7));
          if (c.existing) writeFileSync(join(folder, "dst"), "old contents");
          // The test hook waits for a byte on this FIFO after the first progress report.
          // Opened read-write here, the FIFO takes the byte even if memmap-cp is gone (the test then fails, not hangs).
          execFileSync("mkfifo", [join(folder, "pause")]);
          const pause = openSync(join(folder, "pause"), "r+");
          const [command, ...pre] = CLIS[runtime]!;
          const child = spawn(command!, [...pre, ...c.args], {
            cwd: folder,
            env: { ...process.env, MEMMAP_TEST_HOOKS: "1", MEMMAP_CP_PAUSE: join(folder, "pause") },
            stdio: ["ignore", "ignore", "pipe"],
          });
          let stderr = "";
          const done = exited(child);
          try {
            await Promise.race([
              done,
              new Promise<void>((resolve) =>
                child.stderr!.on("data", (chunk) => {
                  stderr += String(chunk);
                  if (stderr.includes("test hook: paused")) resolve();
                }),
              ),
            ]);
            const paused = /test hook: paused after (\d+) bytes/.exec(stderr);
            assert.ok(paused && Number(paused[1]) < SIZE, `${c.name}: paused mid-copy (${stderr})`);
            // Mid-copy: the file being written is already full-size, as a killed process would leave it.
            const written = readdirSync(folder).find((n) => n.endsWith(".memmap-tmp")) ?? "dst";
            assert.equal(statSync(join(folder, written)).size, SIZE, `${c.name}: ${written} is full-size mid-copy`);
            child.kill(signal as NodeJS.Signals);
            writeSync(pause, "x");
            const code = await done;
            assert.equal(code, status, `${c.name}: exit status (${stderr})`);
            assert.match(stderr, new RegExp(`interrupted by ${signal}; no partial copy`), c.name);
            const left = c.args.includes("--atomic") ? ["dst", "pause", "src"] : ["pause", "src"];
            assert.deepEqual(readdirSync(folder).sort(), left, `${c.name}: what is left`);
            if (left.includes("dst")) assert.equal(readFileSync(join(folder, "dst"), "utf8"), "old contents", "--atomic left the old file untouched");
            assert.deepEqual(processesIn(folder), [], "no process is left");
          } finally {
            await reap(child);
            closeSync(pause);
            rmSync(folder, { recursive: true });
          }
        }
      });
    }
  }
});

/** GNU cp, with its messages in English. */
const GNU_CP = "/usr/bin/cp";
const C_LOCALE = { ...process.env, LC_ALL: "C" };

/** Everything in a folder: kind, mode, bytes (or link target), so two runs' results compare as one value. */
function snapshot(folder: string, skip: string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of (readdirSync(folder, { recursive: true }) as string[]).sort()) {
    if (skip.includes(name)) continue;
    const path = join(folder, name);
    const st = lstatSync(path);
    const mode = (st.mode & 0o7777).toString(8);
    out[name] = st.isSymbolicLink()
      ? `link -> ${readlinkSync(path)}`
      : st.isFile()
        ? `file ${mode} ${readFileSync(path).toString("base64")}`
        : st.isDirectory()
          ? `folder ${mode}`
          : st.isFIFO()
            ? "fifo"
            : st.isSocket()
              ? "socket"
              : "other";
  }
  return out;
}

function exited(child: ChildProcess): Promise<number | string> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode ?? child.signalCode!);
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal!)));
}

interface ParityCase {
  name: string;
  /** Builds the inputs in an empty folder; returns what to undo (a writer to reap, a server to close). */
  // biome-ignore lint/suspicious/noConfusingVoidType: most setups are one writeFileSync, whose result is void
  setup(folder: string): void | Promise<{ writer?: ChildProcess; server?: Server }>;
  args: string[];
  /** An error: what cp's message and memmap-cp's say, in each one's words. */
  meaning?: [cp: RegExp, memmap: RegExp];
  /** Left out of the comparison of the two folders (compared loosely by `loosely`). */
  skip?: string[];
  loosely?(cpFolder: string, memmapFolder: string): void;
}

const SRC = "some bytes\n".repeat(1000);
const fieldNames = (path: string) =>
  readFileSync(path, "utf8")
    .split("\n")
    .map((line) => line.split(":")[0]);

const PARITY: ParityCase[] = [
  { name: "a regular file", setup: (f) => writeFileSync(join(f, "src"), SRC), args: ["src", "dst"] },
  {
    name: "into a folder",
    setup: (f) => {
      writeFileSync(join(f, "src"), SRC);
      mkdirSync(join(f, "folder"));
    },
    args: ["src", "folder"],
  },
  { name: "/dev/null onto an existing file", setup: (f) => writeFileSync(join(f, "log"), "old log lines\n"), args: ["/dev/null", "log"] },
  {
    name: "a FIFO fed by a writer",
    setup: async (f) => {
      writeFileSync(join(f, "fed"), SRC.repeat(30)); // 330 kB: several pipe buffers
      execFileSync("mkfifo", [join(f, "fifo")]);
      // One process (bash exec'd into cat): killing it leaves nothing behind.
      return { writer: spawn("bash", ["-c", "exec cat fed > fifo"], { cwd: f, stdio: "ignore" }) };
    },
    args: ["fifo", "dst"],
  },
  { name: "a /proc file with stable content", setup: () => {}, args: ["/proc/sys/kernel/ostype", "ostype"] },
  {
    name: "a /proc file whose content is the reader's",
    setup: () => {},
    args: ["/proc/self/status", "status"],
    skip: ["status"],
    loosely: (a, b) => {
      assert.ok(readFileSync(join(b, "status"), "utf8").startsWith("Name:"));
      assert.deepEqual(fieldNames(join(b, "status")), fieldNames(join(a, "status")));
    },
  },
  {
    name: "a missing source",
    setup: () => {},
    args: ["missing", "dst"],
    meaning: [/No such file or directory/, /^memmap-cp: ENOENT: .*source file does not exist/],
  },
  {
    name: "a folder as source",
    setup: (f) => mkdirSync(join(f, "folder")),
    args: ["folder", "dst"],
    meaning: [/omitting directory/, /^memmap-cp: EISDIR: .*is a directory/],
  },
  {
    name: "a socket as source",
    setup: async (f) => {
      const server = createServer();
      await new Promise<void>((resolve) => server.listen(join(f, "sock"), resolve));
      return { server };
    },
    args: ["sock", "dst"],
    meaning: [/No such device or address/, /^memmap-cp: ENXIO: .*is a socket/],
  },
  {
    name: "a missing folder with a trailing slash",
    setup: (f) => writeFileSync(join(f, "src"), SRC),
    args: ["src", "nodir/"],
    meaning: [/cannot create regular file 'nodir\/': Not a directory/, /^memmap-cp: ENOTDIR: .*'nodir\/'.*names a folder/],
  },
  {
    name: "a file with a trailing slash",
    setup: (f) => {
      writeFileSync(join(f, "src"), SRC);
      writeFileSync(join(f, "file"), "old");
    },
    args: ["src", "file/"],
    meaning: [/Not a directory/, /^memmap-cp: ENOTDIR: .*names a folder/],
  },
  {
    name: "a missing folder's subfolder with a trailing slash",
    setup: (f) => writeFileSync(join(f, "src"), SRC),
    args: ["src", "nodir/x/"],
    meaning: [/No such file or directory/, /^memmap-cp: ENOENT: .*folder does not exist/],
  },
  {
    name: "a dangling symlink",
    setup: (f) => {
      writeFileSync(join(f, "src"), SRC);
      symlinkSync("nowhere", join(f, "link"));
    },
    args: ["src", "link"],
    meaning: [/not writing through dangling symlink 'link'/, /^memmap-cp: destination 'link' is a symbolic link to 'nowhere', which does not exist/],
  },
  {
    // No writer: opening the FIFO first would wait forever (the run's timeout ends that).
    name: "a FIFO onto itself, through a symlink",
    setup: (f) => {
      execFileSync("mkfifo", [join(f, "fifo")]);
      symlinkSync("fifo", join(f, "link"));
    },
    args: ["fifo", "link"],
    meaning: [/are the same file/, /^memmap-cp: source and destination are the same file/],
  },
  {
    name: "a file onto itself",
    setup: (f) => writeFileSync(join(f, "src"), SRC),
    args: ["src", "src"],
    meaning: [/are the same file/, /^memmap-cp: source and destination are the same file/],
  },
];

/** Deno's file API reads /proc only with --allow-all; memmap-cp says so (see the README). */
const DENO_ALL = cli(...scriptCommand(RUNTIMES.deno, join(ROOT, "packages/deno/cp.ts"), { allowAll: true }));

describe("memmap-cp matches GNU cp on the same inputs", () => {
  const run = async (command: string[], c: ParityCase, folder: string) => {
    mkdirSync(folder);
    const undo = (await c.setup(folder)) ?? {};
    try {
      // A timeout, so that a FIFO nobody writes cannot hang the suite.
      const r = spawnSync(command[0]!, [...command.slice(1), ...c.args], { cwd: folder, encoding: "utf8", env: C_LOCALE, timeout: 30_000 });
      return { ...r, writer: undo.writer && (await exited(undo.writer)) };
    } finally {
      if (undo.writer && undo.writer.exitCode === null && undo.writer.signalCode === null) {
        undo.writer.kill("SIGKILL");
        await exited(undo.writer);
      }
      await new Promise((resolve) => (undo.server ? undo.server.close(resolve) : resolve(undefined)));
    }
  };

  for (const [runtime, command] of [...Object.entries(CLIS), ["deno --allow-all", DENO_ALL] as const]) {
    it(`${runtime}: exit status, resulting files and the meaning of each message`, async () => {
      // Every case runs, and the test lists each difference.
      const differences: string[] = [];
      for (const [i, c] of PARITY.entries()) {
        const base = join(dir, `parity-${runtime.replace(/\W+/g, "-")}-${i}`);
        const gnu = await run([GNU_CP], c, `${base}-cp`);
        const ours = await run(command, c, `${base}-memmap`);
        try {
          if (runtime === "deno" && c.args[0]!.startsWith("/proc/")) {
            assert.equal(ours.status, 1);
            assert.match(ours.stderr, /^memmap-cp: source '\/proc\/.*has no size to map.*--allow-all/);
            continue;
          }
          assert.equal(ours.status, gnu.status, `exit status (cp said ${JSON.stringify(gnu.stderr)}, memmap-cp ${JSON.stringify(ours.stderr)})`);
          assert.equal(ours.writer, gnu.writer, "how the FIFO's writer ended");
          assert.deepEqual(snapshot(`${base}-memmap`, c.skip), snapshot(`${base}-cp`, c.skip), "the resulting files");
          c.loosely?.(`${base}-cp`, `${base}-memmap`);
          if (c.meaning) {
            assert.match(gnu.stderr, c.meaning[0], "cp's message");
            // Bun's bin says memmap-cp-bun where the others say memmap-cp.
            assert.match(ours.stderr.replace(/^memmap-cp-bun: /, "memmap-cp: "), c.meaning[1], "memmap-cp's message");
          } else {
            assert.deepEqual([gnu.stderr, ours.stderr], ["", ""], "no message");
          }
        } catch (e) {
          differences.push(`${c.name}: ${(e as Error).message.split("\n")[0]}`);
        }
      }
      assert.deepEqual(differences, []);
    });
  }
});
