// How each runtime runs an example script; used by npm run demo and by the examples test.
import { join } from "node:path";
import { BUN, DENO, NODE26, ROOT } from "./suites.ts";

export const RUNTIMES = ["node", "bun", "deno"] as const;
export type Runtime = (typeof RUNTIMES)[number];

/** argv that runs examples/<runtime>/<name>.ts from the repo root. */
export function exampleCommand(runtime: Runtime, name: string): [string, string[]] {
  const file = join(ROOT, "examples", runtime, `${name}.ts`);
  switch (runtime) {
    case "node":
      return [NODE26, ["--disable-warning=ExperimentalWarning", file]];
    case "bun":
      return [BUN, [file]];
    case "deno":
      return [DENO, ["run", "--allow-ffi", "--allow-read", "--allow-write", "--allow-env", "--allow-run", file]];
  }
}
