import * as fc from "fast-check";
import { runConformance } from "@memmap/core/testing";
import * as memmap from "../mod.ts";
import { describe, it, skip } from "./bdd.ts";
import { CHILD_RUNTIMES } from "../../../scripts/child-runtimes.ts";

runConformance({
  describe,
  it,
  skip,
  memmap,
  fc,
  runtime: `deno ${Deno.version.deno}`,
  gc: (globalThis as { gc?: () => void }).gc,
  self: "deno",
  children: CHILD_RUNTIMES,
});
