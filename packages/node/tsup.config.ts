import { defineConfig } from "tsup";

export default defineConfig([
  {
    entry: { index: "src/index.ts", "off-thread-worker-node-ffi": "src/off-thread-worker-node-ffi.ts" },
    format: ["esm", "cjs"],
    dts: { entry: { index: "src/index.ts" } },
    clean: true,
    target: "es2023",
    // import.meta.url in the CommonJS build, to find the prebuilt shim.
    shims: true,
    external: ["@memmap/core", "koffi"],
  },
  {
    // The CLI imports the package by its own name, so it shares the one loaded copy.
    // memmap-cp.ts checks the Node version, then imports cli.ts: two files, so that Node 20 can run the first.
    entry: { "bin/memmap-cp": "src/bin/memmap-cp.ts", "bin/cli": "src/bin/cli.ts" },
    format: ["esm"],
    target: "es2023",
    external: ["@memmap/core", "@memmap/node"],
  },
]);
