// npm run release -- --registry <url> [--jsr] [--targets all|host] [--allow-dirty]
// In dependency order: builds every target (npm run build:release), packs @memmap/core,
// @memmap/node and @memmap/bun, publishes them to the npm registry given (with --provenance
// when CI provides an OIDC identity), then publishes @memmap/core and @memmap/deno to JSR
// (deno publish: always a --dry-run first, the real one with --jsr). Refuses a dirty tree and disagreeing versions.
//   --targets host   builds only this machine's shim: for a loopback registry (a test) only
//   --allow-dirty    for a loopback registry only: a test run from a working tree
//   --root DIR       the checkout to release (default: this one)
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { TARGETS } from "../packages/core/src/platform.ts";
import { CHECKSUMS_FILE } from "../packages/core/src/prebuilt-checksum.ts";
import { manifestProblems } from "./manifests.ts";
import { NPM_PACKAGES, pack } from "./pack.ts";
import { command, ROOT, RUNTIMES } from "./runtimes.ts";

/** Why the release stopped before publishing anything; exit code 1. */
class Refusal extends Error {}

const { values } = parseArgs({
  options: {
    registry: { type: "string" },
    jsr: { type: "boolean", default: false },
    targets: { type: "string", default: "all" },
    "allow-dirty": { type: "boolean", default: false },
    root: { type: "string" },
  },
});
const root = resolve(values.root ?? ROOT);

function run(program: string, args: string[], cwd = root): void {
  console.log(`release: ${program} ${args.join(" ")}`);
  execFileSync(program, args, { cwd, stdio: ["ignore", "inherit", "inherit"] });
}

/** What stops a release before it builds anything, as one message; undefined if nothing does. */
function refusal(registry: string | undefined): string | undefined {
  if (!registry) return "--registry <url> is required (https://registry.npmjs.org/ for the real one)";
  let loopback: boolean;
  try {
    loopback = ["127.0.0.1", "localhost", "[::1]"].includes(new URL(registry).hostname);
  } catch {
    return `--registry ${registry} is not a URL`;
  }
  if (values.targets !== "all" && values.targets !== "host") return `--targets must be all or host, not ${values.targets}`;
  if (!loopback && (values.targets === "host" || values["allow-dirty"])) {
    return `--targets host and --allow-dirty are for a registry on this machine (a test), not ${registry}`;
  }
  const dirty = execFileSync("git", ["status", "--porcelain"], { cwd: root, encoding: "utf8" }).trimEnd();
  if (dirty && !values["allow-dirty"]) return `the working tree has changes not committed:\n${dirty}\nCommit or stash them first.`;
  const problems = manifestProblems(root);
  if (problems.length) {
    return `the packages' manifests disagree:\n${problems.join("\n")}\nBump them together with npm run version-packages (changesets), or run node scripts/manifests.ts --write.`;
  }
  return undefined;
}

/** Every target's shim (and sharedBuffer's Node-API entry, where it has one) must be in a runtime package before it is published (one missing is a platform left out). */
function checkPrebuilts(): void {
  for (const name of ["node", "bun"]) {
    const manifest = join(root, "packages", name, "prebuilt", CHECKSUMS_FILE);
    const recorded = Object.keys((JSON.parse(readFileSync(manifest, "utf8")) as { sha256: Record<string, string> }).sha256);
    const missing = Object.entries(TARGETS)
      .flatMap(([target, t]) => [t.file, (t as { sharedBuffer?: string }).sharedBuffer].flatMap((file) => (file ? [`${target}/${file}`] : [])))
      .filter((file) => !recorded.includes(file));
    if (missing.length) throw new Refusal(`@memmap/${name} would be published without ${missing.join(", ")} (${manifest})`);
  }
}

function release(registry: string): void {
  run("npm", ["run", values.targets === "all" ? "build:release" : "build", "--", ...(values.targets === "all" ? [] : ["--force"])]);
  if (values.targets === "all") checkPrebuilts();
  // GitHub Actions gives a job with `permissions: id-token: write` an OIDC identity for provenance.
  const provenance = process.env.ACTIONS_ID_TOKEN_REQUEST_URL ? ["--provenance"] : [];
  // JSR's checks first (a dry run), so a package JSR would refuse stops the release before npm has any of it.
  const denoPublish = (dryRun: boolean) => {
    for (const name of ["core", "deno"]) {
      const flags = [...(dryRun ? ["--dry-run"] : []), ...(values["allow-dirty"] ? ["--allow-dirty"] : [])];
      run(...command(RUNTIMES.deno, ["publish", ...flags]), join(root, "packages", name));
    }
  };
  denoPublish(true);
  const dest = mkdtempSync(join(tmpdir(), "memmap-release-"));
  try {
    const tarballs = NPM_PACKAGES.map((name) => pack(root, name, dest).tarball);
    for (const tarball of tarballs) run("npm", ["publish", tarball, "--registry", registry, "--access", "public", ...provenance]);
  } finally {
    rmSync(dest, { recursive: true, force: true });
  }
  if (values.jsr) denoPublish(false);
  const version = (JSON.parse(readFileSync(join(root, "packages/core/package.json"), "utf8")) as { version: string }).version;
  console.log(`release: ${version} published to ${registry}${values.jsr ? " and JSR" : "; JSR: dry run only (--jsr publishes)"}`);
}

try {
  const why = refusal(values.registry);
  if (why) throw new Refusal(why);
  release(values.registry!);
} catch (e) {
  console.error(`release: ${e instanceof Refusal ? "refusing: " : "failed: "}${(e as Error).message}`);
  process.exit(1);
}
