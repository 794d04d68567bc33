// Copies native/prebuilt/ into a runtime package (the folder named by argv[2]),
// so each published package carries its shims beside its code.
import { cpSync, existsSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const source = join(dirname(fileURLToPath(import.meta.url)), "..", "prebuilt");
const dest = resolve(process.argv[2] ?? "prebuilt");
if (!existsSync(source)) {
  console.error(`copy-prebuilt: ${source} is missing; build the shim first (npm run build -w @memmap/native)`);
  process.exit(1);
}
rmSync(dest, { recursive: true, force: true });
// darwin-universal is a release artifact (see build.ts, buildUniversal); the loaders use the per-arch files.
cpSync(source, dest, { recursive: true, filter: (src) => !src.startsWith(join(source, "darwin-universal")) });
