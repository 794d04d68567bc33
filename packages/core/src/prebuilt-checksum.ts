import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { MmapError } from "./errors.ts";

/** The manifest beside the prebuilt shims: each file's SHA-256, recorded when the package was built. */
export const CHECKSUMS_FILE = "checksums.json";

/** What checksums.json holds: paths relative to prebuilt/, with "/" separators. */
export interface ChecksumManifest {
  sha256: Record<string, string>;
}

/** The SHA-256 of a file, as lowercase hex. */
export function sha256Of(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

/**
 * Refuses a prebuilt shim whose SHA-256 differs from the one the package recorded at build
 * time (a corrupt or replaced file), before it is loaded. Checked at load, not by an install
 * script: package managers may skip install scripts (npm's allowScripts, --ignore-scripts,
 * pnpm, Bun), and a file can change after installing. A shim of the user's own
 * (MEMMAP_LIBRARY_PATH, configure({ libraryPath })) is not checked.
 */
export function verifyPrebuilt(prebuiltDir: string, path: string): void {
  const manifestPath = join(prebuiltDir, CHECKSUMS_FILE);
  const key = relative(prebuiltDir, path).split(sep).join("/");
  const fix = "Reinstall the package, or set MEMMAP_LIBRARY_PATH to a shim you built yourself.";
  if (!existsSync(path)) return; // the loader reports a missing file with every path it tried
  let manifest: ChecksumManifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as ChecksumManifest;
  } catch (cause) {
    throw new MmapError(`memmap cannot check its prebuilt shim: ${manifestPath} is missing or unreadable. ${fix}`, {
      code: "ERR_LIBRARY_CHECKSUM",
      path: manifestPath,
      cause,
    });
  }
  const recorded = manifest.sha256?.[key];
  if (!recorded) {
    throw new MmapError(`memmap's ${manifestPath} records no checksum for ${key}: the package is incomplete. ${fix}`, {
      code: "ERR_LIBRARY_CHECKSUM",
      path,
    });
  }
  const actual = sha256Of(path);
  if (actual !== recorded) {
    throw new MmapError(
      `memmap refuses to load ${path}: its SHA-256 is ${actual}, but the package recorded ${recorded} when it was built ` +
        `(the file is corrupt or was replaced). ${fix}`,
      { code: "ERR_LIBRARY_CHECKSUM", path },
    );
  }
}
