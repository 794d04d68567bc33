/**
 * @module
 * memmap-cp for Deno: `deno run --allow-ffi --allow-read --allow-write jsr:@memmap/deno/cp SRC DST`
 * (in this repository: `deno run --allow-ffi --allow-read --allow-write packages/deno/cp.ts SRC DST`). See `--help`.
 */
import process from "node:process";
import { copyCli } from "@memmap/core/backend";
import config from "./deno.json" with { type: "json" };
import { copyFile } from "./mod.ts";

/** A variable only where --allow-env already grants it: asking would prompt a user on a terminal. */
function env(name: string): string | undefined {
  return Deno.permissions.querySync({ name: "env", variable: name }).state === "granted" ? Deno.env.get(name) : undefined;
}

if (import.meta.main) {
  process.exitCode = await copyCli(Deno.args, {
    copyFile,
    program: "memmap-cp",
    stdout: process.stdout,
    stderr: process.stderr,
    version: { name: config.name, version: config.version },
    env,
  });
}
