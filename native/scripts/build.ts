// Builds the shim for this machine into prebuilt/<target>/<file>, named by the
// platform table that the loaders read too.
import { execFileSync } from "node:child_process";
import { mkdirSync, renameSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { detectLibc, targetFor, TARGETS } from "../../packages/core/src/platform.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const target = targetFor({
  platform: process.platform,
  arch: process.arch,
  libc: process.platform === "linux" ? detectLibc(process.report.getReport()) : undefined,
});
const out = join(root, "prebuilt", target, TARGETS[target].file);
mkdirSync(dirname(out), { recursive: true });

const cc = process.env.CC ?? "cc";
const flags = ["-O2", "-fvisibility=hidden", "-Wall", "-Wextra", "-Werror", "-std=c11", "-shared", "-fPIC"];
const temp = `${out}.${process.pid}.tmp`;
try {
  execFileSync(cc, [...flags, "-o", temp, join(root, "src", "memmap.c")], { stdio: "inherit" });
} catch {
  console.error(`native: building ${target} with ${cc} failed. Install a C compiler (apt-get install gcc) or set CC.`);
  process.exit(1);
}
// Rename into place so a running process never loads a half-written library.
renameSync(temp, out);
console.log(`native: built ${target} -> ${out}`);
