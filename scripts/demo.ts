// npm run demo: the main scenario on all three runtimes, one after another.
import { spawnSync } from "node:child_process";
import { exampleCommand, RUNTIMES } from "./examples.ts";
import { ROOT } from "./suites.ts";

let failed = 0;
for (const runtime of RUNTIMES) {
  const [command, args] = exampleCommand(runtime, "map-file");
  console.log(`\n== ${runtime}: examples/${runtime}/map-file.ts`);
  const r = spawnSync(command, args, { cwd: ROOT, stdio: "inherit" });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
