// What a format example takes from its runtime's entry (examples/<runtime>/<format>.ts).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Memmap } from "@memmap/core";

export interface ExampleRuntime {
  map: Memmap["map"];
  /** Makes a fresh temporary folder for the demo file (Deno's own call needs no --allow-env for TMPDIR). */
  makeTempDir?: () => string;
}

export const defaultTempDir = () => mkdtempSync(join(tmpdir(), "memmap-example-"));
