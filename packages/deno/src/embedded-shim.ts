import { MmapError, type TargetName, TARGETS } from "@memmap/core/backend";
import { EMBEDDED } from "../prebuilt/index.ts";

const hex = (digest: ArrayBuffer) => Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");

/**
 * The shim for target, from the module of this package that embeds it (see prebuilt/index.ts),
 * refused unless its SHA-256 is the one recorded when the package was built. Deno checks each
 * file against the registry's own manifest; this also catches a registry, mirror or edited
 * cache that serves other bytes consistently.
 */
export async function embeddedShim(target: TargetName): Promise<Uint8Array> {
  const shim = EMBEDDED[target];
  const url = new URL(`../prebuilt/${target}/${TARGETS[target].file}.ts`, import.meta.url).href;
  if (!shim) {
    throw new MmapError(`this @memmap/deno carries no native shim for ${target}: set MEMMAP_LIBRARY_PATH to one (and grant --allow-env=MEMMAP_LIBRARY_PATH)`, {
      code: "ERR_LIBRARY_LOAD",
    });
  }
  const bytes = Uint8Array.fromBase64((await shim.load()).default);
  const actual = hex(await crypto.subtle.digest("SHA-256", bytes));
  if (actual !== shim.sha256) {
    throw new MmapError(
      `memmap's native shim from ${url} has SHA-256 ${actual}, not the ${shim.sha256} this @memmap/deno was built with, so it is not loaded. ` +
        "Fetch the package again (deno cache --reload), and report it if it persists.",
      { code: "ERR_LIBRARY_CHECKSUM", path: url },
    );
  }
  return bytes;
}
