// npm run soak: the leak checks of soak/soak.ts on every runtime, in one table.
// MEMMAP_SOAK_SCALE=0.1 runs a tenth of the counts.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { ROOT, RUNTIMES, scriptCommand } from "./runtimes.ts";

const soak = (runtime: "node" | "bun" | "deno") => join(ROOT, `soak/run-${runtime}.ts`);
const GC = { v8Flags: ["--expose-gc"], allowAll: true };

export const SOAK_RUNS: Record<string, [string, string[]]> = {
  node26: scriptCommand(RUNTIMES.node26, soak("node"), GC),
  node22: scriptCommand(RUNTIMES.node22, soak("node"), GC),
  bun: scriptCommand(RUNTIMES.bun, soak("bun")),
  deno: scriptCommand(RUNTIMES.deno, soak("deno"), GC),
};

if (import.meta.main) {
  let failed = 0;
  for (const [name, [command, args]] of Object.entries(SOAK_RUNS)) {
    const r = spawnSync(command, args, { cwd: ROOT, encoding: "utf8", env: process.env });
    const line = r.stdout.trim().split("\n").at(-1) ?? "";
    if (r.status !== 0 || !line.startsWith("[")) {
      console.log(`${name}: FAILED to run (status ${r.status}): ${r.stderr.slice(-500)}`);
      failed++;
      continue;
    }
    for (const c of JSON.parse(line) as { name: string; count: number; seconds: number; pass: boolean; detail: string }[]) {
      console.log(
        `${name.padEnd(7)} ${c.pass ? "ok  " : "FAIL"} ${c.count.toLocaleString("en").padStart(9)} ${c.name} in ${c.seconds.toFixed(1)} s: ${c.detail}`,
      );
      if (!c.pass) failed++;
    }
  }
  process.exit(failed ? 1 : 0);
}
