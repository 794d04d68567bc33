// npm run release refuses, before building or publishing anything, a tree with uncommitted
// changes, manifests whose versions disagree, and test-only options with a real registry.
// Each case runs scripts/release.ts on a throw-away checkout of the manifests (--root).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, it } from "vitest";
import { ROOT, RUNTIMES, scriptCommand } from "../../scripts/runtimes.ts";
import { commitAll, manifestCopy } from "./manifest-copy.ts";

// Nothing listens there: a release that got past its checks would fail at publishing, not pass.
const REGISTRY = "http://127.0.0.1:9/";
let copy = "";
afterEach(() => {
  if (copy) rmSync(copy, { recursive: true, force: true });
  copy = "";
});

function release(root: string, ...args: string[]) {
  const [program, argv] = scriptCommand(RUNTIMES.node26, join(ROOT, "scripts/release.ts"), { args: ["--root", root, ...args] });
  const r = spawnSync(program, argv, { encoding: "utf8" });
  return { status: r.status, out: r.stdout + r.stderr };
}

describe("npm run release refuses", () => {
  it("a dirty tree, naming what is not committed", () => {
    copy = manifestCopy();
    writeFileSync(join(copy, "stray.txt"), "not committed\n");
    const r = release(copy, "--registry", REGISTRY);
    assert.equal(r.status, 1, r.out);
    assert.match(r.out, /release: refusing: the working tree has changes not committed:\n\?\? stray\.txt\nCommit or stash them first\./);
    assert.doesNotMatch(r.out, /npm run build/, "nothing is built");
  });

  it("versions that disagree, naming the manifest and the version expected", () => {
    copy = manifestCopy();
    const file = join(copy, "packages/bun/package.json");
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, "utf8")), version: "9.9.9" }, null, 2));
    commitAll(copy, "bun alone at 9.9.9");
    const r = release(copy, "--registry", REGISTRY);
    assert.equal(r.status, 1, r.out);
    assert.match(r.out, /release: refusing: the packages' manifests disagree:\npackages\/bun\/package\.json version: "9\.9\.9", expected "\d+\.\d+\.\d+"/);
    assert.match(r.out, /npm run version-packages/);
    assert.doesNotMatch(r.out, /npm run build/, "nothing is built");
  });

  it("--allow-dirty or --targets host with a registry that is not on this machine, and no --registry at all", () => {
    copy = manifestCopy();
    for (const flag of [["--allow-dirty"], ["--targets", "host"]]) {
      const r = release(copy, "--registry", "https://registry.npmjs.org/", ...flag);
      assert.equal(r.status, 1, r.out);
      assert.match(r.out, /--targets host and --allow-dirty are for a registry on this machine/);
    }
    const r = release(copy);
    assert.equal(r.status, 1, r.out);
    assert.match(r.out, /--registry <url> is required/);
  });
});
