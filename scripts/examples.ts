// How each runtime runs an example script (from runtimes.ts); used by npm run demo and by the examples test.
import { join } from "node:path";
import { RUNTIMES as TABLE, ROOT, scriptCommand } from "./runtimes.ts";

export const RUNTIMES = ["node", "bun", "deno"] as const;
export type Runtime = (typeof RUNTIMES)[number];

const ROWS = { node: TABLE.node26, bun: TABLE.bun, deno: TABLE.deno };

/** argv that runs examples/<runtime>/<name>.ts from the repo root. */
export function exampleCommand(runtime: Runtime, name: string): [string, string[]] {
  return scriptCommand(ROWS[runtime], join(ROOT, "examples", runtime, `${name}.ts`));
}
