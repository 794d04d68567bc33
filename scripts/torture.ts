// npm run torture: processes of every runtime SIGKILLed around a Mutex and a
// Channel (torture/torture.ts), then the counts per runtime and one line of
// checks. MEMMAP_TORTURE_SCALE=0.1 runs a tenth of the kills; MEMMAP_TORTURE_SEED
// replays a run's choices (the interleavings are the machine's).
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { signalGroup } from "./process-group.ts";
import { ROOT, RUNTIMES, scriptCommand } from "./runtimes.ts";

export interface TortureCheck {
  name: string;
  pass: boolean;
  detail: string;
}

export interface TortureResult {
  /** The runtimes the workers ran on, in the order of the tables. */
  runtimes: string[];
  checks: TortureCheck[];
  /** By what was counted, then by runtime. */
  counts: Record<string, Record<string, number>>;
  /** The whole run's, startup included. */
  seconds: number;
}

/** The processes in process group `pgid`, from /proc. */
function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]) === pgid) members.push(Number(name));
    } catch {
      // it exited meanwhile
    }
  }
  return members;
}

/**
 * Runs the controller in a process group of its own (its workers join it), so that
 * whatever happens, one kill of the group in the finally leaves no process behind;
 * the temporary folder is removed there too. Adds checks that nothing was left.
 */
export async function torture(env: Record<string, string> = {}, echo: (line: string) => void = console.log): Promise<TortureResult> {
  const started = performance.now();
  const scale = Number(env.MEMMAP_TORTURE_SCALE ?? process.env.MEMMAP_TORTURE_SCALE ?? 1);
  // A full run (scale 1) took 200 s on 2 cores: this bound only catches a controller that hangs.
  const boundMs = Math.min(600, 60 + 540 * scale) * 1000;
  const dir = mkdtempSync(join(tmpdir(), "memmap-torture-"));
  const [command, args] = scriptCommand(RUNTIMES.node26, join(ROOT, "torture/torture.ts"), { args: [dir] });
  const controller = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, ...RUNTIMES.node26.env, ...env },
    detached: true,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const pgid = controller.pid!;
  const result: TortureResult = { runtimes: [], checks: [], counts: {}, seconds: 0 };
  // The controller prints its own failures as they happen; these are the ones added here.
  const add = (c: TortureCheck) => {
    result.checks.push(c);
    if (!c.pass) echo(`FAIL ${c.name}: ${c.detail}`);
  };
  try {
    const exited = new Promise<number | null>((resolve) => controller.once("close", (code) => resolve(code)));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<"timed out">((resolve) => (timer = setTimeout(() => resolve("timed out"), boundMs)));
    let summary: TortureResult | undefined;
    createInterface({ input: controller.stdout! }).on("line", (line) => {
      if (line.startsWith("{")) summary = JSON.parse(line) as TortureResult;
      else echo(line);
    });
    const code = await Promise.race([exited, timedOut]);
    clearTimeout(timer);
    if (summary) Object.assign(result, summary);
    if (code === "timed out" || code !== 0 || !summary) {
      add({
        name: "the controller finishes",
        pass: false,
        detail: code === "timed out" ? `still running after ${boundMs / 1000} s` : `exit code ${code}${summary ? "" : ", no summary"}`,
      });
    }
    // Its workers are in its group: once it has exited, any member is one it left behind
    // (after a time-out, the group still holds the controller and whatever it was running).
    const left = groupMembers(pgid);
    const files = readdirSync(dir);
    add({
      name: "nothing left behind",
      pass: left.length === 0 && files.length === 0,
      detail:
        `processes ${code === "timed out" ? "running at the time-out (killed now)" : "left"}: ${left.length ? left.join(", ") : "none"}; ` +
        `files left in the temporary folder: ${files.length ? files.join(", ") : "none"}`,
    });
  } finally {
    signalGroup(pgid, "SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
  result.seconds = (performance.now() - started) / 1000;
  return result;
}

if (import.meta.main) {
  const { runtimes, checks, counts, seconds } = await torture();
  const rows = Object.entries(counts);
  const width = Math.max(...rows.map(([what]) => what.length), 5);
  console.log(`\n${"".padEnd(width)} ${runtimes.map((r) => r.padStart(8)).join(" ")}`);
  for (const [what, byRuntime] of rows) {
    console.log(`${what.padEnd(width)} ${runtimes.map((r) => (byRuntime[r] ?? 0).toLocaleString("en").padStart(8)).join(" ")}`);
  }
  const failed = checks.filter((c) => !c.pass).length;
  console.log(`in ${seconds.toFixed(0)} s\ntorture: ${checks.length - failed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}
