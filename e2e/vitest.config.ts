import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // Each file spawns runtimes and npm; running them one at a time keeps a 2-core machine responsive.
    fileParallelism: false,
  },
});
