import { spawn, type StdioOptions } from "node:child_process";
import process from "node:process";
import type { Readable, Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import type { Backend } from "./backend.ts";
import { MmapError } from "./errors.ts";
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
  /** Flags for the child's runtime, before the module (default: this process's own when the runtime is the same; for Deno, added to the ones memmap needs). */
  runtimeArgs?: string[];
}

/** A running child. */
export interface ChildHandle {
  /** undefined if the process could not be started (exited then rejects). */
  pid: number | undefined;
  /** Resolves when the child exits. */
  exited: Promise<{ code: number | null; signal: string | null }>;
  kill(signal?: NodeJS.Signals | number): void;
  stdin: Writable | null;
  stdout: Readable | null;
  stderr: Readable | null;
}

/** How each runtime is told to run a module, with what memmap needs (Deno's permissions). */
export function runtimeCommand(execPath: string, module: string, runtimeArgs: string[], args: string[]): string[] {
  const name = execPath.split(/[\\/]/).pop()!.toLowerCase();
  if (name.startsWith("deno")) {
    return ["run", "--allow-ffi", "--allow-read", "--allow-write", "--allow-env", ...runtimeArgs, module, ...args];
  }
  return [...runtimeArgs, module, ...args];
}

/**
 * Starts `module` in a new process of this runtime (or `execPath`'s) that
 * inherits the shared mappings: each is handed down as a descriptor (a memfd
 * for anonymous memory, the file itself otherwise), so nothing has a name that
 * could outlive the processes. JS runtimes cannot fork() safely, so this spawns.
 */
export function forkModule(backend: Backend, module: string | URL, forkOptions: ForkOptions = {}): ChildHandle {
  if (typeof module !== "string" && !(module instanceof URL)) throw new TypeError("module must be a path or URL");
  if (typeof forkOptions !== "object" || forkOptions === null) throw new TypeError("options must be an object");
  const { share = {}, args = [], env = {}, stdio = "inherit", execPath = process.execPath } = forkOptions;
  // The same runtime gets this process's own flags, as child_process.fork does.
  const runtimeArgs = forkOptions.runtimeArgs ?? (execPath === process.execPath ? process.execArgv : []);
  if (!["inherit", "pipe", "ignore"].includes(stdio)) throw new RangeError(`options.stdio must be "inherit", "pipe" or "ignore"`);
  if (!Array.isArray(args) || !args.every((a) => typeof a === "string")) throw new TypeError("options.args must be strings");
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
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve, reject) => {
      child.once("exit", (code, signal) => resolve({ code, signal }));
      child.once("error", (e) => reject(new MmapError(`fork: could not start ${execPath}: ${e.message}`, { code: "ERR_FORK", cause: e })));
    });
    return {
      // undefined when the runtime could not be started (never -1 or 0: kill() of those signals whole groups).
      pid: child.pid,
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

let inheritedCache: Record<string, Mapping> | undefined;

/** In a child started by fork(): the mappings its parent shared, by name (empty elsewhere). */
export function inheritedMappings(backend: Backend): Record<string, Mapping> {
  if (inheritedCache) return inheritedCache;
  const text = process.env[INHERIT_ENV];
  const out: Record<string, Mapping> = {};
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
