// Runs one suite from suites.ts: node ../../scripts/run-suite.ts <name>
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RESULTS, ROOT, SUITES } from "./suites.ts";

/**
 * The longest a whole suite may run, in seconds (MEMMAP_SUITE_LIMIT overrides it): far above a
 * conformance suite's run (15-60 s here with both cores busy), so it only ends a hang that no
 * case's own timeout can interrupt, such as a case blocked in an FFI call.
 */
const DEFAULT_LIMIT_S = 1800;

const name = process.argv[2] ?? "";
const suite = SUITES[name];
if (!suite) {
  console.error(`run-suite: unknown suite "${name}"; known: ${Object.keys(SUITES).join(", ")}`);
  process.exit(2);
}
const limitS = Number(process.env.MEMMAP_SUITE_LIMIT ?? DEFAULT_LIMIT_S);
if (!(limitS > 0)) {
  console.error(`run-suite: MEMMAP_SUITE_LIMIT must be a number of seconds, not "${process.env.MEMMAP_SUITE_LIMIT}"`);
  process.exit(2);
}
mkdirSync(RESULTS, { recursive: true });
const junit = join(RESULTS, `${name}.xml`);
rmSync(junit, { force: true });

// detached: the runner leads a process group of its own, so a hang is ended with everything it started.
const runner = spawn(suite.command, suite.args(junit), {
  cwd: join(ROOT, suite.cwd),
  stdio: "inherit",
  env: { ...process.env, ...suite.env },
  detached: true,
});
const signalGroup = (signal: NodeJS.Signals) => {
  try {
    process.kill(-runner.pid!, signal);
  } catch {
    // the group has already exited
  }
};
// A Ctrl-C or turbo's SIGTERM reaches only this process now: pass it on.
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => signalGroup(signal));

let timedOut = false;
const timer = setTimeout(() => {
  timedOut = true;
  console.error(`run-suite: ${name} did not finish in ${limitS} s: killing its process group (a case blocked where no timeout reaches it?)`);
  signalGroup("SIGKILL");
}, limitS * 1000);

runner.on("error", (e) => {
  console.error(`run-suite: could not start ${suite.command}: ${e.message}. Run npm install first.`);
  process.exit(2);
});
runner.on("exit", (code) => {
  clearTimeout(timer);
  if (timedOut) {
    recordTimeout();
    process.exit(1);
  }
  process.exit(code ?? 1);
});

/** Adds a failed case to the suite's JUnit report (writing one if the runner did not), so scripts/test.ts counts it. */
function recordTimeout(): void {
  const failure = `<testsuite name="run-suite" tests="1" failures="1"><testcase classname="run-suite" name="${name} finishes within ${limitS} s">` +
    `<failure message="killed after ${limitS} s; the cases that were running are in the output above"/></testcase></testsuite>`;
  const report = existsSync(junit) ? readFileSync(junit, "utf8") : "";
  const end = report.lastIndexOf("</testsuites>");
  writeFileSync(
    junit,
    end < 0
      ? `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="${name}">\n${failure}\n</testsuites>\n`
      : `${report.slice(0, end)}${failure}\n${report.slice(end)}`,
  );
}
