// npm test: lint and typecheck, then every suite on every runtime through turbo (all of
// them, even after a failure), then one line that sums them all ("N passed, N failed"),
// which CI reads.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { RESULTS, ROOT, SUITES } from "./suites.ts";
import { hasCommand } from "./tools.ts";

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

// Lint (with the format check) and the typecheck of every file first, each one check.
const CHECKS = [
  { name: "lint", command: "npm", args: ["run", "--silent", "lint"] },
  { name: "typecheck", command: "npm", args: ["run", "--silent", "typecheck"] },
];
const checks = CHECKS.map(({ name, command, args }) => {
  const start = performance.now();
  const run = spawnSync(command, args, { cwd: ROOT, stdio: "inherit" });
  const seconds = ((performance.now() - start) / 1000).toFixed(1);
  console.log(`${name}: ${run.status === 0 ? "passed" : "failed"} in ${seconds} s`);
  return { name, passed: run.status === 0 };
});

rmSync(RESULTS, { recursive: true, force: true });
const turbo = spawnSync(join(ROOT, "node_modules", ".bin", "turbo"), ["run", "test", "--concurrency=1", "--continue", ...process.argv.slice(2)], {
  cwd: ROOT,
  stdio: "inherit",
});

const EMULATED = [
  { name: "arm64", script: "test-arm64.ts", needs: ["qemu-aarch64-static", "aarch64-linux-gnu-gcc", "/usr/lib/aarch64-linux-musl/musl-gcc.specs"] },
  { name: "windows", script: "test-windows.ts", needs: ["wine", "x86_64-w64-mingw32-gcc"] },
];

const total: Counts = { passed: 0, failed: 0, skipped: 0 };
const summary = ["", "suite     passed  failed  skipped"];
for (const { name, passed } of checks) {
  summary.push(`${name.padEnd(9)} ${String(passed ? 1 : 0).padStart(6)}  ${String(passed ? 0 : 1).padStart(6)}  ${"0".padStart(7)}`);
  if (passed) total.passed++;
  else total.failed++;
}
for (const name of Object.keys(SUITES)) {
  const file = join(RESULTS, `${name}.xml`);
  let c: Counts;
  if (existsSync(file)) {
    c = countJunit(readFileSync(file, "utf8"));
    if (c.passed + c.failed + c.skipped === 0) c = { passed: 0, failed: 1, skipped: 0 };
  } else {
    summary.push(`${name}: no report (the suite did not run or crashed) - counted as 1 failure`);
    c = { passed: 0, failed: 1, skipped: 0 };
  }
  summary.push(`${name.padEnd(9)} ${String(c.passed).padStart(6)}  ${String(c.failed).padStart(6)}  ${String(c.skipped).padStart(7)}`);
  total.passed += c.passed;
  total.failed += c.failed;
  total.skipped += c.skipped;
}

// The emulated suites, when this machine has their tools (native/scripts/install-cross-tools.sh
// --wine): linux-arm64 under qemu-user, win32-x64 under wine. Each ends with "N passed, N failed".
// MEMMAP_EMULATED=0 leaves them out (a quicker local run).
for (const { name, script, needs } of process.env.MEMMAP_EMULATED === "0" ? [] : EMULATED) {
  // A command that answers --version, or a file (musl-dev:arm64's specs).
  const absent = needs.filter((tool) => (tool.startsWith("/") ? !existsSync(tool) : !hasCommand(tool)));
  if (absent.length) {
    console.log(`${name.padEnd(9)} skipped: ${absent.join(", ")} not installed (native/scripts/install-cross-tools.sh --wine)`);
    continue;
  }
  const run = spawnSync(process.execPath, [join(ROOT, "scripts", script)], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  process.stdout.write(run.stdout);
  const line = run.stdout.trim().split("\n").at(-1) ?? "";
  const m = /^(\d+) passed, (\d+) failed(?:, (\d+) skipped)?$/.exec(line);
  const c = m ? { passed: Number(m[1]), failed: Number(m[2]), skipped: Number(m[3] ?? 0) } : { passed: 0, failed: 1, skipped: 0 };
  if (run.status !== 0 && c.failed === 0) c.failed = 1;
  summary.push(`${name.padEnd(9)} ${String(c.passed).padStart(6)}  ${String(c.failed).padStart(6)}  ${String(c.skipped).padStart(7)}`);
  total.passed += c.passed;
  total.failed += c.failed;
  total.skipped += c.skipped;
}
for (const line of summary) console.log(line);
if (turbo.status !== 0 && total.failed === 0) {
  console.log(`turbo exited with ${turbo.status} though every report passed - counted as 1 failure`);
  total.failed = 1;
}
console.log(`${total.passed} passed, ${total.failed} failed${total.skipped ? `, ${total.skipped} skipped` : ""}`);
process.exit(total.failed === 0 ? 0 : 1);
