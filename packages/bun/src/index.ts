/**
 * @module
 * memmap for Bun: memory-mapped files and shared memory as zero-copy
 * Uint8Arrays, over bun:ffi.
 *
 * @example
 * ```ts
 * import { map } from "@memmap/bun";
 * using m = map("data.bin", { mode: "readwrite" });
 * m.bytes[0] = 1;
 * m.flush();
 * ```
 */
import { bindMemmap, type Memmap, nodeStyleLoader } from "@memmap/core/backend";
import { openBackend } from "./backend.ts";

const memmap: Memmap = bindMemmap(nodeStyleLoader(new URL("../prebuilt/", import.meta.url), openBackend));

export const {
  map,
  mapAnonymous,
  copyFile,
  copyFileSync,
  fork,
  inherited,
  fromHandle,
  openShared,
  unlinkShared,
  wait,
  waitAsync,
  notify,
  Mutex,
  Channel,
  pageSize,
  configure,
  backend,
}: Memmap = memmap;
export * from "@memmap/core";
