import { defineConfig } from "tsup";

export default defineConfig({
  entry: { index: "src/index.ts", "copy-worker-node-ffi": "src/copy-worker-node-ffi.ts" },
  format: ["esm", "cjs"],
  dts: true,
  clean: true,
  target: "es2023",
  // import.meta.url in the CommonJS build, to find the prebuilt shim.
  shims: true,
  external: ["@memmap/core", "koffi"],
});
