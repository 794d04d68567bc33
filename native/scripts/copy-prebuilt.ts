// Copies native/prebuilt/ into a runtime package (the folder named by argv[2]),
// so each published package carries its shims beside its code, and records each shim's
// SHA-256 in <folder>/checksums.json, which the loaders check before opening one.
import { cpSync, existsSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CHECKSUMS_FILE, type ChecksumManifest, sha256Of } from "../../packages/core/src/prebuilt-checksum.ts";

const source = join(dirname(fileURLToPath(import.meta.url)), "..", "prebuilt");
const dest = resolve(process.argv[2] ?? "prebuilt");
if (!existsSync(source)) {
  console.error(`copy-prebuilt: ${source} is missing; build the shim first (npm run build -w @memmap/native)`);
  process.exit(1);
}
rmSync(dest, { recursive: true, force: true });
// darwin-universal is a release artifact (see build.ts, buildUniversal); the loaders use the per-arch files.
cpSync(source, dest, { recursive: true, filter: (src) => !src.startsWith(join(source, "darwin-universal")) });
const manifest: ChecksumManifest = { sha256: {} };
for (const target of readdirSync(dest).sort()) {
  for (const file of readdirSync(join(dest, target)).sort()) manifest.sha256[`${target}/${file}`] = sha256Of(join(dest, target, file));
}
writeFileSync(join(dest, CHECKSUMS_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
