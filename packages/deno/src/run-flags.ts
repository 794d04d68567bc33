/**
 * This process's `deno run` flags, for fork() to start a child of the same Deno with:
 * Deno's process.execArgv is always [], and no Deno API lists the flags.
 */

import { withLibc } from "./libc.ts";

/** Flags whose value may be the next argument (`--config deno.json`), from `deno run --help` (Deno 2.9). */
const VALUED = new Set([
  "-c",
  "--config",
  "--import-map",
  "--ext",
  "--lock",
  "--cert",
  "--location",
  "--seed",
  "--preload",
  "--require",
  "--conditions",
  "--node-modules-linker",
  "--min-dep-age",
  "--inspect-publish-uid",
  "-L",
  "--log-level",
]);

/** Flags a child must not repeat: watching, the parent's debugger port, reloading what the parent loaded. */
const DROPPED = new Set([
  "--watch",
  "--hmr",
  "--watch-hmr",
  "--watch-exclude",
  "--no-clear-screen",
  "--inspect",
  "--inspect-brk",
  "--inspect-wait",
  "--inspect-publish-uid",
  "-r",
  "--reload",
]);

/**
 * The run flags of a Deno command line (`argv`, whose last `args.length` entries are the
 * script's own arguments), without the script, its arguments and DROPPED; undefined for a
 * command line this does not understand: another subcommand (test, eval, serve, …), a
 * compiled program, or one the process rewrote (setting process.title does).
 */
export function runFlagsOf(argv: readonly string[], args: readonly string[]): string[] | undefined {
  const script = argv.length - args.length - 1;
  if (script < 1 || args.some((arg, i) => argv[script + 1 + i] !== arg)) return undefined;
  const flags: string[] = [];
  let subcommand = false;
  for (let i = 1; i < script; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("-")) {
      // The only word before the script that is not a flag's value: "run" itself (`deno main.ts` has none).
      if (arg !== "run" || subcommand) return undefined;
      subcommand = true;
      continue;
    }
    const value = VALUED.has(arg) && i + 1 < script && !argv[i + 1]!.startsWith("-") ? [argv[++i]!] : [];
    if (!DROPPED.has(arg.split("=", 1)[0]!)) flags.push(arg, ...value);
  }
  return flags;
}

/**
 * /proc/self/cmdline, or undefined where there is none or it cannot be read. Deno lets only
 * --allow-all read /proc/self; this reads it through libc instead, with the FFI permission
 * memmap needs anyway (FFI is not sandboxed), and only when that permission is unrestricted.
 */
function readCommandLine(): string[] | undefined {
  if (Deno.build.os !== "linux" || Deno.permissions.querySync({ name: "ffi" }).state !== "granted") return undefined;
  try {
    return withLibc((libc) => {
      const fd = libc.open(new TextEncoder().encode("/proc/self/cmdline\0"), 0 /* O_RDONLY */);
      if (fd < 0) return undefined;
      let text = "";
      try {
        const decoder = new TextDecoder();
        const chunk = new Uint8Array(64 * 1024);
        for (;;) {
          const n = Number(libc.read(fd, chunk, BigInt(chunk.length)));
          if (n < 0) return undefined;
          if (n === 0) break;
          text += decoder.decode(chunk.subarray(0, n), { stream: true });
        }
        text += decoder.decode();
      } finally {
        libc.close(fd);
      }
      // Every argument ends with a NUL.
      return text.split("\0").slice(0, -1);
    });
  } catch {
    return undefined;
  }
}

/** This process's run flags, or undefined where they cannot be recovered (see runFlagsOf, readCommandLine). */
export function readRunFlags(): string[] | undefined {
  const argv = readCommandLine();
  return argv && runFlagsOf(argv, Deno.args);
}
