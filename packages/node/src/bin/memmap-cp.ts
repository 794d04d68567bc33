#!/usr/bin/env -S node --disable-warning=ExperimentalWarning
// memmap-cp for Node: see `memmap-cp --help`. (The flag hides node:ffi's experimental warning, which a CLI user cannot act on.)
import { copyCli } from "@memmap/core/backend";
import { copyFile } from "@memmap/node";

process.exitCode = await copyCli(process.argv.slice(2), { copyFile, stdout: process.stdout, stderr: process.stderr });
