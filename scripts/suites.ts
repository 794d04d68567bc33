// The test suites: each runs one runtime of scripts/runtimes.ts in a package folder and
// writes a JUnit report to .test-results/<name>.xml, which scripts/test.ts adds up.
// "native" suites run under turbo (npm test); "arm64" and "windows" ones on emulated
// runtimes (npm run test:arm64, npm run test:windows; npm test too, where the tools are).
import { join } from "node:path";
import { ROOT, type RuntimeName } from "./runtimes.ts";

export { ROOT };
export const RESULTS = join(ROOT, ".test-results");

export type Group = "native" | "arm64" | "windows";

export interface SuiteSpec {
  group: Group;
  runtime: RuntimeName;
  /** Package folder the suite runs in. */
  cwd: string;
  /** What the runtime's test runner runs (none: its default). */
  files?: string[];
  /** Instead: a script the runtime runs with the report's path and these arguments (the C self-tests). */
  script?: [string, ...string[]];
  env?: Record<string, string>;
}

const SELFTEST = join(ROOT, "scripts/selftest-junit.ts");

export const SUITES: Record<string, SuiteSpec> = {
  core: { group: "native", runtime: "node26", cwd: "packages/core" },
  node26: { group: "native", runtime: "node26", cwd: "packages/node", env: { MEMMAP_TEST_RUNTIME: "node 26 (node:ffi)" } },
  node22: { group: "native", runtime: "node22", cwd: "packages/node", env: { MEMMAP_TEST_RUNTIME: "node 22 (koffi)" } },
  e2e: { group: "native", runtime: "node26", cwd: "e2e" },
  bun: { group: "native", runtime: "bun", cwd: "packages/bun", files: ["test/"] },
  deno: { group: "native", runtime: "deno", cwd: "packages/deno", files: ["test/"] },
  "arm64-selftest": { group: "arm64", runtime: "node26", cwd: ".", script: [SELFTEST, "linux-arm64-gnu", "linux-arm64-musl"] },
  "arm64-bun": { group: "arm64", runtime: "arm64-bun", cwd: "packages/bun", files: ["./test/conformance.test.ts"] },
  "arm64-node": { group: "arm64", runtime: "arm64-node", cwd: "packages/node", files: ["test/conformance-node-test.ts"] },
  "arm64-deno": { group: "arm64", runtime: "arm64-deno", cwd: "packages/deno", files: ["test/conformance.test.ts"] },
  "windows-selftest": { group: "windows", runtime: "node26", cwd: ".", script: [SELFTEST, "win32-x64"] },
  // packages/bun/windows/: the mapping, copy and argument groups, and Windows specifics.
  "windows-bun": { group: "windows", runtime: "windows-bun", cwd: "packages/bun", files: ["windows/"] },
};
