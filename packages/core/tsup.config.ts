import { defineConfig } from "tsup";

export default defineConfig({
  entry: { index: "src/index.ts", "backend-api": "src/backend-api.ts", "testing/index": "src/testing/index.ts" },
  format: ["esm", "cjs"],
  // @internal members (Mapping.create, Channel.createOn, ...) are core's own: kept out of the published types.
  dts: { compilerOptions: { stripInternal: true } },
  clean: true,
  target: "es2023",
  sourcemap: false,
});
