import assert from "node:assert/strict";
import { describe, it } from "vitest";
import { runtimeCommand } from "./fork.ts";

const deno = (flags: string[]) => runtimeCommand("/opt/bin/deno", "child.ts", flags, ["x"]);

describe("runtimeCommand for a Deno child", () => {
  it("adds --allow-ffi, --allow-read, --allow-write and --allow-env when the flags name none of them", () => {
    assert.deepEqual(deno([]), ["run", "--allow-ffi", "--allow-read", "--allow-write", "--allow-env", "child.ts", "x"]);
    assert.deepEqual(deno(["--config", "deno.json", "--allow-net"]), [
      "run",
      "--allow-ffi",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      "--config",
      "deno.json",
      "--allow-net",
      "child.ts",
      "x",
    ]);
  });

  it("adds nothing next to --allow-all or -A (Deno refuses --allow-all with --allow-read)", () => {
    assert.deepEqual(deno(["--allow-all"]), ["run", "--allow-all", "child.ts", "x"]);
    assert.deepEqual(deno(["-A", "--v8-flags=--expose-gc"]), ["run", "-A", "--v8-flags=--expose-gc", "child.ts", "x"]);
    assert.deepEqual(deno(["-qA"]), ["run", "-qA", "child.ts", "x"]);
  });

  it("leaves a permission the flags name as they name it: a read or write list is not widened", () => {
    assert.deepEqual(deno(["--allow-read=/data", "--allow-write=/out", "--allow-ffi=/lib/x.so", "--allow-env"]), [
      "run",
      "--allow-read=/data",
      "--allow-write=/out",
      "--allow-ffi=/lib/x.so",
      "--allow-env",
      "child.ts",
      "x",
    ]);
    assert.deepEqual(deno(["-RW", "--allow-ffi", "-E"]), ["run", "-RW", "--allow-ffi", "-E", "child.ts", "x"]);
    assert.deepEqual(deno(["-R=/data", "--allow-ffi", "--allow-write", "--allow-env"]).slice(0, 2), ["run", "-R=/data"]);
  });

  it("gives an --allow-env list the variable inherited() reads, once", () => {
    assert.deepEqual(deno(["--allow-env=HOME,PATH"]).slice(1, 5), ["--allow-ffi", "--allow-read", "--allow-write", "--allow-env=HOME,PATH,MEMMAP_INHERITED"]);
    assert.deepEqual(deno(["-E=HOME"]).at(-3), "-E=HOME,MEMMAP_INHERITED");
    assert.deepEqual(deno(["--allow-env=MEMMAP_INHERITED"]).at(-3), "--allow-env=MEMMAP_INHERITED");
  });

  it("does not mistake a flag's value or another permission for one memmap needs", () => {
    // -c takes a value: "-cRW" is the config file "RW"; --deny-read denies, it grants nothing.
    const command = deno(["-cRW", "--deny-read=/etc", "--allow-run"]);
    assert.deepEqual(command.slice(0, 5), ["run", "--allow-ffi", "--allow-read", "--allow-write", "--allow-env"]);
  });
});

describe("runtimeCommand for Node and Bun", () => {
  it("puts the flags before the module and adds nothing", () => {
    assert.deepEqual(runtimeCommand("/opt/bin/node", "child.mjs", ["--expose-gc"], ["x"]), ["--expose-gc", "child.mjs", "x"]);
    assert.deepEqual(runtimeCommand("/opt/bin/bun", "child.mjs", [], []), ["child.mjs"]);
  });
});
