// npm test: lint, typecheck and the checks of the published types and docs, then every native
// suite on every runtime through turbo (all of them, even after a failure), then the emulated groups where this machine has their tools,
// then one line that sums the checks and every JUnit report ("N passed, N failed"), which CI
// reads. A run narrowed with turbo's arguments (npm test -- --filter=@memmap/core) counts only
// the suites it ran, and leaves the emulated groups out, as MEMMAP_EMULATED=0 does.
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { absentTools, GROUPS } from "./emulated.ts";
import { type Counts, finalLine, printSummary, readCounts } from "./junit.ts";
import { RESULTS, ROOT, SUITES } from "./suites.ts";

// Lint (with the format check), the typecheck of every file, a strict user program over the
// built packages' types and the JSDoc lint of the JSR entries first, each one check. (The JSR
// publish dry run is a case of e2e/test/packaging.test.ts.)
const CHECKS = [
  { name: "lint", command: "npm", args: ["run", "--silent", "lint"] },
  { name: "typecheck", command: "npm", args: ["run", "--silent", "typecheck"] },
  { name: "typecheck:user", command: "npm", args: ["run", "--silent", "typecheck:user"] },
  { name: "docs:lint", command: "npm", args: ["run", "--silent", "docs:lint"] },
];
const checks = CHECKS.map(({ name, command, args }) => {
  const start = performance.now();
  const run = spawnSync(command, args, { cwd: ROOT, stdio: "inherit" });
  const seconds = ((performance.now() - start) / 1000).toFixed(1);
  console.log(`${name}: ${run.status === 0 ? "passed" : "failed"} in ${seconds} s`);
  return { name, passed: run.status === 0 };
});

const turboArgs = process.argv.slice(2);
rmSync(RESULTS, { recursive: true, force: true });
const turbo = spawnSync(join(ROOT, "node_modules", ".bin", "turbo"), ["run", "test", "--concurrency=1", "--continue", ...turboArgs], {
  cwd: ROOT,
  stdio: "inherit",
});

const skipped: string[] = [];
let groupsFailed = false;
for (const [group, setup] of turboArgs.length || process.env.MEMMAP_EMULATED === "0" ? [] : Object.entries(GROUPS)) {
  const absent = absentTools(setup);
  if (absent.length) {
    skipped.push(`${group} skipped: ${absent.join(", ")} not installed (native/scripts/install-cross-tools.sh --wine)`);
    continue;
  }
  const run = spawnSync(process.execPath, [join(ROOT, "scripts", "run-suite.ts"), `--group=${group}`], { cwd: ROOT, stdio: ["ignore", "inherit", "inherit"] });
  // A suite's failure is in its report; a crash of the runner itself is not.
  if (run.status !== 0 && run.status !== 1) groupsFailed = true;
}

// A suite with no report did not run (filtered out, or its group skipped).
const rows = Object.keys(SUITES).flatMap((name): [string, Counts][] => {
  const c = readCounts(join(RESULTS, `${name}.xml`));
  return c ? [[name, c]] : [];
});
const checkRows = checks.map(({ name, passed }): [string, Counts] => [name, { passed: passed ? 1 : 0, failed: passed ? 0 : 1, skipped: 0 }]);
const total = printSummary([...checkRows, ...rows]);
for (const line of skipped) console.log(line);
if ((turbo.status !== 0 || groupsFailed) && total.failed === 0) {
  console.log(
    `${turbo.status !== 0 ? `turbo exited with ${turbo.status}` : "an emulated group's runner crashed"} though every report passed - counted as 1 failure`,
  );
  total.failed = 1;
}
console.log(finalLine(total));
process.exit(total.failed === 0 ? 0 : 1);
