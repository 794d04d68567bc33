// Builds native/test/selftest.c for a Linux target, links it to that target's
// built shim, and runs it: natively, through musl's loader, or under qemu-user.
//   node scripts/selftest.ts linux-arm64-musl [...]
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { TARGETS, type TargetName } from "../../packages/core/src/platform.ts";
import { recipes } from "./recipes.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

export type LinuxTarget = "linux-x64-gnu" | "linux-x64-musl" | "linux-arm64-gnu" | "linux-arm64-musl";

/** How to start a program of the target on this x64 Linux machine. */
function launcher(target: LinuxTarget, libDir: string): { command: string[]; env: NodeJS.ProcessEnv } {
  const env = { ...process.env, LD_LIBRARY_PATH: libDir };
  if (!target.startsWith("linux-arm64") || process.arch === "arm64") return { command: [], env };
  // qemu-user: -L is where the arm64 glibc and its loader live (musl's loader is in /lib).
  const sysroot = target.endsWith("gnu") ? ["-L", "/usr/aarch64-linux-gnu"] : [];
  return { command: ["qemu-aarch64-static", ...sysroot, "-E", `LD_LIBRARY_PATH=${libDir}`], env };
}

export interface SelftestResult {
  ok: boolean;
  output: string;
}

/** Compiles and runs the self-test against prebuilt/<target>/ (build the shim first). */
export function selftest(target: LinuxTarget): SelftestResult {
  const libDir = join(root, "prebuilt", target);
  if (!existsSync(join(libDir, TARGETS[target].file))) throw new Error(`selftest: build ${target} first (node scripts/build.ts --target ${target})`);
  const recipe = recipes(root)[target];
  // The shim's flags, minus those that make a shared object.
  const args = recipe.args.filter((a) => !["-shared", "-fPIC", "-fvisibility=hidden"].includes(a));
  const scratch = mkdtempSync(join(tmpdir(), "memmap-selftest-"));
  try {
    const exe = join(scratch, "selftest");
    execFileSync(recipe.cc, [...args, "-o", exe, join(root, "test", "selftest.c"), `-L${libDir}`, "-lmemmap"], { stdio: "pipe" });
    const { command, env } = launcher(target, libDir);
    const [program, ...rest] = [...command, exe, scratch];
    const r = spawnSync(program!, rest, { env, encoding: "utf8", timeout: 120_000 });
    return { ok: r.status === 0, output: `${r.stdout}${r.stderr}${r.error ? String(r.error) : ""}`.trim() };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  let failed = 0;
  for (const target of process.argv.slice(2) as TargetName[]) {
    const r = selftest(target as LinuxTarget);
    console.log(`${target}: ${r.output}`);
    if (!r.ok) failed++;
  }
  process.exit(failed ? 1 : 0);
}
