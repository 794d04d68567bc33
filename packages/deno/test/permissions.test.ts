import assert from "node:assert/strict";
import { it } from "./bdd.ts";
import { runStdin } from "./run-stdin.ts";

const mod = new URL("../mod.ts", import.meta.url).href;
const script = `import { mapAnonymous } from ${JSON.stringify(mod)};
const m = mapAnonymous(16); m.bytes[0] = 42; console.log(m.bytes[0]); m.close();`;

const run = (flags: string[]) => runStdin(script, flags);

it("works with only --allow-ffi and --allow-read", async () => {
  const r = await run(["--allow-ffi", "--allow-read"]);
  assert.equal(r.stdout.trim(), "42", r.stderr);
  assert.equal(r.code, 0);
}, 60_000); // each starts a Deno, which a loaded machine can take seconds to do

it("without --allow-ffi the error names the missing flag", async () => {
  const r = await run(["--allow-read"]);
  assert.notEqual(r.code, 0, "must fail without --allow-ffi");
  assert.match(r.stderr, /--allow-ffi/);
}, 60_000);
