import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "vitest";
import { exampleCommand, RUNTIMES } from "../../scripts/examples.ts";
import { ROOT } from "../../scripts/suites.ts";

describe("examples run as the README says", () => {
  for (const runtime of RUNTIMES) {
    it(`${runtime}: map-file changes the file through the mapping`, () => {
      const [command, args] = exampleCommand(runtime, "map-file");
      const r = spawnSync(command, args, { cwd: ROOT, encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, "file now reads: HELLO from a plain file\n");
    });

    it(`${runtime}: copy-file copies through two mappings`, () => {
      const [command, args] = exampleCommand(runtime, "copy-file");
      const r = spawnSync(command, args, { cwd: ROOT, encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, "copied 84 bytes by mmap; identical: true\n");
    });
  }
});
