#!/usr/bin/env bun
// memmap-cp for Bun: see `memmap-cp-bun --help`. Named apart from @memmap/node's memmap-cp, so
// that a project with both packages gets both bins (one name would be whichever npm linked last).
import { runCopyCli } from "@memmap/core/backend";
import { copyFile } from "@memmap/bun";

await runCopyCli("memmap-cp-bun", new URL("../../package.json", import.meta.url), copyFile);
