// Runs suites of suites.ts, one at a time, each on its runtime row of runtimes.ts:
//   node scripts/run-suite.ts <name>...    (what each package's npm test runs)
//   node scripts/run-suite.ts --group=arm64 (npm run test:arm64: the group's suites, their table and "N passed, N failed")
// An emulated suite's group is prepared first (once), and cleaned up after.
import { spawn } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { absentTools, GROUPS } from "./emulated.ts";
import { addFailures, type Counts, finalLine, printSummary, readCounts } from "./junit.ts";
import { STOP_SIGNALS, signalGroup } from "./process-group.ts";
import { command, RUNTIMES } from "./runtimes.ts";
import { type Group, RESULTS, ROOT, SUITES } from "./suites.ts";

/**
 * The longest a whole suite may run, in seconds (MEMMAP_SUITE_LIMIT overrides it): far above a
 * conformance suite's run (15-60 s here with both cores busy; 20 minutes emulated), so it only
 * ends a hang that no case's own timeout can interrupt, such as a case blocked in an FFI call.
 */
const DEFAULT_LIMIT_S = 1800;

/** Runs one suite; whatever happens, its report then holds a case for it (a hang, a crash, no report). */
function runSuite(name: string, limitS: number): Promise<void> {
  const suite = SUITES[name]!;
  const runtime = RUNTIMES[suite.runtime];
  const junit = join(RESULTS, `${name}.xml`);
  rmSync(junit, { force: true });
  const [program, args] = command(
    runtime,
    suite.script ? runtime.script(suite.script[0], { args: [junit, ...suite.script.slice(1)] }) : runtime.test(junit, suite.files ?? []),
  );
  const fail = (what: string, message: string) => addFailures(junit, "run-suite", [{ name: `${name} ${what}`, failure: message }]);
  // detached: the runner leads a process group of its own, so a hang is ended with everything it started.
  const runner = spawn(program, args, {
    cwd: join(ROOT, suite.cwd),
    stdio: "inherit",
    env: { ...process.env, ...runtime.env, ...suite.env },
    detached: true,
  });
  // A Ctrl-C or turbo's SIGTERM reaches only this process now: pass it on.
  const forward = (signal: NodeJS.Signals) => signalGroup(runner.pid!, signal);
  for (const signal of STOP_SIGNALS) process.on(signal, forward);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    console.error(`run-suite: ${name} did not finish in ${limitS} s: killing its process group (a case blocked where no timeout reaches it?)`);
    signalGroup(runner.pid!, "SIGKILL");
  }, limitS * 1000);
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      for (const signal of STOP_SIGNALS) process.off(signal, forward);
      resolve();
    };
    runner.on("error", (e) => {
      fail("starts", `could not start ${program}: ${e.message}. Run npm install first.`);
      done();
    });
    runner.on("exit", (code, signal) => {
      const counts = readCounts(junit);
      if (timedOut) fail(`finishes within ${limitS} s`, `killed after ${limitS} s; the cases that were running are in the output above`);
      else if (!counts || counts.passed + counts.failed + counts.skipped === 0) fail("writes a report", `no cases reported (exit ${code ?? signal})`);
      else if (code !== 0 && counts.failed === 0) fail("exits with 0", `exit ${code ?? signal} though every case passed`);
      done();
    });
  });
}

const argv = process.argv.slice(2);
const group = argv.find((a) => a.startsWith("--group="))?.slice("--group=".length);
const names = group ? Object.keys(SUITES).filter((n) => SUITES[n]!.group === group) : argv;
const unknown = names.length ? names.filter((n) => !SUITES[n]) : ["(none)"];
if (unknown.length) {
  console.error(`run-suite: unknown suite ${unknown.join(", ")}; known: ${Object.keys(SUITES).join(", ")}; or --group=${Object.keys(GROUPS).join("|")}`);
  process.exit(2);
}
const limitS = Number(process.env.MEMMAP_SUITE_LIMIT ?? DEFAULT_LIMIT_S);
if (!(limitS > 0)) {
  console.error(`run-suite: MEMMAP_SUITE_LIMIT must be a number of seconds, not "${process.env.MEMMAP_SUITE_LIMIT}"`);
  process.exit(2);
}
mkdirSync(RESULTS, { recursive: true });

const started = performance.now();
const prepared = new Set<Group>();
const unprepared = new Map<Group, string>();
try {
  for (const name of names) {
    const g = SUITES[name]!.group;
    if (g !== "native" && !prepared.has(g) && !unprepared.has(g)) {
      const absent = absentTools(GROUPS[g]);
      try {
        if (absent.length) throw new Error(`${absent.join(", ")} missing; run native/scripts/install-cross-tools.sh --wine (as root) first`);
        console.log(`run-suite: preparing ${g}`);
        GROUPS[g].prepare();
        prepared.add(g);
      } catch (e) {
        unprepared.set(g, (e as Error).message);
      }
    }
    if (unprepared.has(g)) {
      addFailures(join(RESULTS, `${name}.xml`), "run-suite", [{ name: `${name}: ${g} is prepared`, failure: unprepared.get(g)! }]);
      continue;
    }
    console.log(`run-suite: ${name} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
    await runSuite(name, limitS);
  }
} finally {
  for (const g of prepared) if (g !== "native") GROUPS[g].cleanUp?.();
}

const rows = names.map((n): [string, Counts] => [n, readCounts(join(RESULTS, `${n}.xml`))!]);
const failed = rows.some(([, c]) => c.failed > 0);
if (group) {
  const total = printSummary(rows);
  console.log(`took ${((performance.now() - started) / 1000).toFixed(1)} s`);
  console.log(finalLine(total));
}
process.exit(failed ? 1 : 0);
