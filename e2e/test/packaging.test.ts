// How a new user meets memmap: the packed tarballs installed into a project
// outside the repo, the README's quick start run there, and what deno publish
// would publish (jsr.test.ts serves that over HTTP as JSR does).
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, it } from "vitest";
import { NPM_PACKAGES, pack } from "../../scripts/pack.ts";
import { olderNode, ROOT, RUNTIMES, scriptCommand } from "../../scripts/runtimes.ts";

let scratch = "";
const tarballs: Record<string, string> = {};
const packed: Record<string, string[]> = {};

/** The README's first ```ts block that imports `from "<specifier>"`. */
function readmeSnippet(specifier: string): string {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const block = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!).find((code) => code.includes(`from "${specifier}"`));
  assert.ok(block, `README has a quick start importing ${specifier}`);
  return block;
}

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "memmap-e2e-"));
  for (const name of NPM_PACKAGES) {
    const { tarball, files } = pack(ROOT, name, scratch);
    tarballs[name] = tarball;
    packed[name] = files;
  }
});

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

let app = "";
/** A project outside the repo with every npm package installed from its tarball (made once). */
function installedApp(): string {
  if (app) return app;
  const folder = join(scratch, "app");
  mkdirSync(folder);
  writeFileSync(
    join(folder, "package.json"),
    JSON.stringify({
      name: "memmap-user",
      private: true,
      type: "module",
      dependencies: Object.fromEntries(NPM_PACKAGES.map((n) => [`@memmap/${n}`, `file:${tarballs[n]}`])),
    }),
  );
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline"], { cwd: folder, stdio: "pipe" });
  app = folder;
  return app;
}

describe("npm packages", () => {
  for (const name of NPM_PACKAGES) {
    it(`@memmap/${name} packs dist, types${name === "core" ? "" : " and the prebuilt shim"}, and nothing stray`, () => {
      const files = packed[name]!;
      for (const needed of ["package.json", "README.md", "LICENSE", "dist/index.js", "dist/index.d.ts"]) {
        assert.ok(files.includes(needed), `${needed} is packed: ${files.join(", ")}`);
      }
      if (name !== "core") assert.ok(files.includes("prebuilt/linux-x64-gnu/libmemmap.so"));
      if (name === "node" || name === "bun")
        assert.ok(files.includes("prebuilt/linux-x64-gnu/memmap-shared-buffer.node"), "sharedBuffer's Node-API entry is packed");
      if (name !== "core") assert.ok(files.includes("prebuilt/checksums.json"), "the shims' checksums are packed");
      const stray = files.filter((f) => !/^(package\.json|README\.md|LICENSE|dist\/.+|prebuilt\/checksums\.json|prebuilt\/[a-z0-9-]+\/[a-z.-]+)$/.test(f));
      assert.deepEqual(stray, [], "only dist, prebuilt, README, LICENSE and package.json");
      // Whether types come first in each condition, and more, publint checks (package-lint.test.ts).
    });
  }

  it("installed from the tarballs outside the repo, the README quick start runs on Node 26, Node 22 and Bun", () => {
    const app = installedApp();
    assert.ok(!existsSync(join(app, "node_modules/@memmap/node/src")), "installed package has no sources");
    writeFileSync(join(app, "node.mjs"), readmeSnippet("@memmap/node"));
    writeFileSync(join(app, "bun.mjs"), readmeSnippet("@memmap/node").replace('"@memmap/node"', '"@memmap/bun"'));
    const runs = [scriptCommand(RUNTIMES.node26, "node.mjs"), scriptCommand(RUNTIMES.node22, "node.mjs"), scriptCommand(RUNTIMES.bun, "bun.mjs")];
    for (const [command, args] of runs) {
      writeFileSync(join(app, "data.bin"), new Uint8Array(16));
      const r = spawnSync(command, args, { cwd: app, encoding: "utf8" });
      assert.equal(r.status, 0, `${command} ${args}: ${r.stderr}`);
      assert.equal(readFileSync(join(app, "data.bin"))[0], 42, `${command} wrote through the mapping`);
    }
  });
});

describe("memmap-cp bins", () => {
  it("@memmap/node and @memmap/bun installed together give memmap-cp and memmap-cp-bun, each its own package's, and both copy", () => {
    const app = installedApp();
    const bins = { "memmap-cp": ["node", RUNTIMES.node26], "memmap-cp-bun": ["bun", RUNTIMES.bun] } as const;
    for (const [bin, [pkg, runtime]] of Object.entries(bins)) {
      const link = join(app, "node_modules/.bin", bin);
      assert.match(readlinkSync(link), new RegExp(`^\\.\\./@memmap/${pkg}/`), `${bin} is @memmap/${pkg}'s`);
      writeFileSync(join(app, "src.bin"), "some bytes\n".repeat(1000));
      const r = spawnSync(...scriptCommand(runtime, link, { args: ["src.bin", `${bin}.copy`] }), { cwd: app, encoding: "utf8" });
      assert.equal(r.status, 0, `${bin}: ${r.stderr}`);
      assert.deepEqual(readFileSync(join(app, `${bin}.copy`)), readFileSync(join(app, "src.bin")));
    }
    // npx runs the bin through its shebang, with the first node on PATH.
    const npx = (node: string) =>
      spawnSync("npx", ["--no-install", "memmap-cp", "--version"], {
        cwd: app,
        encoding: "utf8",
        env: { ...process.env, PATH: `${dirname(node)}:${process.env.PATH}` },
      });
    const r = npx(RUNTIMES.node26.binary);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `memmap-cp (@memmap/node) ${JSON.parse(readFileSync(join(ROOT, "packages/node/package.json"), "utf8")).version}\n`);
    const old = olderNode();
    // Where no Node older than 22 is on PATH (this machine kind has 20), node-version.test.ts says it skipped.
    if (old) {
      // Node 20 first on PATH: a one-line refusal, no stack trace (see node-version.test.ts).
      const refused = npx(old);
      assert.equal(refused.status, 1);
      assert.match(refused.stderr, /^memmap-cp: memmap needs Node 22 or newer; this is \d+\.[^\n]*\n$/);
    }
  });
});

// What deno publish would publish is checked by every release (registry.test.ts runs deno publish --dry-run),
// and served as JSR does, with the README's Deno quick start, by jsr.test.ts.
