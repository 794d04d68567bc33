// Builds the shim into prebuilt/<target>/<file>, named by the platform table
// that the loaders read too.
//   node scripts/build.ts                 this machine's target (what npm install runs)
//   node scripts/build.ts --all           every target, with the cross tools of install-cross-tools.sh
//   node scripts/build.ts --target NAME   one target (repeatable)
import { execFileSync } from "node:child_process";
import { mkdirSync, renameSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { detectLibc, targetFor, type TargetName, TARGETS } from "../../packages/core/src/platform.ts";
import { recipes } from "./recipes.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

function hostTarget(): TargetName {
  return targetFor({
    platform: process.platform,
    arch: process.arch,
    libc: process.platform === "linux" ? detectLibc(process.report.getReport()) : undefined,
  });
}

function wanted(argv: string[]): TargetName[] {
  if (argv.includes("--all")) return Object.keys(TARGETS) as TargetName[];
  const named = argv.flatMap((a, i) => (argv[i - 1] === "--target" ? [a] : []));
  for (const n of named) {
    if (!(n in TARGETS)) throw new Error(`unknown target ${n}; targets: ${Object.keys(TARGETS).join(", ")}`);
  }
  return named.length ? (named as TargetName[]) : [hostTarget()];
}

/** Compiles one target; returns the output path. */
export function build(target: TargetName, host = hostTarget()): string {
  const recipe = recipes(root)[target];
  const cc = target === host && process.env.CC ? process.env.CC : recipe.cc;
  const out = join(root, "prebuilt", target, TARGETS[target].file);
  mkdirSync(dirname(out), { recursive: true });
  const temp = `${out}.${process.pid}.tmp`;
  const sources = recipe.sources.map((s) => join(root, "src", s));
  try {
    execFileSync(cc, [...recipe.args, "-o", temp, ...sources, ...(recipe.libs ?? [])], { stdio: "inherit" });
  } catch {
    rmSync(temp, { force: true });
    throw new Error(
      `native: building ${target} with ${cc} failed. ` +
        (target === host ? "Install a C compiler (apt-get install gcc) or set CC." : `Cross tools: apt-get install ${recipe.apt} (see native/scripts/install-cross-tools.sh).`),
    );
  }
  // Rename into place so a running process never loads a half-written library.
  renameSync(temp, out);
  return out;
}

if (import.meta.main) {
  let failed = 0;
  for (const target of wanted(process.argv.slice(2))) {
    try {
      console.log(`native: built ${target} -> ${build(target)}`);
    } catch (e) {
      console.error((e as Error).message);
      failed++;
    }
  }
  process.exit(failed ? 1 : 0);
}
