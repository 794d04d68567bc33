// How the Deno package opens a shim it holds in memory (imported from JSR, it has no local
// file): a memfd on Linux, else a temporary copy that is gone once the library is open.
import assert from "node:assert/strict";
import { normalizeHost, TARGETS, targetFor } from "@memmap/core/backend";
import { openBackend } from "../src/backend.ts";
import { openFromMemfd } from "../src/open-from-memory.ts";
import { it } from "./bdd.ts";
import { runStdin } from "./run-stdin.ts";

const target = targetFor(normalizeHost(Deno.build.os, Deno.build.arch, Deno.build.env));
const shimPath = new URL(`../prebuilt/${target}/${TARGETS[target].file}`, import.meta.url).pathname;

/** `deno run FLAGS -` with a script that opens the shim from a temporary copy in tmp. */
function runTempCopy(flags: string[], tmp: string): ReturnType<typeof runStdin> {
  const script = `import { openBackend } from ${JSON.stringify(new URL("../src/backend.ts", import.meta.url).href)};
import { openFromTempCopy } from ${JSON.stringify(new URL("../src/open-from-memory.ts", import.meta.url).href)};
try {
  const b = openFromTempCopy(Deno.readFileSync(${JSON.stringify(shimPath)}), "libmemmap.so", (path) => openBackend(path));
  console.log("page size", String(b.pageSize()));
} catch (e) { console.log(e.name, e.code, e.message); }`;
  return runStdin(script, flags, { TMPDIR: tmp });
}

// memfds are Linux's; elsewhere openFromMemory goes straight to the temporary copy.
if (Deno.build.os === "linux") {
  it("a shim held in memory opens from a memfd, under the name given for messages", () => {
    const backend = openFromMemfd(Deno.readFileSync(shimPath), (path) => openBackend(path, "jsr:label"));
    assert.ok(backend, "a memfd could be made");
    assert.equal(backend.libraryPath, "jsr:label");
    assert.ok(Number(backend.pageSize()) >= 4096);
  });
}

it("a temporary copy opens and is removed at once", async () => {
  const tmp = Deno.makeTempDirSync({ prefix: "memmap-temp-copy-" });
  try {
    const r = await runTempCopy(["--allow-ffi", "--allow-read", "--allow-write"], tmp);
    assert.match(r.stdout, /^page size \d+/, r.stderr);
    assert.deepEqual([...Deno.readDirSync(tmp)], [], "nothing left in the temporary folder");
  } finally {
    Deno.removeSync(tmp, { recursive: true });
  }
}, 60_000);

it("without --allow-write, the temporary copy is an MmapError naming --allow-write", async () => {
  const tmp = Deno.makeTempDirSync({ prefix: "memmap-temp-copy-" });
  try {
    const r = await runTempCopy(["--allow-ffi", "--allow-read"], tmp);
    assert.match(
      r.stdout,
      new RegExp(
        `^MmapError ERR_ACCESS_DENIED memmap loads its native shim from a temporary copy on ${Deno.build.os}, and Deno denied writing it: run deno with --allow-write`,
      ),
      r.stderr,
    );
  } finally {
    Deno.removeSync(tmp, { recursive: true });
  }
}, 60_000);
