// fork() from a Deno parent: the child runs with the parent's run flags (Deno's
// process.execArgv is empty, so they come from /proc/self/cmdline), and memmap's
// permissions merge with them instead of colliding.
import assert from "node:assert/strict";
import { runFlagsOf } from "../src/run-flags.ts";

const isLinux = Deno.build.os === "linux";
const ROOT = new URL("../../../", import.meta.url).pathname;
/** An import map under which a script finds memmap as "memmap-under-test": without it, the name does not resolve. */
const IMPORTS = {
  "memmap-under-test": new URL("../mod.ts", import.meta.url).href,
  "@memmap/core": new URL("../../core/src/index.ts", import.meta.url).href,
  "@memmap/core/backend": new URL("../../core/src/backend-api.ts", import.meta.url).href,
};

const PARENT = `import { fork, mapAnonymous } from "memmap-under-test";
const report = mapAnonymous(4096);
const child = fork(new URL("./child.ts", import.meta.url), { share: { report }, args: ["child-arg"], ...JSON.parse(Deno.args[0]) });
const exit = await child.exited;
const length = new Int32Array(report.bytes.buffer, 0, 1)[0];
const seen = length > 0 ? JSON.parse(new TextDecoder().decode(report.bytes.subarray(4, 4 + length))) : null;
console.log(JSON.stringify({ exit, child: seen }));
`;

const CHILD = `import { inherited } from "memmap-under-test";
const { report } = inherited();
const state = (descriptor) => Deno.permissions.querySync(descriptor).state;
const text = JSON.stringify({
  args: Deno.args,
  gc: typeof globalThis.gc,
  kv: typeof Deno.openKv,
  net: state({ name: "net", host: "127.0.0.1" }),
  netAll: state({ name: "net" }),
  readAll: state({ name: "read" }),
  envHome: state({ name: "env", variable: "HOME" }),
  envAll: state({ name: "env" }),
});
const bytes = new TextEncoder().encode(text);
report.bytes.set(bytes, 4);
new Int32Array(report.bytes.buffer, 0, 1)[0] = bytes.length;
`;

interface ChildReport {
  args: string[];
  gc: string;
  kv: string;
  net: string;
  netAll: string;
  readAll: string;
  envHome: string;
  envAll: string;
}

/**
 * Runs parent.ts with `flags` in a fresh folder whose import map is `configName` (deno.json is
 * found by the child by itself, any other name only through --config), with `--parent-flag` as
 * a script argument the child must not get; returns what the parent saw.
 */
async function runParent(
  configName: string,
  flags: (dir: string) => string[],
  forkOptions: object = {},
): Promise<{ exit: { code: number | null; signal: string | null }; child: ChildReport | null }> {
  const dir = Deno.makeTempDirSync({ prefix: "memmap-fork-flags-" });
  try {
    Deno.writeTextFileSync(`${dir}/${configName}`, JSON.stringify({ imports: IMPORTS, lock: false, nodeModulesDir: "manual" }));
    Deno.writeTextFileSync(`${dir}/parent.ts`, PARENT);
    Deno.writeTextFileSync(`${dir}/child.ts`, CHILD);
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", ...flags(dir), "parent.ts", JSON.stringify(forkOptions), "--parent-flag"],
      cwd: dir,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(out.stdout).trim();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, `the parent failed:\n${stderr}`);
    const result = JSON.parse(stdout.split("\n").at(-1)!);
    assert.deepEqual(result.exit, { code: 0, signal: null }, `the child failed:\n${stderr}`);
    return result;
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

const PARENT_PERMISSIONS = ["--allow-ffi", "--allow-read", "--allow-env", "--allow-run"];

function linuxOnly(name: string, fn: () => Promise<void>): void {
  // Elsewhere Deno's flags cannot be recovered (no /proc): fork() then passes none (see ForkOptions).
  Deno.test({ name, ignore: !isLinux, fn, sanitizeResources: false, sanitizeOps: false });
}

linuxOnly("fork: a parent started with --config and an import map has a child that resolves through it", async () => {
  const { child } = await runParent("memmap-test.json", (dir) => ["--config", `${dir}/memmap-test.json`, ...PARENT_PERMISSIONS]);
  assert.deepEqual(child?.args, ["child-arg"], "the child gets its own arguments, not the parent's script or its arguments");
});

linuxOnly("fork: the child has the parent's --v8-flags and --unstable-* flags, and its permission lists unwidened", async () => {
  const { child } = await runParent("deno.json", (dir) => [
    "--v8-flags=--expose-gc",
    "--unstable-kv",
    "--allow-net=127.0.0.1",
    `--allow-read=${dir},${ROOT}`,
    "--allow-ffi",
    "--allow-env",
    "--allow-run",
  ]);
  assert.equal(child?.gc, "function", "--v8-flags=--expose-gc reached the child");
  assert.equal(child?.kv, "function", "--unstable-kv reached the child");
  assert.deepEqual([child?.net, child?.netAll], ["granted", "prompt"], "--allow-net=127.0.0.1, as the parent has it");
  assert.equal(child?.readAll, "prompt", "--allow-read=LIST is not widened to every path");
  assert.deepEqual(child?.args, ["child-arg"]);
});

Deno.test({
  name: "fork: runtimeArgs [--allow-all] starts the child with every permission (memmap's own are not added to collide)",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const { child } = await runParent("deno.json", () => PARENT_PERMISSIONS, { runtimeArgs: ["--allow-all"] });
    assert.deepEqual([child?.netAll, child?.readAll, child?.envAll], ["granted", "granted", "granted"]);
  },
});

