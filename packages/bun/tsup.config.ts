import { defineConfig } from "tsup";

export default defineConfig({
  entry: { index: "src/index.ts", "copy-worker": "src/copy-worker.ts" },
  format: ["esm"],
  dts: true,
  clean: true,
  target: "esnext",
  external: ["bun:ffi", "@memmap/core"],
});
