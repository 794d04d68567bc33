// The published packages' manifests agree on one version (lockstep) and one repository:
//   node scripts/manifests.ts --write   make them agree (npm run version does, after changesets)
//   node scripts/manifests.ts           list every disagreement, exit 1 if there is one
//   --root DIR                          another checkout than this one (the tests' copies)
// The version is @memmap/core's (changesets bumps the fixed group together); the repository
// is the root package.json's `repository`, the one place its URL is written by hand.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

// Not runtimes.ts' ROOT: this file runs alone in the tests' copies of the manifests.
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

type Json = Record<string, unknown>;

/** The npm manifests (package.json) of the released packages, by folder under packages/. */
export const NPM_MANIFESTS = ["core", "node", "bun", "deno"] as const;
/** The JSR manifests (deno.json), by folder under packages/. */
export const JSR_MANIFESTS = ["core", "deno"] as const;
/** What depends on @memmap/core: an npm manifest's exact pin, deno.json's jsr: range. */
const CORE = "@memmap/core";

const reader =
  (root: string) =>
  (file: string): Json =>
    JSON.parse(readFileSync(join(root, file), "utf8")) as Json;

/** The repository's web address, from the root package.json ("git+https://host/o/r.git" gives https://host/o/r). */
export function repositoryUrl(root = ROOT): string {
  const repository = reader(root)("package.json").repository as { url?: string } | undefined;
  if (!repository?.url) throw new Error("the root package.json has no repository.url");
  return repository.url.replace(/^git\+/, "").replace(/\.git$/, "");
}

/** What each manifest must say, as [file, key path, value]. */
function expected(root: string): [string, string[], unknown][] {
  const read = reader(root);
  const version = read("packages/core/package.json").version as string;
  const repo = repositoryUrl(root);
  const rows: [string, string[], unknown][] = [];
  for (const dir of NPM_MANIFESTS) {
    const file = `packages/${dir}/package.json`;
    rows.push([file, ["version"], version]);
    // @memmap/deno's package.json is private: only its build hooks, never published to npm.
    if (read(file).private) continue;
    if (dir !== "core") rows.push([file, ["dependencies", CORE], version]);
    rows.push([file, ["repository"], { type: "git", url: `git+${repo}.git`, directory: `packages/${dir}` }]);
    rows.push([file, ["homepage"], `${repo}/tree/main/packages/${dir}#readme`]);
    rows.push([file, ["bugs"], { url: `${repo}/issues` }]);
  }
  for (const dir of JSR_MANIFESTS) {
    const file = `packages/${dir}/deno.json`;
    rows.push([file, ["version"], version]);
    if (dir !== "core") rows.push([file, ["imports", CORE], `jsr:${CORE}@^${version}`]);
  }
  return rows;
}

const get = (json: Json, path: string[]): unknown => path.reduce<unknown>((v, k) => (v as Json | undefined)?.[k], json);

/** Every place a manifest disagrees with the version or the repository, one line each. */
export function manifestProblems(root = ROOT): string[] {
  return expected(root).flatMap(([file, path, want]) => {
    const have = get(reader(root)(file), path);
    return JSON.stringify(have) === JSON.stringify(want) ? [] : [`${file} ${path.join(".")}: ${JSON.stringify(have)}, expected ${JSON.stringify(want)}`];
  });
}

/** Writes every expected value into its manifest; a manifest already right is left as it is. */
export function syncManifests(root = ROOT): void {
  const changed = new Map<string, Json>();
  for (const [file, path, want] of expected(root)) {
    const json = changed.get(file) ?? reader(root)(file);
    if (JSON.stringify(get(json, path)) === JSON.stringify(want)) continue;
    changed.set(file, json);
    const parent = path.slice(0, -1).reduce((v, k) => (v[k] ??= {}) as Json, json);
    parent[path.at(-1)!] = want;
  }
  for (const [file, json] of changed) writeFileSync(join(root, file), `${JSON.stringify(json, null, 2)}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf("--root");
  const root = at > 0 ? resolve(process.argv[at + 1]!) : ROOT;
  if (process.argv.includes("--write")) syncManifests(root);
  const problems = manifestProblems(root);
  for (const p of problems) console.error(`manifests: ${p}`);
  process.exit(problems.length ? 1 : 0);
}
