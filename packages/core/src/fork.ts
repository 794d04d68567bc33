import { spawn, type StdioOptions } from "node:child_process";
import { constants } from "node:os";
import process from "node:process";
import type { Readable, Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import type { Backend } from "./backend.ts";
import { errnos, MmapError } from "./errors.ts";
import { IS_WINDOWS, windowsUnsupported } from "./host.ts";
import { adoptAnonymous, mapFile } from "./map.ts";
import { type MapMode, Mapping } from "./mapping.ts";

/** The environment variable a forked child finds its shared mappings in (JSON, see SharedEntry). */
export const INHERIT_ENV = "MEMMAP_INHERITED";

/** One shared mapping as the child sees it: descriptor `fd` holds the memory. */
interface SharedEntry {
  name: string;
  fd: number;
  anonymous: boolean;
  mode: MapMode;
  offset: number;
  length: number;
}

/** Options of fork(). */
export interface ForkOptions {
  /** Mappings the child gets from inherited(), by name. */
  share?: Record<string, Mapping>;
  /** Arguments after the module. */
  args?: string[];
  /** Extra environment variables (the parent's are inherited). */
  env?: Record<string, string>;
  /** "inherit" (default), "pipe" or "ignore" for stdin, stdout and stderr. */
  stdio?: "inherit" | "pipe" | "ignore";
  /** The runtime to run the child with (default: this one). Bun, Deno and Node are told apart by its name. */
  execPath?: string;
  /**
   * Flags for the child's runtime, before the module. Default: this process's own when the
   * runtime is the same (Node and Bun: process.execArgv; Deno: the flags of its `deno run`
   * command line, read from /proc/self/cmdline at import, without the script and its
   * arguments, and without --watch, --hmr, --inspect* and --reload). Where Deno's flags
   * cannot be recovered (no /proc: macOS, Windows; `--allow-ffi` limited to some paths; a
   * parent started by `deno test`, `eval`, `serve` or compiled) the default is none: pass
   * them here. For Deno, memmap adds `--allow-ffi`, `--allow-read`, `--allow-write` and
   * `--allow-env`, each only where these flags neither grant all (`-A`) nor name that
   * permission; a list stays as given, except that `--allow-env=LIST` gets MEMMAP_INHERITED.
   */
  runtimeArgs?: string[];
}

/** How a child ended: as ChildHandle.exited resolves. */
export interface ChildExit {
  /** The exit code, or null if a signal ended the child. */
  code: number | null;
  /** The signal that ended the child ("SIGKILL", …), or null if it exited. */
  signal: string | null;
}

/** A running child, as fork() returns it. */
export interface ChildHandle {
  /** The child's process id (fork() throws ERR_FORK when the process cannot be started). */
  pid: number;
  /** Resolves when the child exits, with its exit code or the signal that ended it. */
  exited: Promise<ChildExit>;
  /** Sends `signal` (default "SIGTERM") to the child. */
  kill(signal?: NodeJS.Signals | number): void;
  /** The child's standard input with `stdio: "pipe"`, else null. */
  stdin: Writable | null;
  /** The child's standard output with `stdio: "pipe"`, else null. */
  stdout: Readable | null;
  /** The child's standard error with `stdio: "pipe"`, else null. */
  stderr: Readable | null;
}

/** How each runtime is told to run a module, with what memmap needs (Deno's permissions). */
export function runtimeCommand(execPath: string, module: string, runtimeArgs: string[], args: string[]): string[] {
  const name = execPath.split(/[\\/]/).pop()!.toLowerCase();
  if (name.startsWith("deno")) return ["run", ...withDenoPermissions(runtimeArgs), module, ...args];
  return [...runtimeArgs, module, ...args];
}

/** The permissions a Deno child gets unless its flags say otherwise, and their short flags. */
const DENO_PERMISSIONS = [
  ["ffi", ""],
  ["read", "R"],
  ["write", "W"],
  ["env", "E"],
] as const;

/** The letters of a short flag or bundle ("-RW", "-E=HOME"), up to one that takes a value (-c, -L). */
function shortLetters(flag: string): string {
  if (!/^-[A-Za-z]/.test(flag)) return "";
  const letters = /^-([A-Za-z]+)/.exec(flag)![1]!;
  const valued = letters.search(/[cL]/);
  return valued < 0 ? letters : letters.slice(0, valued);
}

/**
 * Deno's flags plus the permissions memmap's child needs, merged: a bare --allow-read next to
 * --allow-all is an error ("--allow-all conflicts with --allow-read"), and next to
 * --allow-read=LIST the child's reach would depend on how Deno merges the two (2.9 keeps the
 * list), so a permission the flags already name stays as they name it. An env list gets
 * MEMMAP_INHERITED, the one variable inherited() must read.
 */
function withDenoPermissions(flags: string[]): string[] {
  if (flags.some((f) => f === "--allow-all" || shortLetters(f).includes("A"))) return flags;
  const merged = flags.map((f) => {
    const list = /^(--allow-env|-[A-Za-z]*E)=(.*)$/.exec(f);
    if (!list || (list[1] !== "--allow-env" && !shortLetters(f).endsWith("E"))) return f;
    return list[2]!.split(",").includes(INHERIT_ENV) ? f : `${f},${INHERIT_ENV}`;
  });
  const added = DENO_PERMISSIONS.filter(
    ([name, letter]) => !flags.some((f) => f === `--allow-${name}` || f.startsWith(`--allow-${name}=`) || (letter && shortLetters(f).includes(letter))),
  ).map(([name]) => `--allow-${name}`);
  return [...added, ...merged];
}

/** How the children this process forked ended, by pid (the latest EXITS_KEPT), for a Channel waiting for one. */
const exits = new Map<number, ChildExit>();
const EXITS_KEPT = 1024;
/** The children fork() shared each mapping with: how many in all, and the latest EXITS_KEPT pids. */
const recipients = new WeakMap<Mapping, { count: number; pids: number[] }>();

/** The children that are still running, until their exit event has been handled. */
const running = new Map<number, Promise<unknown>>();
const SIGNAL_NAMES = new Map(Object.entries(constants.signals).map(([name, number]) => [number, name]));

/**
 * How child `pid` ended, if this process forked it and it has exited: from its exit event,
 * or, before the event loop got to that (a parent blocked in a wait), read from the kernel
 * without reaping it (memmap_child_exit).
 */
export function forkedChildExit(backend: Backend, pid: number): ChildExit | undefined {
  const state = forkedChildState(backend, pid);
  return state === PENDING ? undefined : state;
}

/** forkedChildState's answer for a child that is unreaped and not waitable yet. */
export const PENDING = "pending";

/**
 * forkedChildExit, telling apart a child the kernel holds unreaped but cannot report yet
 * (PENDING: running, or exiting) from one it no longer knows (undefined: reaped by the runtime,
 * its event on its way). A process of several threads shows as a zombie in /proc once its
 * main thread has exited, and is waitable only once the last one has: a runtime's process
 * that exits does that for a moment, while a zombie's code is not readable yet.
 */
export function forkedChildState(backend: Backend, pid: number): ChildExit | typeof PENDING | undefined {
  const seen = exits.get(pid);
  if (seen || !running.has(pid)) return seen;
  const status = backend.childExit(pid);
  if (status === -errnos(backend).EAGAIN) return PENDING;
  if (status < 0) return undefined;
  return status < 256 ? { code: status, signal: null } : { code: null, signal: SIGNAL_NAMES.get(status - 256) ?? String(status - 256) };
}

/** Resolves once child `pid`'s exit event has been handled (at once if it is not running), or after `ms`. */
export function forkedChildSettled(pid: number, ms: number): Promise<void> {
  const exited = running.get(pid);
  if (!exited) return Promise.resolve();
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]).then(() => clearTimeout(timer));
}

