// deno run -A --v8-flags=--expose-gc soak/run-deno.ts: prints the soak checks as one JSON line.
import * as memmap from "../packages/deno/mod.ts";
import { soak } from "./soak.ts";

console.log(JSON.stringify(await soak(memmap, (globalThis as { gc?: () => void }).gc!)));
