// npm run bench stopped by a signal mid-round: it stops the runtime's process and whatever
// that started, removes its inputs and the compiled baselines, and exits as a shell reports
// the signal. The signal goes to the bench script alone (kill PID), not to its process group
// as a terminal's Ctrl-C would: nothing else passes it on.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import process from "node:process";
import { afterAll, describe, it } from "vitest";
import { until } from "../../packages/core/src/testing/context.ts";
import { processesNaming } from "../../packages/core/src/testing/proc.ts";
import { ROOT } from "../../scripts/suites.ts";

const root = mkdtempSync(join(os.tmpdir(), "memmap-bench-interrupt-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const SIGNALS = { SIGTERM: 143, SIGINT: 130 } as const;

// Linux only: the test finds the run's processes in /proc.
describe.skipIf(process.platform !== "linux")("npm run bench interrupted", () => {
  for (const [signal, status] of Object.entries(SIGNALS)) {
    it(`${signal} to the bench script mid-round stops its processes, removes its inputs and exits ${status}`, async () => {
      const tmp = mkdtempSync(join(root, `${signal}-`));
      const bench = spawn(process.execPath, ["scripts/bench.ts", "ipc", "--quick", "--runtimes=node26"], {
        cwd: ROOT,
        env: { ...process.env, TMPDIR: tmp },
        stdio: ["ignore", "ignore", "pipe"],
      });
      let stderr = "";
      bench.stderr!.on("data", (chunk) => (stderr += String(chunk)));
      const exited = new Promise<number | null>((resolve) => bench.once("exit", (code) => resolve(code)));
      try {
        // Mid-round: the runtime's process has started a Channel peer of its own (its scripts are in the inputs' folder).
        await until(
          () => /\[ipc\] node26 round 1\//.test(stderr) && processesNaming(join(tmp, "memmap-bench-")).length >= 2,
          "the round and its Channel peer started",
          60_000,
        ).catch((e: Error) => assert.fail(`${e.message}; the bench printed: ${stderr}`));
        bench.kill(signal as NodeJS.Signals);
        const code = await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve("still running 30 s later"), 30_000))]);
        assert.equal(code, status, stderr);
        assert.match(stderr, new RegExp(`interrupted by ${signal}`));
        assert.deepEqual(processesNaming(tmp), [], "no process of the run is left");
        assert.deepEqual(readdirSync(tmp), [], "no input or baseline is left");
      } finally {
        bench.kill("SIGKILL");
        for (const pid of processesNaming(tmp)) process.kill(pid, "SIGKILL");
      }
    }, 120_000);
  }
});
