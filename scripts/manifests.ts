// The published packages' manifests agree on one version (lockstep) and one repository:
//   node scripts/manifests.ts --write   make them agree (npm run version does, after changesets)
//   node scripts/manifests.ts           list every disagreement, exit 1 if there is one
// The version is @memmap/core's (changesets bumps the fixed group together); the repository
// is the root package.json's `repository`, the one place its URL is written by hand.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ROOT } from "./runtimes.ts";

type Json = Record<string, unknown>;

/** The npm manifests (package.json) of the released packages, by folder under packages/. */
export const NPM_MANIFESTS = ["core", "node", "bun", "deno"] as const;
/** The JSR manifests (deno.json), by folder under packages/. */
export const JSR_MANIFESTS = ["core", "deno"] as const;
/** What depends on @memmap/core: an npm manifest's exact pin, deno.json's jsr: range. */
const CORE = "@memmap/core";

const read = (file: string): Json => JSON.parse(readFileSync(join(ROOT, file), "utf8")) as Json;
const write = (file: string, json: Json) => writeFileSync(join(ROOT, file), `${JSON.stringify(json, null, 2)}\n`);

/** The repository's web address, from the root package.json ("git+https://host/o/r.git" gives https://host/o/r). */
export function repositoryUrl(): string {
  const repository = read("package.json").repository as { url?: string } | undefined;
  if (!repository?.url) throw new Error("the root package.json has no repository.url");
  return repository.url.replace(/^git\+/, "").replace(/\.git$/, "");
}

/** What each manifest must say, as [file, key path, value]. */
function expected(): [string, string[], unknown][] {
  const version = read("packages/core/package.json").version as string;
  const repo = repositoryUrl();
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
export function manifestProblems(): string[] {
  return expected().flatMap(([file, path, want]) => {
    const have = get(read(file), path);
    return JSON.stringify(have) === JSON.stringify(want) ? [] : [`${file} ${path.join(".")}: ${JSON.stringify(have)}, expected ${JSON.stringify(want)}`];
  });
}

/** Writes every expected value into its manifest; a manifest already right is left as it is. */
export function syncManifests(): void {
  const changed = new Map<string, Json>();
  for (const [file, path, want] of expected()) {
    const json = changed.get(file) ?? read(file);
    if (JSON.stringify(get(json, path)) === JSON.stringify(want)) continue;
    changed.set(file, json);
    const parent = path.slice(0, -1).reduce((v, k) => (v[k] ??= {}) as Json, json);
    parent[path.at(-1)!] = want;
  }
  for (const [file, json] of changed) write(file, json);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes("--write")) syncManifests();
  const problems = manifestProblems();
  for (const p of problems) console.error(`manifests: ${p}`);
  process.exit(problems.length ? 1 : 0);
}
