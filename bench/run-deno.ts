// Deno entry: deno run --allow-all bench/run-deno.ts <group> [dir]. Deno finds
// the workspace (/deno.json) from this file's location, which resolves @memmap/core.
// Also measures Deno's own Deno.copyFileSync.
import * as memmap from "../packages/deno/mod.ts";
import { runEntry } from "./groups.ts";

await runEntry(memmap, {
  entry: new URL("../packages/deno/mod.ts", import.meta.url).href,
  copyFile: { name: "Deno.copyFileSync", copy: (src, dst) => Deno.copyFileSync(src, dst) },
});
