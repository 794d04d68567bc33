import { defineConfig } from "tsup";

export default defineConfig({
  entry: { index: "src/index.ts", "off-thread-worker": "src/off-thread-worker.ts", "bin/memmap-cp-bun": "src/bin/memmap-cp-bun.ts" },
  format: ["esm"],
  dts: { entry: { index: "src/index.ts" } },
  clean: true,
  target: "esnext",
  external: ["bun:ffi", "@memmap/core", "@memmap/bun"],
});