Deno.test({
  name: "fork: runtimeArgs with an --allow-env list: the child can still read its mappings, and only those variables",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const { child } = await runParent("deno.json", () => PARENT_PERMISSIONS, { runtimeArgs: ["--allow-env=HOME"] });
    assert.deepEqual([child?.envHome, child?.envAll], ["granted", "prompt"]);
  },
});

Deno.test("runFlagsOf: the flags of `deno run` and of `deno SCRIPT`, without the script and its arguments", () => {
  const deno = "/usr/bin/deno";
  assert.deepEqual(runFlagsOf([deno, "run", "-A", "--config", "c.json", "main.ts", "a", "--b"], ["a", "--b"]), ["-A", "--config", "c.json"]);
  assert.deepEqual(runFlagsOf([deno, "-q", "run", "-c", "c.json", "-L", "debug", "main.ts"], []), ["-q", "-c", "c.json", "-L", "debug"]);
  assert.deepEqual(runFlagsOf([deno, "--allow-ffi", "main.ts", "--", "x"], ["--", "x"]), ["--allow-ffi"]);
  assert.deepEqual(runFlagsOf([deno, "run", "--lock", "deno.lock", "-", "x"], ["x"]), ["--lock", "deno.lock"]);
  assert.deepEqual(runFlagsOf([deno, "run", "--lock", "--no-check", "main.ts"], []), ["--lock", "--no-check"]);
  assert.deepEqual(runFlagsOf([deno, "main.ts"], []), []);
  // A script named like a subcommand is still the script.
  assert.deepEqual(runFlagsOf([deno, "run", "-A", "test"], []), ["-A"]);
});

Deno.test("runFlagsOf: watching, the inspector and --reload are not repeated in a child", () => {
  const argv = ["deno", "run", "--watch", "--watch-exclude=dist", "--no-clear-screen", "--hmr=src", "--inspect-brk=127.0.0.1:0"];
  argv.push("--inspect-publish-uid", "http", "-r", "--reload=npm:", "--v8-flags=--expose-gc", "main.ts");
  assert.deepEqual(runFlagsOf(argv, []), ["--v8-flags=--expose-gc"]);
});

Deno.test("runFlagsOf: undefined for other subcommands, compiled programs and rewritten command lines", () => {
  assert.equal(runFlagsOf(["deno", "test", "-A", "a.test.ts"], []), undefined);
  assert.equal(runFlagsOf(["deno", "eval", "console.log(1)"], []), undefined);
  assert.equal(runFlagsOf(["deno", "serve", "--port", "8000", "main.ts"], []), undefined);
  assert.equal(runFlagsOf(["./compiled", "a"], ["a"]), undefined);
  // After process.title = "worker": the title, then NULs where the arguments were.
  assert.equal(runFlagsOf(["worker", "", "", ""], []), undefined);
  assert.equal(runFlagsOf(["worker", "", "", ""], ["a"]), undefined);
});
