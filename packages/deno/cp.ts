/**
 * @module
 * memmap-cp for Deno: `deno run --allow-ffi --allow-read --allow-write jsr:@memmap/deno/cp SRC DST`
 * (in this repository: `deno run --allow-ffi --allow-read --allow-write packages/deno/cp.ts SRC DST`). See `--help`.
 */
import process from "node:process";
import { copyCli } from "@memmap/core/backend";
import { copyFile } from "./mod.ts";

if (import.meta.main) {
  process.exitCode = await copyCli(Deno.args, { copyFile, stdout: process.stdout, stderr: process.stderr });
}