/** How many children fork() has shared `mapping` with. */
export function forkedCount(mapping: Mapping): number {
  return recipients.get(mapping)?.count ?? 0;
}

/** The pids of the children fork() shared `mapping` with after the first `count`, oldest first. */
export function forkedSince(mapping: Mapping, count: number): number[] {
  const r = recipients.get(mapping);
  return !r || r.count === count ? [] : r.pids.slice(-Math.min(r.count - count, r.pids.length));
}

/**
 * Starts `module` in a new process of this runtime (or `execPath`'s) that
 * inherits the shared mappings: each is handed down as a descriptor (a memfd
 * for anonymous memory, the file itself otherwise), so nothing has a name that
 * could outlive the processes. JS runtimes cannot fork() safely, so this spawns.
 */
export function fork(backend: Backend, module: string | URL, forkOptions: ForkOptions = {}, ownFlags: () => string[] = () => process.execArgv): ChildHandle {
  if (typeof module !== "string" && !(module instanceof URL)) throw new TypeError("module must be a path or URL");
  if (typeof forkOptions !== "object" || forkOptions === null) throw new TypeError("options must be an object");
  const { share = {}, args = [], env = {}, stdio = "inherit", execPath = process.execPath } = forkOptions;
  // The same runtime gets this process's own flags, as child_process.fork does.
  const runtimeArgs = forkOptions.runtimeArgs ?? (execPath === process.execPath ? ownFlags() : []);
  if (!["inherit", "pipe", "ignore"].includes(stdio)) throw new RangeError(`options.stdio must be "inherit", "pipe" or "ignore"`);
  if (!Array.isArray(args) || !args.every((a) => typeof a === "string")) throw new TypeError("options.args must be strings");
  if (!Array.isArray(runtimeArgs) || !runtimeArgs.every((a) => typeof a === "string")) {
    throw new TypeError("options.runtimeArgs must be strings");
  }
  const modulePath = module instanceof URL ? (module.protocol === "file:" ? fileURLToPath(module) : module.href) : module;

  if (IS_WINDOWS && Object.keys(share).length > 0) {
    throw windowsUnsupported(
      "fork({ share })",
      "mappings are handed to the child as inherited descriptors, which Windows processes cannot receive; " +
        "use openShared(name) in both processes (and fork without share) instead",
    );
  }
  const entries: SharedEntry[] = [];
  const fds: number[] = [];
  const owned: number[] = [];
  try {
    for (const [name, mapping] of Object.entries(share)) {
      if (!(mapping instanceof Mapping)) throw new TypeError(`options.share.${name} must be a Mapping`);
      const { fd, owned: mine } = mapping.shareDescriptor();
      if (mine) owned.push(fd);
      entries.push({ name, fd: 3 + fds.length, anonymous: mapping.anonymous, mode: mapping.mode, offset: mapping.offset, length: mapping.length });
      fds.push(fd);
    }
    const child = spawn(execPath, runtimeCommand(execPath, modulePath, runtimeArgs, args), {
      stdio: [stdio, stdio, stdio, ...fds] as StdioOptions,
      env: { ...process.env, ...env, [INHERIT_ENV]: JSON.stringify(entries) },
    });
    const pid = child.pid;
    if (pid === undefined) {
      // Not started (no such file, not executable): said here, at the call, so a handle always has a pid.
      // The reason arrives as an "error" event; listened to, so that it does not throw.
      child.once("error", () => {});
      throw new MmapError(`fork: could not start ${execPath}: check that options.execPath (default: this runtime) is an executable file`, {
        code: "ERR_FORK",
        path: execPath,
      });
    }
    exits.delete(pid); // a reused pid: this child is alive
    for (const mapping of Object.values(share)) {
      const r = recipients.get(mapping) ?? { count: 0, pids: [] };
      recipients.set(mapping, r);
      r.count++;
      if (r.pids.push(pid) > EXITS_KEPT) r.pids.shift();
    }
    const exited = new Promise<ChildExit>((resolve, reject) => {
      child.once("exit", (code, signal) => {
        exits.set(pid, { code, signal });
        if (exits.size > EXITS_KEPT) exits.delete(exits.keys().next().value!);
        running.delete(pid);
        resolve({ code, signal });
      });
      child.once("error", (e) => reject(new MmapError(`fork: could not start ${execPath}: ${e.message}`, { code: "ERR_FORK", cause: e })));
    });
    running.set(
      pid,
      exited.catch(() => {}),
    );
    return {
      pid,
      exited,
      kill: (signal = "SIGTERM") => void child.kill(signal),
      stdin: child.stdin,
      stdout: child.stdout,
      stderr: child.stderr,
    };
  } finally {
    // The child has its own copies now (or failed to start); ours are not needed.
    for (const fd of owned) backend.close(fd);
  }
}

let inheritedCache: Partial<Record<string, Mapping>> | undefined;

/** In a child started by fork(): the mappings its parent shared, by name (empty elsewhere). */
export function inherited(backend: Backend): Partial<Record<string, Mapping>> {
  if (inheritedCache) return inheritedCache;
  const text = process.env[INHERIT_ENV];
  const out: Partial<Record<string, Mapping>> = {};
  if (text) {
    // Read once: a grandchild started some other way must not take these descriptor numbers for its own.
    delete process.env[INHERIT_ENV];
    for (const e of JSON.parse(text) as SharedEntry[]) {
      if (e.anonymous) {
        out[e.name] = adoptAnonymous(backend, e.fd, e.length);
      } else {
        out[e.name] = mapFile(backend, e.fd, { mode: e.mode, offset: e.offset, length: e.length });
        backend.close(e.fd);
      }
    }
  }
  return (inheritedCache = out);
}
