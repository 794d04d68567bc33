// What the emulated suites need before they run (suites.ts' "arm64" and "windows" groups):
// the tools, the foreign runtime binaries (fetched with npm pack into .cache/), the shims
// built for the target; and what the Windows run cleans up after itself.
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "../native/scripts/build.ts";
import { WIN32_SOURCES } from "../native/scripts/recipes.ts";
import { ARM64_BIN, CACHE, ROOT, type Runtime, RUNTIMES, WINDOWS_DLL, WINE_ENV, WINE_PREFIX } from "./runtimes.ts";
import type { Group } from "./suites.ts";
import { fetchNpmPackage, hasCommand } from "./tools.ts";

export interface GroupSetup {
  /** Commands (answering --version) or files the group needs (native/scripts/install-cross-tools.sh --wine). */
  needs: string[];
  prepare(): void;
  cleanUp?(): void;
}

function run(command: string, args: string[], env: Record<string, string> = {}): void {
  execFileSync(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "inherit", "inherit"] });
}

/** The runtime's binary, from its npm package, fetched once per version. */
function fetchBinary(rt: Runtime): void {
  if (!rt.pkg || existsSync(rt.binary)) return;
  console.log(`fetching ${rt.pkg}`);
  const dir = rt.binary.slice(0, rt.binary.lastIndexOf("/package/"));
  mkdirSync(dir, { recursive: true });
  fetchNpmPackage(rt.pkg, dir);
}

const ARM64_ROWS = ["arm64-node", "arm64-bun", "arm64-deno"] as const;
const WINDOWS_BUN = RUNTIMES["windows-bun"];

export const GROUPS: Record<Exclude<Group, "native">, GroupSetup> = {
  arm64: {
    needs: ["qemu-aarch64-static", "aarch64-linux-gnu-gcc", "/usr/lib/aarch64-linux-musl/musl-gcc.specs"],
    prepare() {
      for (const target of ["linux-arm64-gnu", "linux-arm64-musl"] as const) build(target);
      // The runtime packages load prebuilt/<target>/ from their own folder, which each package's
      // own "prebuilt" script fills (Deno's also embeds the shims as modules).
      for (const pkg of ["bun", "node", "deno"]) execFileSync("npm", ["run", "-s", "prebuilt"], { cwd: join(ROOT, "packages", pkg), stdio: "inherit" });
      // fork() takes one executable: children start through wrappers named as the runtimes are.
      mkdirSync(ARM64_BIN, { recursive: true });
      for (const name of ARM64_ROWS) {
        const rt = RUNTIMES[name];
        fetchBinary(rt);
        const wrapper = join(ARM64_BIN, name.slice("arm64-".length));
        writeFileSync(wrapper, `#!/bin/sh\nexec ${[...rt.launcher, rt.binary].join(" ")} "$@"\n`);
        chmodSync(wrapper, 0o755);
      }
    },
  },
  windows: {
    needs: ["wine", "x86_64-w64-mingw32-gcc"],
    prepare() {
      mkdirSync(CACHE, { recursive: true });
      fetchBinary(WINDOWS_BUN);
      if (!existsSync(join(WINE_PREFIX, "system.reg"))) run("wineboot", ["-i"], WINE_ENV);
      // wine 8 has no bcryptprimitives.dll; Bun for Windows imports ProcessPrng from it.
      const system32 = join(WINE_PREFIX, "drive_c", "windows", "system32");
      run("x86_64-w64-mingw32-gcc", [
        "-O2",
        "-Wall",
        "-Wextra",
        "-Werror",
        "-shared",
        "-s",
        "-o",
        join(system32, "bcryptprimitives.dll"),
        join(ROOT, "scripts", "windows", "bcryptprimitives.c"),
        "-ladvapi32",
      ]);
      run("npm", ["run", "build", "--silent"]);
      // After turbo: its cache restores native/prebuilt/, so the dll is built last and copied
      // out of the folders turbo owns; the suite loads it through MEMMAP_LIBRARY_PATH.
      run(process.execPath, [join(ROOT, "native", "scripts", "build.ts"), "--target", "win32-x64"]);
      copyFileSync(join(ROOT, "native", "prebuilt", "win32-x64", "memmap.dll"), WINDOWS_DLL);
      run("x86_64-w64-mingw32-gcc", [
        "-O2",
        "-Wall",
        "-Wextra",
        "-Werror",
        "-std=c11",
        "-o",
        join(CACHE, "selftest.exe"),
        join(ROOT, "scripts", "windows", "selftest.c"),
        ...WIN32_SOURCES.map((s) => join(ROOT, "native", "src", s)),
        "-lsynchronization",
      ]);
    },
    cleanUp() {
      const env = { ...process.env, ...WINE_ENV };
      spawnSync("wineserver", ["-k"], { env, stdio: "ignore" });
      // -w: until it has exited; its socket folder goes only then, never under a live server.
      const waited = spawnSync("wineserver", ["-w"], { env, stdio: "ignore", timeout: 30_000 });
      if (!waited.error && waited.status === 0) {
        try {
          removeWineServerFolder();
        } catch (e) {
          console.error(`could not remove wineserver's socket folder: ${(e as Error).message}`);
        }
      }
      rmSync(join(CACHE, "selftest.exe"), { force: true });
      rmSync(WINDOWS_DLL, { force: true });
      // What the suite leaves in the prefix's %TEMP% (it removes its own folders; this catches a crash).
      const users = join(WINE_PREFIX, "drive_c", "users");
      if (existsSync(users)) {
        for (const user of readdirSync(users)) {
          const temp = join(users, user, "Temp");
          if (existsSync(temp)) for (const name of readdirSync(temp)) rmSync(join(temp, name), { recursive: true, force: true });
        }
      }
    },
  },
};

/**
 * wineserver keeps its socket in a folder of the temp directory named after the prefix's device
 * and inode (wine 8 on Debian: /tmp/wine-XXXXXX/server-<dev>-<inode>), and leaves it when it
 * exits. Only the folder of this prefix goes, with its parent once that is empty.
 */
function removeWineServerFolder(): void {
  if (!existsSync(WINE_PREFIX)) return;
  const st = statSync(WINE_PREFIX, { bigint: true });
  const server = `server-${st.dev.toString(16)}-${st.ino.toString(16)}`;
  for (const temp of new Set(["/tmp", tmpdir()])) {
    if (!existsSync(temp)) continue;
    for (const name of readdirSync(temp).filter((n) => n.startsWith("wine-") || n.startsWith(".wine-"))) {
      const parent = join(temp, name);
      if (!existsSync(join(parent, server))) continue;
      rmSync(join(parent, server), { recursive: true, force: true });
      if (readdirSync(parent).length === 0) rmSync(parent, { recursive: true, force: true });
    }
  }
}

/** The tools of the group this machine lacks. */
export function absentTools(setup: GroupSetup): string[] {
  return setup.needs.filter((tool) => (tool.startsWith("/") ? !existsSync(tool) : !hasCommand(tool)));
}
