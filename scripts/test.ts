// npm test: every suite on every runtime through turbo (all of them, even after a
// failure), then one line that sums
// them all ("N passed, N failed"), which CI reads.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { RESULTS, ROOT, SUITES } from "./suites.ts";

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

/** Counts the <testcase> elements of a JUnit report by outcome. */
export function countJunit(xml: string): Counts {
  const counts = { passed: 0, failed: 0, skipped: 0 };
  const cases = xml.split(/<testcase\b/).slice(1);
  for (const body of cases) {
    const own = body.split(/<\/testcase>|<testcase\b/)[0] ?? "";
    const selfClosing = /^[^>]*\/>/.test(own);
    const inner = selfClosing ? "" : own;
    if (/<(failure|error)\b/.test(inner)) counts.failed++;
    else if (/<skipped\b/.test(inner)) counts.skipped++;
    else counts.passed++;
  }
  return counts;
}

rmSync(RESULTS, { recursive: true, force: true });
const turbo = spawnSync(join(ROOT, "node_modules", ".bin", "turbo"), ["run", "test", "--concurrency=1", "--continue", ...process.argv.slice(2)], {
  cwd: ROOT,
  stdio: "inherit",
});

const total: Counts = { passed: 0, failed: 0, skipped: 0 };
console.log("\nsuite     passed  failed  skipped");
for (const name of Object.keys(SUITES)) {
  const file = join(RESULTS, `${name}.xml`);
  let c: Counts;
  if (existsSync(file)) {
    c = countJunit(readFileSync(file, "utf8"));
    if (c.passed + c.failed + c.skipped === 0) c = { passed: 0, failed: 1, skipped: 0 };
  } else {
    console.log(`${name}: no report (the suite did not run or crashed) - counted as 1 failure`);
    c = { passed: 0, failed: 1, skipped: 0 };
  }
  console.log(`${name.padEnd(9)} ${String(c.passed).padStart(6)}  ${String(c.failed).padStart(6)}  ${String(c.skipped).padStart(7)}`);
  total.passed += c.passed;
  total.failed += c.failed;
  total.skipped += c.skipped;
}
if (turbo.status !== 0 && total.failed === 0) {
  console.log(`turbo exited with ${turbo.status} though every report passed - counted as 1 failure`);
  total.failed = 1;
}
console.log(`${total.passed} passed, ${total.failed} failed${total.skipped ? `, ${total.skipped} skipped` : ""}`);
process.exit(total.failed === 0 ? 0 : 1);
