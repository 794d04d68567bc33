// A Deno user's first run, as the README prints it: `deno add jsr:@memmap/deno` and the
// quick start's `deno run` command, in a project outside the repo with a fresh DENO_DIR,
// the packages served over loopback HTTP the way JSR serves them (Deno honours JSR_URL).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, it } from "vitest";
import { command, ROOT, RUNTIMES } from "../../scripts/runtimes.ts";
import { type JsrPackage, publishedPackage, startJsrRegistry } from "../support/jsr-registry.ts";
import { readmeBlock, shellCommands } from "../support/readme-snippets.ts";

let scratch = "";
let packages: JsrPackage[] = [];

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "memmap-jsr-"));
  packages = ["core", "deno"].map((name) => publishedPackage(join(ROOT, "packages", name)));
});

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** A README command line; its `deno` is this repository's Deno. Asynchronous: the registry answering it lives in this process. */
function runDeno([program, ...args]: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Run> {
  assert.equal(program, "deno", "a Deno command of the README starts with deno");
  return new Promise((resolve) => {
    execFile(...command(RUNTIMES.deno, args), { cwd, env }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

/** A fresh project and Deno cache, with the README's install line run against registry. */
async function project(name: string, registry: string): Promise<{ app: string; env: NodeJS.ProcessEnv; temp: string }> {
  const app = join(scratch, name);
  const temp = join(scratch, `${name}-tmp`);
  mkdirSync(app);
  mkdirSync(temp);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    JSR_URL: registry,
    DENO_DIR: join(scratch, `${name}-deno-dir`),
    TMPDIR: temp,
    NO_COLOR: "1",
    DENO_NO_UPDATE_CHECK: "1",
  };
  for (const key of Object.keys(env)) if (key.startsWith("MEMMAP_")) delete env[key];
  for (const line of shellCommands(readmeBlock("install:deno", "sh"))) {
    const r = await runDeno(line, app, env);
    assert.equal(r.code, 0, `${line.join(" ")}: ${r.stderr}`);
  }
  writeFileSync(join(app, "main.ts"), readmeBlock("quickstart:deno", "ts"));
  return { app, env, temp };
}

describe("Deno from JSR, as the README says", () => {
  it("deno add, then the README's deno run command, works with no other flag, no network at run time, and leaves nothing behind", async () => {
    const registry = await startJsrRegistry(packages);
    try {
      const { app, env, temp } = await project("app", registry.url);
      const [run] = shellCommands(readmeBlock("run:deno", "sh"));
      assert.ok(run, "README has a deno run command");
      const fetchedByInstall = registry.requests.length;
      for (let attempt = 0; attempt < 2; attempt++) {
        rmSync(join(app, "data.bin"), { force: true });
        const r = await runDeno(run, app, env);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, "42 4096\n");
        assert.equal(readFileSync(join(app, "data.bin"))[0], 42);
      }
      assert.deepEqual(registry.requests.slice(fetchedByInstall), [], "deno run fetches nothing: all of it came with deno add");
      assert.ok(
        registry.requests.some((path) => path.endsWith(".so.ts")),
        "deno add fetched the embedded shim with the module graph",
      );
      assert.deepEqual(readdirSync(temp), [], "no temporary copy of the shim is left");
      assert.deepEqual(readdirSync(app).sort(), ["data.bin", "deno.json", "deno.lock", "main.ts"]);
      const denied = await runDeno(
        run.filter((arg) => arg !== "--allow-ffi"),
        app,
        env,
      );
      assert.notEqual(denied.code, 0);
      assert.match(denied.stderr, /MmapError: memmap needs FFI permission: .*--allow-ffi/);
    } finally {
      await registry.close();
    }
  });

  it("the README's memmap-cp line for Deno runs from the jsr: specifier, with no deno add", async () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const line = /^deno run .*jsr:@memmap\/deno\/cp SRC DST$/m.exec(readme)?.[0];
    assert.ok(line, "README shows memmap-cp for Deno as `deno run … jsr:@memmap/deno/cp SRC DST`");
    const registry = await startJsrRegistry(packages);
    try {
      const app = join(scratch, "cp");
      mkdirSync(app);
      writeFileSync(join(app, "src.txt"), "copied through memmap-cp\n");
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        JSR_URL: registry.url,
        DENO_DIR: join(scratch, "cp-deno-dir"),
        NO_COLOR: "1",
        DENO_NO_UPDATE_CHECK: "1",
      };
      const r = await runDeno(line.replace("SRC DST", "src.txt dst.txt").split(" "), app, env);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(readFileSync(join(app, "dst.txt"), "utf8"), "copied through memmap-cp\n");
    } finally {
      await registry.close();
    }
  });

  it("a served shim that is not the one the package was built with is refused with ERR_LIBRARY_CHECKSUM", async () => {
    // A registry (or mirror) that serves other bytes, with a manifest that matches them, so Deno's own check passes.
    const corrupted = packages.map((p) => {
      const files = new Map(p.files);
      for (const [path, bytes] of files) {
        if (!path.endsWith(".so.ts")) continue;
        const source = new TextDecoder().decode(bytes);
        const base64 = /"([A-Za-z0-9+/=]+)"/.exec(source)![1]!;
        const shim = Buffer.from(base64, "base64");
        const middle = shim.length >> 1;
        shim[middle] = shim[middle]! ^ 0xff;
        files.set(path, new TextEncoder().encode(source.replace(base64, shim.toString("base64"))));
      }
      return { ...p, files };
    });
    const registry = await startJsrRegistry(corrupted);
    try {
      const { app, env } = await project("corrupted", registry.url);
      writeFileSync(
        join(app, "check.ts"),
        `import { map, MmapError } from "@memmap/deno";
try { map("data.bin", { mode: "readwrite", size: 16 }); } catch (e) { console.log(e instanceof MmapError, (e as MmapError).code, (e as Error).message); }`,
      );
      const r = await runDeno(["deno", "run", "--allow-ffi", "--allow-read", "--allow-write", "check.ts"], app, env);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^true ERR_LIBRARY_CHECKSUM memmap's native shim from \S+libmemmap\.so\.ts has SHA-256 [0-9a-f]{64}, not the [0-9a-f]{64} this/);
    } finally {
      await registry.close();
    }
  });
});
