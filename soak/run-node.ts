// node --expose-gc soak/run-node.ts: prints the soak checks as one JSON line.
import * as memmap from "@memmap/node";
import { soak } from "./soak.ts";

console.log(JSON.stringify(await soak(memmap, (globalThis as { gc?: () => void }).gc!)));
