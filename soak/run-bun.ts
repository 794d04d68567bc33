// bun soak/run-bun.ts: prints the soak checks as one JSON line.
import * as memmap from "@memmap/bun";
import { soak } from "./soak.ts";

console.log(JSON.stringify(await soak(memmap, () => Bun.gc(true))));
