// The short version of npm run soak (2% of its counts): leaks of descriptors,
// mappings, memory and temporary files, on every runtime.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "vitest";
import { SOAK_RUNS } from "../../scripts/soak.ts";
import { ROOT } from "../../scripts/suites.ts";

describe("soak, short", () => {
  for (const [name, [command, args]] of Object.entries(SOAK_RUNS)) {
    it(`${name}: 20,000 map/close cycles, 2,000 dropped mappings, 20 copies leave nothing behind`, () => {
      const r = spawnSync(command, args, { cwd: ROOT, encoding: "utf8", env: { ...process.env, MEMMAP_SOAK_SCALE: "0.02" } });
      assert.equal(r.status, 0, r.stderr);
      const checks = JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { name: string; pass: boolean; detail: string }[];
      assert.equal(checks.length, 3);
      for (const c of checks) assert.ok(c.pass, `${c.name}: ${c.detail}`);
    }, 120_000);
  }
});
