import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it } from "vitest";

const entry = fileURLToPath(import.meta.resolve("@memmap/node"));

// Maps, waits with waitAsync (a worker thread on node:ffi) and forks a child that maps too; the
// parent emits warnings of its own, so the count shows that only memmap's FFI warning is gone.
const script = `import { fork, inherited, mapAnonymous, notify, waitAsync } from ${JSON.stringify(entry)};
const { shm } = inherited();
if (shm) {
  const word = new Int32Array(shm.bytes.buffer, 0, 1);
  Atomics.store(word, 0, 42);
  notify(word, 0);
} else {
  const before = process.emitWarning;
  const memory = mapAnonymous(4096);
  if (process.emitWarning !== before) throw new Error("process.emitWarning was not restored");
  const word = new Int32Array(memory.bytes.buffer, 0, 1);
  const child = fork(import.meta.filename, { share: { shm: memory } });
  await Promise.race([waitAsync(word, 0, 0), child.exited]);
  await child.exited;
  process.emitWarning("the user's own", "ExperimentalWarning");
  process.emitWarning("FFI is the user's own too", "ExperimentalWarning");
  console.log(Atomics.load(word, 0));
}
`;

describe("Node's warnings", () => {
  it("mapping, waitAsync and fork() print no FFI ExperimentalWarning, and every other warning still shows", () => {
    const dir = mkdtempSync(join(tmpdir(), "memmap-warnings-"));
    try {
      writeFileSync(join(dir, "main.mjs"), script);
      // No --disable-warning flag (the test runners have one): as a user runs it.
      const r = spawnSync(process.execPath, [join(dir, "main.mjs")], { encoding: "utf8", env: { ...process.env, NODE_OPTIONS: "" } });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, "42\n");
      const warnings = r.stderr.split("\n").filter((line) => /^\(node:\d+\) \w*Warning: /.test(line));
      assert.deepEqual(
        warnings.map((line) => line.replace(/^\(node:\d+\) /, "")),
        ["ExperimentalWarning: the user's own", "ExperimentalWarning: FFI is the user's own too"],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
