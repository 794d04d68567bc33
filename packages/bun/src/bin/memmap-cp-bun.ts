#!/usr/bin/env bun
// memmap-cp for Bun: see `memmap-cp-bun --help`. Named apart from @memmap/node's memmap-cp, so
// that a project with both packages gets both bins (one name would be whichever npm linked last).
import { copyCli, packageOf } from "@memmap/core/backend";
import { copyFile } from "@memmap/bun";

process.exitCode = await copyCli(process.argv.slice(2), {
  copyFile,
  program: "memmap-cp-bun",
  stdout: process.stdout,
  stderr: process.stderr,
  version: packageOf(new URL("../../package.json", import.meta.url)),
  env: (name) => process.env[name],
});
