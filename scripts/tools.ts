// Small helpers the emulated test runs, npm test and the native e2e tests share.
import { execFileSync, spawnSync } from "node:child_process";
import { rmSync } from "node:fs";

/** Whether a command runs here (answers `--version`, or the given arguments). */
export function hasCommand(command: string, args: string[] = ["--version"]): boolean {
  return spawnSync(command, args, { stdio: "ignore" }).status === 0;
}

/** Fetches an npm package without installing it (`npm pack` + tar) and unpacks it into dir/package/. */
export function fetchNpmPackage(spec: string, dir: string): void {
  const tgz = execFileSync("npm", ["pack", spec, "--silent"], { cwd: dir, encoding: "utf8" }).trim().split("\n").pop()!;
  try {
    execFileSync("tar", ["-xzf", tgz], { cwd: dir });
  } finally {
    rmSync(`${dir}/${tgz}`, { force: true });
  }
}

/** The counts in `bun test`'s summary (" 35 pass", " 0 fail", " 2 skip"). */
export function bunCounts(output: string): { passed: number; failed: number; skipped: number } {
  const n = (word: string) => Number(output.match(new RegExp(`^\\s*(\\d+) ${word}\\s*$`, "m"))?.[1] ?? 0);
  return { passed: n("pass"), failed: n("fail"), skipped: n("skip") };
}
