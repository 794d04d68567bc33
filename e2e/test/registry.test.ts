// A release published to a real registry and installed as a user would: Verdaccio on
// 127.0.0.1 (verdaccio.ts: throw-away storage, offline), `npm run release` against it, then a
// project outside the repo that runs the README's install lines (<!-- install:node -->,
// <!-- install:bun -->) with the registry in its .npmrc, and each README quick start
// (<!-- quickstart:node -->, <!-- quickstart:bun -->) as main.ts on Node 26, Node 22 and Bun.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, it } from "vitest";
import { detectLibc, TARGETS, targetFor } from "../../packages/core/src/platform.ts";
import { command, ROOT, RUNTIMES, scriptCommand } from "../../scripts/runtimes.ts";
import { hasCommand } from "../../scripts/tools.ts";
import { readmeBlock, shellCommands } from "../support/readme-snippets.ts";
import { type Registry, startVerdaccio } from "./verdaccio.ts";

const version = (JSON.parse(readFileSync(join(ROOT, "packages/core/package.json"), "utf8")) as { version: string }).version;
// Every target needs the cross tools of native/scripts/install-cross-tools.sh; without them the
// release builds this machine's shim only (release.ts allows that for a loopback registry alone).
const CROSS_TOOLS = ["aarch64-linux-gnu-gcc", "musl-gcc", "clang", "x86_64-w64-mingw32-gcc"];
const targets = CROSS_TOOLS.every((t) => hasCommand(t, ["--version"])) ? "all" : "host";
const host = targetFor({ platform: process.platform, arch: process.arch, libc: detectLibc(process.report.getReport()) });

let registry: Registry | undefined;
let scratch = "";
/** The user's projects, one per runtime, as the README's install lines make them. */
const apps = { node: "", bun: "" };

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), "memmap-registry-"));
  registry = await startVerdaccio();
});

