// Lockstep versions: @memmap/core, @memmap/node, @memmap/bun and @memmap/deno share one
// version across their package.json and deno.json files and their dependencies on core, and
// `npm run version-packages` (changesets, then scripts/manifests.ts) bumps them together.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, it } from "vitest";
import { manifestProblems } from "../../scripts/manifests.ts";
import { manifestCopy } from "./manifest-copy.ts";

const json = (dir: string, file: string) => JSON.parse(readFileSync(join(dir, file), "utf8"));
let copy = "";
afterEach(() => {
  if (copy) rmSync(copy, { recursive: true, force: true });
  copy = "";
});

describe("versions", () => {
  it("the repository's manifests agree on one version and one repository", () => {
    assert.deepEqual(manifestProblems(), []);
  });

  it("a package.json version, a deno.json version or core's jsr: range that disagrees is reported", () => {
    copy = manifestCopy();
    const bun = json(copy, "packages/bun/package.json");
    writeFileSync(join(copy, "packages/bun/package.json"), JSON.stringify({ ...bun, version: "9.9.9" }));
    const deno = json(copy, "packages/deno/deno.json");
    writeFileSync(join(copy, "packages/deno/deno.json"), JSON.stringify({ ...deno, imports: { "@memmap/core": "jsr:@memmap/core@^9.9.9" } }));
    const problems = manifestProblems(copy);
    assert.ok(
      problems.some((p) => p.startsWith('packages/bun/package.json version: "9.9.9"')),
      problems.join("\n"),
    );
    assert.ok(
      problems.some((p) => p.startsWith("packages/deno/deno.json imports.@memmap/core")),
      problems.join("\n"),
    );
  });

  it("npm run version-packages bumps all four together from a changeset naming one, and writes CHANGELOG.md", () => {
    copy = manifestCopy();
    const before = json(copy, "packages/core/package.json").version as string;
    writeFileSync(join(copy, ".changeset/bun-fix.md"), '---\n"@memmap/bun": minor\n---\n\nA change to the Bun package.\n');
    execFileSync("npm", ["run", "--silent", "version-packages"], { cwd: copy, stdio: "pipe" });
    const [major, minor] = before.split(".").map(Number);
    const after = `${major}.${minor! + 1}.0`;
    for (const dir of ["core", "node", "bun", "deno"]) assert.equal(json(copy, `packages/${dir}/package.json`).version, after, dir);
    for (const dir of ["core", "deno"]) assert.equal(json(copy, `packages/${dir}/deno.json`).version, after, `${dir}/deno.json`);
    assert.equal(json(copy, "packages/deno/deno.json").imports["@memmap/core"], `jsr:@memmap/core@^${after}`);
    for (const dir of ["node", "bun"]) assert.equal(json(copy, `packages/${dir}/package.json`).dependencies["@memmap/core"], after);
    assert.match(
      readFileSync(join(copy, "packages/bun/CHANGELOG.md"), "utf8"),
      new RegExp(`## ${after.replaceAll(".", "\\.")}[\\s\\S]*A change to the Bun package`),
    );
    assert.ok(existsSync(join(copy, "packages/core/CHANGELOG.md")), "core, bumped with it, has a changelog too");
    assert.deepEqual(manifestProblems(copy), []);
    assert.ok(!existsSync(join(copy, ".changeset/bun-fix.md")), "the changeset is consumed");
  });
});
