#!/usr/bin/env bun
// memmap-cp for Bun: see `memmap-cp --help`.
import { copyCli } from "@memmap/core/backend";
import { copyFile } from "@memmap/bun";

process.exitCode = await copyCli(process.argv.slice(2), { copyFile, stdout: process.stdout, stderr: process.stderr });
