// The test suites `npm test` runs: one per runtime (and FFI), each writing a
// JUnit report to .test-results/<name>.xml, which scripts/test.ts adds up.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
export const RESULTS = join(ROOT, ".test-results");
const bin = (p: string) => join(ROOT, "node_modules", p);
export const NODE26 = bin("node26/bin/node");
export const NODE22 = bin("node22/bin/node");
export const BUN = bin("bun/bin/bun.exe");
export const DENO = bin("deno/deno");
const VITEST = bin("vitest/vitest.mjs");

export interface SuiteSpec {
  /** Package folder the suite runs in. */
  cwd: string;
  command: string;
  args: (junit: string) => string[];
  env?: Record<string, string>;
}

const vitest = (junit: string) => [VITEST, "run", "--reporter=default", "--reporter=junit", `--outputFile.junit=${junit}`];

export const SUITES: Record<string, SuiteSpec> = {
  core: { cwd: "packages/core", command: NODE26, args: vitest },
  node26: { cwd: "packages/node", command: NODE26, args: vitest, env: { MEMMAP_TEST_RUNTIME: "node 26 (node:ffi)" } },
  node22: { cwd: "packages/node", command: NODE22, args: vitest, env: { MEMMAP_TEST_RUNTIME: "node 22 (koffi)" } },
  e2e: { cwd: "e2e", command: NODE26, args: vitest },
  bun: {
    cwd: "packages/bun",
    command: BUN,
    args: (junit) => ["test", "--timeout=120000", "--reporter=junit", `--reporter-outfile=${junit}`, "test/"],
  },
  deno: {
    cwd: "packages/deno",
    command: DENO,
    args: (junit) => [
      "test",
      // FFI can do anything a process can, so the suite runs with every permission;
      // test/permissions.test.ts checks the minimal flags in a subprocess.
      "--allow-all",
      "--v8-flags=--expose-gc",
      `--junit-path=${junit}`,
      "test/",
    ],
  },
};
