// npm run soak: the leak checks of soak/soak.ts on every runtime, in one table.
// MEMMAP_SOAK_SCALE=0.1 runs a tenth of the counts.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { BUN, DENO, NODE22, NODE26, ROOT } from "./suites.ts";

export const SOAK_RUNS: Record<string, [string, string[]]> = {
  node26: [NODE26, ["--expose-gc", "--disable-warning=ExperimentalWarning", join(ROOT, "soak/run-node.ts")]],
  node22: [NODE22, ["--expose-gc", join(ROOT, "soak/run-node.ts")]],
  bun: [BUN, [join(ROOT, "soak/run-bun.ts")]],
  deno: [DENO, ["run", "-A", "--v8-flags=--expose-gc", join(ROOT, "soak/run-deno.ts")]],
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
      console.log(`${name.padEnd(7)} ${c.pass ? "ok  " : "FAIL"} ${c.count.toLocaleString("en").padStart(9)} ${c.name} in ${c.seconds.toFixed(1)} s: ${c.detail}`);
      if (!c.pass) failed++;
    }
  }
  process.exit(failed ? 1 : 0);
}
