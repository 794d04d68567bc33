import process from "node:process";
import { fileURLToPath, type URL } from "node:url";
import type { ConfigureOptions } from "./api.ts";
import type { Backend } from "./backend.ts";
import { openFirst } from "./library.ts";
import { detectLibc, targetFor } from "./platform.ts";
import { verifyPrebuilt } from "./prebuilt-checksum.ts";

/**
 * The loader for runtimes with Node's process object (Node, Bun): the explicit
 * path, then MEMMAP_LIBRARY_PATH, then <package>/prebuilt/<target>/, checked against the
 * package's checksums.json first.
 *
 * @example
 * ```ts
 * const memmap = bindMemmap(nodeStyleLoader(new URL("../prebuilt/", import.meta.url), openBackend));
 * ```
 */
export function nodeStyleLoader(prebuiltDir: URL, open: (path: string) => Backend): (config: ConfigureOptions) => Backend {
  return (config) => {
    const platform = process.platform;
    const libc = platform === "linux" ? detectLibc(process.report?.getReport()) : undefined;
    const dir = fileURLToPath(prebuiltDir);
    return openFirst(
      {
        explicit: config.libraryPath,
        env: process.env.MEMMAP_LIBRARY_PATH,
        prebuiltDir: dir,
        target: targetFor({ platform, arch: process.arch, libc }),
        verifyPrebuilt: (path) => verifyPrebuilt(dir, path),
      },
      open,
    ).library;
  };
}
