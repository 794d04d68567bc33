import { defineConfig } from "tsup";

export default defineConfig({
  entry: { index: "src/index.ts", "off-thread-worker": "src/off-thread-worker.ts", "bin/memmap-cp": "src/bin/memmap-cp.ts" },
  format: ["esm"],
  dts: { entry: { index: "src/index.ts" } },
  clean: true,
  target: "esnext",
  external: ["bun:ffi", "@memmap/core", "@memmap/bun"],
});
