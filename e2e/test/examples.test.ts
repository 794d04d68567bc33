import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { describe, it } from "vitest";
import { existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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

    for (const example of ["ipc-fork", "ipc-anonymous"]) {
      it(`${runtime}: ${example} hands a line from the child's stdin to the parent`, () => {
        const [command, args] = exampleCommand(runtime, example);
        const r = spawnSync(command, args, { cwd: ROOT, encoding: "utf8", input: `a line for ${runtime}\n`, timeout: 60_000 });
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout, `read data: a line for ${runtime}\n`);
      });
    }

    it(`${runtime}: parallel-scan sums one mapping with two Workers through handles`, () => {
      const [command, args] = exampleCommand(runtime, "parallel-scan");
      const r = spawnSync(command, args, { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, "2 workers summed 16777216 bytes: 2097144125; one thread agrees: true\n");
    });

    it(`${runtime}: channel-ping gets five pongs`, () => {
      const [command, args] = exampleCommand(runtime, "channel-ping");
      const r = spawnSync(command, args, { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(
        r.stdout
          .trim()
          .split("\n")
          .map((l) => l.replace(/ \(\d+ µs\)$/, "")),
        [1, 2, 3, 4, 5].map((i) => `pong ${i}`),
      );
    });
  }

  it("unrelated processes of different runtimes meet through a file (reader first, then writer)", async () => {
    for (const [reader, writer] of [
      ["node", "bun"],
      ["bun", "deno"],
      ["deno", "node"],
    ] as const) {
      const file = join(tmpdir(), `memmap-unrelated-${process.pid}-${reader}.bin`);
      rmSync(file, { force: true }); // its appearing is the reader's sign of life
      try {
        const [rc, ra] = exampleCommand(reader, "ipc-unrelated-reader");
        const done = new Promise<{ code: number | null; out: string }>((resolve) => {
          const child = spawn(rc, [...ra, file], { cwd: ROOT });
          let out = "";
          child.stdout.on("data", (d) => (out += d));
          child.on("exit", (code) => resolve({ code, out }));
        });
        // Reader first: it creates the file when it maps it, just before it waits (a writer coming
        // first works too, but would not test the wake-up). The limit only bounds a reader that never starts.
        const limit = performance.now() + 60_000;
        while (!existsSync(file)) {
          assert.ok(performance.now() < limit, `the ${reader} reader did not create ${file} within 60 s`);
          await new Promise((r) => setTimeout(r, 20));
        }
        const [wc, wa] = exampleCommand(writer, "ipc-unrelated-writer");
        const w = spawnSync(wc, [...wa, file, `from ${writer} to ${reader}`], { cwd: ROOT, encoding: "utf8" });
        assert.equal(w.status, 0, w.stderr);
        const r = await done;
        assert.equal(r.code, 0);
        assert.equal(r.out, `read data: from ${writer} to ${reader}\n`);
      } finally {
        if (existsSync(file)) rmSync(file);
      }
    }
  });
});
