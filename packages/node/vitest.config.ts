import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    pool: "forks",
    // The conformance suite checks that dropped mappings are unmapped after a forced GC.
    execArgv: ["--expose-gc"],
    testTimeout: 60_000,
  },
});
