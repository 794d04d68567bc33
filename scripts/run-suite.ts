// Runs one suite from suites.ts: node ../../scripts/run-suite.ts <name>
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { RESULTS, ROOT, SUITES } from "./suites.ts";

const name = process.argv[2] ?? "";
const suite = SUITES[name];
if (!suite) {
  console.error(`run-suite: unknown suite "${name}"; known: ${Object.keys(SUITES).join(", ")}`);
  process.exit(2);
}
mkdirSync(RESULTS, { recursive: true });
const junit = join(RESULTS, `${name}.xml`);
rmSync(junit, { force: true });
const result = spawnSync(suite.command, suite.args(junit), {
  cwd: join(ROOT, suite.cwd),
  stdio: "inherit",
  env: { ...process.env, ...suite.env },
});
if (result.error) {
  console.error(`run-suite: could not start ${suite.command}: ${result.error.message}. Run npm install first.`);
  process.exit(2);
}
process.exit(result.status ?? 1);
