// Builds the shim into prebuilt/<target>/<file>, named by the platform table
// that the loaders read too.
//   node scripts/build.ts                 this machine's target (what npm install runs)
//   node scripts/build.ts --all           every target, with the cross tools of install-cross-tools.sh
//   node scripts/build.ts --target NAME   one target (repeatable)
// With MEMMAP_USE_PREBUILT=1 it compiles nothing and only checks that this machine's shim is
// already in prebuilt/ (CI puts the build of the same run there, from an artifact).
// Once both darwin targets are built, it also joins them into prebuilt/darwin-universal/
// (see buildUniversal).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
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

/** Compiles one target's shim, and its Node-API entry where the platform table has one; returns the shim's path. */
export function build(target: TargetName, host = hostTarget()): string {
  const recipe = recipes(root)[target];
  const cc = target === host && process.env.CC ? process.env.CC : recipe.cc;
  const out = join(root, "prebuilt", target, TARGETS[target].file);
  compile(target, host, cc, out, recipe.args, recipe.sources, recipe.libs ?? []);
  const addon = (TARGETS[target] as { sharedBuffer?: string }).sharedBuffer;
  if (addon && recipe.addon) compile(target, host, cc, join(dirname(out), addon), recipe.addon.args, recipe.addon.sources, []);
  return out;
}

function compile(target: TargetName, host: TargetName, cc: string, out: string, args: string[], sources: string[], libs: string[]): void {
  mkdirSync(dirname(out), { recursive: true });
  const temp = `${out}.${process.pid}.tmp`;
  try {
    execFileSync(cc, [...args, "-o", temp, ...sources.map((s) => join(root, "src", s)), ...libs], { stdio: "inherit" });
  } catch {
    rmSync(temp, { force: true });
    throw new Error(
      `native: building ${target} with ${cc} failed. ` +
        (target === host
          ? "Install a C compiler (apt-get install gcc) or set CC."
          : `Cross tools: apt-get install ${recipes(root)[target].apt} (see native/scripts/install-cross-tools.sh).`),
    );
  }
  // Rename into place so a running process never loads a half-written library.
  renameSync(temp, out);
}

/** llvm-lipo, or Debian's versioned name for it (llvm-lipo-14); undefined if there is none. */
export function findLipo(): string | undefined {
  return ["llvm-lipo", ...[20, 19, 18, 17, 16, 15, 14].map((v) => `llvm-lipo-${v}`)].find(
    (name) => spawnSync(name, ["-version"], { stdio: "ignore" }).status === 0,
  );
}

export const UNIVERSAL = join(root, "prebuilt", "darwin-universal", TARGETS["darwin-arm64"].file);

/**
 * One Mach-O holding both darwin builds, for whoever ships a single file to every Mac
 * (a universal app bundle, or one MEMMAP_LIBRARY_PATH for arm64 and Rosetta processes).
 * The loaders keep picking prebuilt/darwin-<arch>/ by the platform table, and
 * copy-prebuilt.ts leaves this out of the runtime packages.
 */
export function buildUniversal(): string {
  const parts = (["darwin-x64", "darwin-arm64"] as const).map((t) => join(root, "prebuilt", t, TARGETS[t].file));
  mkdirSync(dirname(UNIVERSAL), { recursive: true });
  const temp = `${UNIVERSAL}.${process.pid}.tmp`;
  try {
    const lipo = findLipo();
    if (!lipo) throw new Error("native: llvm-lipo not found (apt-get install llvm)");
    execFileSync(lipo, ["-create", ...parts, "-output", temp], { stdio: "inherit" });
  } catch (e) {
    rmSync(temp, { force: true });
    throw e;
  }
  renameSync(temp, UNIVERSAL);
  return UNIVERSAL;
}

if (import.meta.main && process.env.MEMMAP_USE_PREBUILT === "1") {
  const shim = join(root, "prebuilt", hostTarget(), TARGETS[hostTarget()].file);
  if (!existsSync(shim)) {
    console.error(`native: MEMMAP_USE_PREBUILT=1, but ${shim} is missing: put the shim there first, or unset it to compile`);
    process.exit(1);
  }
  console.log(`native: MEMMAP_USE_PREBUILT=1: using ${shim} as it is`);
} else if (import.meta.main) {
  let failed = 0;
  let darwinBuilt = false;
  for (const target of wanted(process.argv.slice(2))) {
    try {
      console.log(`native: built ${target} -> ${build(target)}`);
      darwinBuilt ||= TARGETS[target].os === "darwin";
    } catch (e) {
      console.error((e as Error).message);
      failed++;
    }
  }
  const both = (["darwin-x64", "darwin-arm64"] as const).every((t) => existsSync(join(root, "prebuilt", t, TARGETS[t].file)));
  if (darwinBuilt && both) {
    try {
      console.log(`native: joined darwin-x64 and darwin-arm64 -> ${buildUniversal()}`);
    } catch (e) {
      console.error((e as Error).message);
      failed++;
    }
  }
  process.exit(failed ? 1 : 0);
}
