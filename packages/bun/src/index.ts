/**
 * @module
 * memmap for Bun: memory-mapped files and shared memory as zero-copy
 * Uint8Arrays, over bun:ffi.
 * Each function is documented, with an example, on `Memmap` (from @memmap/core),
 * whose members these are; the error codes are `MmapErrorCode`.
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
import type { Channel as ChannelType, Mutex as MutexType } from "@memmap/core";

const memmap: Memmap = bindMemmap(nodeStyleLoader(new URL("../prebuilt/", import.meta.url), openBackend));

export const {
  map,
  mapAnonymous,
  copyFile,
  copyFileSync,
  fork,
  inherited,
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
/** A Mutex from `new Mutex(i32, index)`: the constant above is its constructor. */
export type Mutex = MutexType;
/** A Channel from `Channel.create()` or `Channel.attach()`. */
export type Channel = ChannelType;
