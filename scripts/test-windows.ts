// npm run test:windows: the Windows shim under wine, with Bun for Windows.
//   1. fetches @oven/bun-windows-x64 (the version of the repo's bun) into .cache/ with npm pack
//   2. makes a private wine prefix in .cache/wine (WINEDEBUG=-all, no Mono/Gecko dialogs)
//   3. builds the bcryptprimitives.dll stub Bun needs under wine 8 into that prefix
//   4. builds memmap.dll (native/scripts/build.ts --target win32-x64) and the C self-test
//   5. runs the self-test, then packages/bun/windows/ under `wine bun.exe test`
// Prints "N passed, N failed", exits non-zero on a failure, stops the prefix's
// wineserver and removes the prefix's temporary files. Needs: mingw-w64 and wine
// (native/scripts/install-cross-tools.sh).
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { WIN32_SOURCES } from "../native/scripts/recipes.ts";
import { ROOT } from "./suites.ts";
import { bunCounts, fetchNpmPackage } from "./tools.ts";

const CACHE = join(ROOT, ".cache");
const PREFIX = join(CACHE, "wine");
const started = performance.now();
const bunVersion = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { devDependencies: Record<string, string> })
  .devDependencies.bun!;
const BUN_DIR = join(CACHE, `bun-windows-x64-${bunVersion}`);
const BUN_EXE = join(BUN_DIR, "package", "bin", "bun.exe");
const DLL = join(CACHE, "memmap.dll");

// wine as quiet and non-interactive as it gets; the prefix is ours alone.
const wineEnv: NodeJS.ProcessEnv = {
  ...process.env,
  WINEPREFIX: PREFIX,
  WINEDEBUG: "-all",
  WINEDLLOVERRIDES: "mscoree,mshtml=;bcryptprimitives=n",
  DISPLAY: "",
};

function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): void {
  execFileSync(command, args, { cwd: options.cwd ?? ROOT, env: options.env ?? process.env, stdio: ["ignore", "inherit", "inherit"] });
}

function step(what: string): void {
  console.log(`test:windows: ${what} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
}

function fetchBun(): void {
  if (existsSync(BUN_EXE)) return;
  step(`fetching @oven/bun-windows-x64@${bunVersion}`);
  mkdirSync(BUN_DIR, { recursive: true });
  fetchNpmPackage(`@oven/bun-windows-x64@${bunVersion}`, BUN_DIR);
}

function makePrefix(): void {
  if (!existsSync(join(PREFIX, "system.reg"))) {
    step("creating the wine prefix");
    run("wineboot", ["-i"], { env: wineEnv });
  }
  // wine 8 has no bcryptprimitives.dll; Bun for Windows imports ProcessPrng from it.
  const system32 = join(PREFIX, "drive_c", "windows", "system32");
  run("x86_64-w64-mingw32-gcc", ["-O2", "-Wall", "-Wextra", "-Werror", "-shared", "-s", "-o", join(system32, "bcryptprimitives.dll"),
    join(ROOT, "scripts", "windows", "bcryptprimitives.c"), "-ladvapi32"]);
}

function build(): void {
  step("building the JS packages and memmap.dll");
  run("npm", ["run", "build", "--silent"]);
  // After turbo: its cache restores native/prebuilt/, so the dll is built last and copied
  // out of the folders turbo owns; the suite loads it through MEMMAP_LIBRARY_PATH.
  run(process.execPath, [join(ROOT, "native", "scripts", "build.ts"), "--target", "win32-x64"]);
  copyFileSync(join(ROOT, "native", "prebuilt", "win32-x64", "memmap.dll"), DLL);
  run("x86_64-w64-mingw32-gcc", ["-O2", "-Wall", "-Wextra", "-Werror", "-std=c11", "-o", join(CACHE, "selftest.exe"),
    join(ROOT, "scripts", "windows", "selftest.c"), ...WIN32_SOURCES.map((s) => join(ROOT, "native", "src", s)), "-lsynchronization"]);
}

function cleanUp(): void {
  spawnSync("wineserver", ["-k"], { env: wineEnv, stdio: "ignore" });
  rmSync(join(CACHE, "selftest.exe"), { force: true });
  rmSync(DLL, { force: true });
  // What the suite leaves in the prefix's %TEMP% (it removes its own folders; this catches a crash).
  const users = join(PREFIX, "drive_c", "users");
  if (existsSync(users)) {
    for (const user of readdirSync(users)) {
      const temp = join(users, user, "Temp");
      if (existsSync(temp)) for (const name of readdirSync(temp)) rmSync(join(temp, name), { recursive: true, force: true });
    }
  }
}

let passed = 0;
let failed = 0;
try {
  mkdirSync(CACHE, { recursive: true });
  fetchBun();
  makePrefix();
  build();

  step("C self-test under wine");
  const self = spawnSync("wine", [join(CACHE, "selftest.exe")], { cwd: CACHE, env: wineEnv, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  process.stdout.write(self.stdout ?? "");
  const checks = (self.stdout ?? "").split("\n");
  passed += checks.filter((l) => l.startsWith("ok ")).length;
  failed += checks.filter((l) => l.startsWith("FAIL")).length + (self.status === 0 ? 0 : 1);

  step(`bun ${bunVersion} for Windows: packages/bun/windows/ (mapping, copy and argument groups, Windows specifics)`);
  const suite = spawnSync("wine", [BUN_EXE, "test", "--timeout=120000", "windows/"], {
    cwd: join(ROOT, "packages", "bun"),
    env: { ...wineEnv, MEMMAP_LIBRARY_PATH: DLL },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 64 * 2 ** 20,
  });
  // Bun prints results on stderr; its "directory mismatch" notices under wine are noise.
  const output = `${suite.stdout ?? ""}${suite.stderr ?? ""}`.split("\n").filter((l) => !l.startsWith("Internal error: directory mismatch")).join("\n");
  process.stdout.write(`${output}\n`);
  const counts = bunCounts(output);
  passed += counts.passed;
  const bunFailed = counts.failed;
  failed += bunFailed + (suite.status !== 0 && bunFailed === 0 ? 1 : 0);
} catch (e) {
  console.error(`test:windows: ${(e as Error).message}`);
  failed++;
} finally {
  cleanUp();
}
console.log(`test:windows took ${((performance.now() - started) / 1000).toFixed(1)} s`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
