// A throw-away git checkout holding only this repository's manifests (root and workspace
// package.json files, the lockfile, deno.json files, changesets' config, biome's, scripts/manifests.ts),
// committed, so a test can make it dirty or make its versions disagree without touching the
// repository. node_modules is a link to the repository's, for changesets and biome.
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../../scripts/runtimes.ts";

const FILES = [
  "package.json",
  // How changesets tells npm workspaces from a lone package.
  "package-lock.json",
  "biome.jsonc",
  ".changeset/config.json",
  "scripts/manifests.ts",
  ...["native", "e2e", "packages/core", "packages/node", "packages/bun", "packages/deno"].map((d) => `${d}/package.json`),
  "packages/core/deno.json",
  "packages/deno/deno.json",
];

export function manifestCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), "memmap-manifests-"));
  for (const file of FILES) cpSync(join(ROOT, file), join(dir, file), { recursive: true });
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  writeFileSync(join(dir, ".gitignore"), "node_modules\n");
  git(dir, "init", "-q");
  commitAll(dir, "manifests");
  return dir;
}

export function git(dir: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd: dir, encoding: "utf8" });
}

export function commitAll(dir: string, message: string): void {
  git(dir, "add", "-A");
  git(dir, "-c", "user.name=memmap test", "-c", "user.email=test@localhost", "commit", "-q", "-m", message);
}
