// The packed npm packages as a packaging reviewer sees them: publint (strict: warnings fail
// too) and arethetypeswrong, with no problem at all. @memmap/bun is ES modules only, on
// purpose: it runs on Bun alone, whose require() loads ES modules, so a CommonJS build would
// serve no one; attw checks it with its esm-only profile (no node10/node16-CommonJS rows).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, it } from "vitest";
import { NPM_PACKAGES, type NpmPackage, pack } from "../../scripts/pack.ts";
import { ROOT, RUNTIMES, scriptCommand } from "../../scripts/runtimes.ts";

let dest = "";
const tarballs = {} as Record<NpmPackage, string>;
beforeAll(() => {
  dest = mkdtempSync(join(tmpdir(), "memmap-lint-"));
  for (const name of NPM_PACKAGES) tarballs[name] = pack(ROOT, name, dest).tarball;
});
afterAll(() => {
  if (dest) rmSync(dest, { recursive: true, force: true });
});

function tool(bin: string, args: string[]) {
  const r = spawnSync(...scriptCommand(RUNTIMES.node26, join(ROOT, "node_modules/.bin", bin), { args }), {
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
  });
  return { status: r.status, out: r.stdout + r.stderr };
}

describe("package lints", () => {
  for (const name of NPM_PACKAGES) {
    it(`@memmap/${name}: publint --strict finds nothing`, () => {
      const r = tool("publint", ["--strict", tarballs[name]]);
      assert.equal(r.status, 0, r.out);
      assert.match(r.out, /All good!/, r.out);
    });
    it(`@memmap/${name}: arethetypeswrong finds no problem${name === "bun" ? " (esm-only profile)" : ""}`, () => {
      const r = tool("attw", [tarballs[name], "--format", "ascii", ...(name === "bun" ? ["--profile", "esm-only"] : [])]);
      assert.equal(r.status, 0, r.out);
      if (name !== "bun") assert.match(r.out, /No problems found/, r.out);
      // attw marks each problem with an emoji; under a profile, those it leaves out say "(ignored".
      const problems = r.out.split("\n").filter((line) => /⚠️|❌|💀|👺|🐛|🥴|❗️/u.test(line) && !line.includes("(ignored"));
      assert.deepEqual(problems, [], r.out);
    });
  }
});
