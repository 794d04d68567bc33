// Small helpers the emulated suites, npm test and the native e2e tests share.
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