afterAll(async () => {
  await registry?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** npm with a configuration of its own: the registry's user (publishing) or none (the user's project). */
function npm(args: string[], cwd: string, userconfig: string): string {
  return execFileSync("npm", args, {
    cwd,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    // A fresh cache: what the project installs can only have come from this registry.
    env: { ...process.env, NPM_CONFIG_USERCONFIG: userconfig, npm_config_cache: join(scratch, "npm-cache") },
  });
}

describe("a release on a registry", () => {
  it("the README marks the install line and the quick start of Node and Bun", () => {
    for (const runtime of ["node", "bun"]) {
      assert.match(readmeBlock(`install:${runtime}`, "sh"), new RegExp(`@memmap/${runtime}`));
      assert.match(readmeBlock(`quickstart:${runtime}`, "ts"), new RegExp(`from "@memmap/${runtime}"`));
    }
  });

  it(`npm run release publishes @memmap/core, @memmap/node and @memmap/bun to Verdaccio on 127.0.0.1 (targets: ${targets})`, () => {
    const reg = registry!;
    // Offline, the registry has no koffi (@memmap/node's dependency): publish the locked tarballs
    // to it, koffi and its binary for this platform (an optional dependency; without it koffi's
    // install script tries to compile it).
    const seed = join(scratch, "seed");
    mkdirSync(seed);
    const locked = (dir: string) => JSON.parse(readFileSync(join(ROOT, "node_modules", dir, "package.json"), "utf8")) as { name: string; version: string };
    const koffiBinaries = readdirSync(join(ROOT, "node_modules/@koromix")).map((d) => `@koromix/${d}`);
    for (const { name, version } of ["koffi", ...koffiBinaries].map(locked)) {
      const tgz = execFileSync("npm", ["pack", `${name}@${version}`, "--silent", "--prefer-offline"], { cwd: seed, encoding: "utf8" }).trim();
      npm(["publish", join(seed, tgz), "--registry", reg.url], seed, reg.npmrc);
    }

    const dirty = execFileSync("git", ["status", "--porcelain"], { cwd: ROOT, encoding: "utf8" }).trim() !== "";
    const [program, args] = scriptCommand(RUNTIMES.node26, join(ROOT, "scripts/release.ts"), {
      args: ["--registry", reg.url, "--targets", targets, ...(dirty ? ["--allow-dirty"] : [])],
    });
    const r = spawnSync(program, args, { cwd: ROOT, encoding: "utf8", env: { ...process.env, NPM_CONFIG_USERCONFIG: reg.npmrc } });
    assert.equal(r.status, 0, `release failed:\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout + r.stderr, /publish --dry-run[\s\S]*prebuilt\/linux-x64-gnu\/libmemmap\.so/, "JSR's dry run of @memmap/deno has the prebuilt");
    for (const name of ["core", "node", "bun"]) {
      assert.equal(npm(["view", `@memmap/${name}`, "version", "--registry", reg.url], scratch, reg.npmrc).trim(), version);
    }
  });

  it("projects outside the repo run the README's install lines against it, then its quick start on Node 26, Node 22 and Bun", () => {
    const reg = registry!;
    const noUserConfig = join(scratch, "empty-npmrc");
    writeFileSync(noUserConfig, "");
    for (const runtime of ["node", "bun"] as const) {
      const app = join(scratch, `${runtime}-app`);
      apps[runtime] = app;
      mkdirSync(app);
      writeFileSync(join(app, ".npmrc"), `registry=${reg.url}\n`);
      for (const [tool, ...words] of shellCommands(readmeBlock(`install:${runtime}`, "sh"))) {
        if (tool === "npm") npm([...words, "--no-audit", "--no-fund"], app, noUserConfig);
        else if (tool === "bun") {
          // Bun reads the project's .npmrc; a cache of its own, so the packages can only come from this registry.
          const env = { ...process.env, NPM_CONFIG_USERCONFIG: noUserConfig, BUN_INSTALL_CACHE_DIR: join(scratch, "bun-cache") };
          const r = spawnSync(...command(RUNTIMES.bun, words), { cwd: app, encoding: "utf8", env });
          assert.equal(r.status, 0, `bun ${words.join(" ")}: ${r.stderr}`);
        } else assert.fail(`an install line this test does not know how to run: ${tool} ${words.join(" ")}`);
      }
      const installed = JSON.parse(readFileSync(join(app, "node_modules/@memmap", runtime, "package.json"), "utf8")) as { version: string };
      assert.equal(installed.version, version, `@memmap/${runtime} came from the release`);
    }
    // The tarball installed is the one published here: the same integrity (npm leaves "resolved" out of
    // the lockfile when run from npm test, so the hash is what tells).
    const lock = JSON.parse(readFileSync(join(apps.node, "package-lock.json"), "utf8")) as {
      packages: Record<string, { integrity?: string; resolved?: string }>;
    };
    const entry = lock.packages["node_modules/@memmap/node"];
    assert.ok(entry, "the lockfile has @memmap/node");
    if (entry.resolved) assert.match(entry.resolved, /^http:\/\/127\.0\.0\.1:\d+\//, "resolved from the registry on 127.0.0.1");
    const published = npm(["view", `@memmap/node@${version}`, "dist.integrity", "--registry", reg.url], scratch, reg.npmrc).trim();
    assert.equal(entry.integrity, published, "the installed @memmap/node is the tarball published to Verdaccio");
    for (const [runtime, marker] of [
      ["node26", "node"],
      ["node22", "node"],
      ["bun", "bun"],
    ] as const) {
      writeFileSync(join(apps[marker], "main.ts"), readmeBlock(`quickstart:${marker}`, "ts"));
      const r = spawnSync(...scriptCommand(RUNTIMES[runtime], "main.ts"), { cwd: apps[marker], encoding: "utf8" });
      assert.equal(r.status, 0, `${runtime}: the quick start failed:\n${r.stdout}\n${r.stderr}`);
      // What the README's comment says it prints.
      assert.match(r.stdout, /^42 4096$/m, `${runtime}: the quick start printed ${r.stdout}`);
    }
  });

  it("the installed packages refuse a corrupted copy of their prebuilt shim (ERR_LIBRARY_CHECKSUM)", () => {
    assert.ok(apps.node && apps.bun, "the projects of the case before are installed");
    for (const [runtime, name] of [
      ["node26", "node"],
      ["bun", "bun"],
    ] as const) {
      const app = apps[name];
      const shim = join(app, "node_modules/@memmap", name, "prebuilt", host, TARGETS[host].file);
      const saved = `${shim}.saved`;
      copyFileSync(shim, saved);
      try {
        const bytes = readFileSync(shim);
        bytes[bytes.length - 1]! ^= 0xff;
        writeFileSync(shim, bytes);
        writeFileSync(join(app, "main.ts"), readmeBlock(`quickstart:${name}`, "ts"));
        const r = spawnSync(...command(RUNTIMES[runtime], RUNTIMES[runtime].script("main.ts")), { cwd: app, encoding: "utf8" });
        assert.notEqual(r.status, 0, `${runtime} loaded a corrupted shim`);
        assert.match(r.stderr, /ERR_LIBRARY_CHECKSUM/, `${runtime}: ${r.stderr}`);
      } finally {
        copyFileSync(saved, shim);
        rmSync(saved);
      }
    }
  });
});
