// How a new user meets memmap: the packed tarballs installed into a project
// outside the repo, the README's quick start run there, and what deno publish
// would publish (jsr.test.ts serves that over HTTP as JSR does).
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, it } from "vitest";
import { NPM_PACKAGES, pack } from "../../scripts/pack.ts";
import { ROOT, RUNTIMES, scriptCommand } from "../../scripts/runtimes.ts";

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

describe("npm packages", () => {
  for (const name of NPM_PACKAGES) {
    it(`@memmap/${name} packs dist, types${name === "core" ? "" : " and the prebuilt shim"}, and nothing stray`, () => {
      const files = packed[name]!;
      for (const needed of ["package.json", "README.md", "LICENSE", "dist/index.js", "dist/index.d.ts"]) {
        assert.ok(files.includes(needed), `${needed} is packed: ${files.join(", ")}`);
      }
      if (name !== "core") assert.ok(files.includes("prebuilt/linux-x64-gnu/libmemmap.so"));
      if (name !== "core") assert.ok(files.includes("prebuilt/checksums.json"), "the shims' checksums are packed");
      const stray = files.filter((f) => !/^(package\.json|README\.md|LICENSE|dist\/.+|prebuilt\/checksums\.json|prebuilt\/[a-z0-9-]+\/[a-z.]+)$/.test(f));
      assert.deepEqual(stray, [], "only dist, prebuilt, README, LICENSE and package.json");
      // Whether types come first in each condition, and more, publint checks (package-lint.test.ts).
    });
  }

  it("installed from the tarballs outside the repo, the README quick start runs on Node 26, Node 22 and Bun", () => {
    const app = join(scratch, "app");
    mkdirSync(app);
    writeFileSync(
      join(app, "package.json"),
      JSON.stringify({
        name: "memmap-user",
        private: true,
        type: "module",
        dependencies: Object.fromEntries(NPM_PACKAGES.map((n) => [`@memmap/${n}`, `file:${tarballs[n]}`])),
      }),
    );
    execFileSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline"], { cwd: app, stdio: "pipe" });
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

// What deno publish would publish is checked by every release (registry.test.ts runs deno publish --dry-run),
// and served as JSR does, with the README's Deno quick start, by jsr.test.ts.
