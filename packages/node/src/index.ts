/**
 * @module
 * memmap for Node.js: memory-mapped files and shared memory as zero-copy
 * Uint8Arrays. Uses node:ffi on Node 26+, koffi on Node 22-25.
 * Each function is documented, with an example, on `Memmap` (from @memmap/core),
 * whose members these are; the error codes are `MmapErrorCode`.
 *
 * @example
 * ```ts
 * import { map } from "@memmap/node";
 * using m = map("data.bin", { mode: "readwrite" });
 * m.bytes[0] = 1;
 * m.flush();
 * ```
 */
import { createRequire } from "node:module";
import { type Backend, bindMemmap, type Memmap, MmapError, napiSharedBuffer, nodeStyleLoader } from "@memmap/core/backend";
import { openKoffiBackend } from "./backend-koffi.ts";
import { openNodeFfiBackend } from "./backend-node-ffi.ts";
import { loadNodeFfi } from "./node-ffi-module.ts";
import type { Channel as ChannelType, Mutex as MutexType } from "@memmap/core";

const nodeMajor = Number(process.versions.node.split(".")[0]);
if (nodeMajor < 22) {
  throw new Error(`memmap needs Node 22 or newer, found ${process.version}. Node 20 is end-of-life and cannot detach views safely.`);
}

const PREBUILT = new URL("../prebuilt/", import.meta.url);

/** The FFI's backend, with mapping.sharedBuffer from the Node-API entry beside the shim. */
function openBackend(path: string): Backend {
  return { ...openFfiBackend(path), sharedBuffer: napiSharedBuffer(PREBUILT, path) };
}

/** node:ffi when this Node has it (26+) unless MEMMAP_NODE_FFI=koffi; koffi otherwise. */
function openFfiBackend(path: string): Backend {
  const choice = process.env.MEMMAP_NODE_FFI;
  if (choice !== undefined && choice !== "node:ffi" && choice !== "koffi") {
    throw new MmapError(`MEMMAP_NODE_FFI must be "node:ffi" or "koffi", got "${choice}"`, { code: "ERR_INVALID_ENV" });
  }
  if (choice !== "koffi") {
    const ffi = loadNodeFfi();
    if (ffi) {
      try {
        return openNodeFfiBackend(ffi as never, path);
      } catch (e) {
        if ((e as { code?: string }).code === "ERR_ACCESS_DENIED") {
          throw new MmapError("node:ffi is denied by Node's permission model: run node with --allow-ffi", {
            code: "ERR_ACCESS_DENIED",
            cause: e,
          });
        }
        throw e;
      }
    }
    if (choice === "node:ffi") {
      throw new MmapError(`MEMMAP_NODE_FFI=node:ffi but Node ${process.version} has no node:ffi (it needs Node 26+)`, {
        code: "ERR_INVALID_ENV",
      });
    }
  }
  try {
    return openKoffiBackend(createRequire(import.meta.url)("koffi"), path);
  } catch (e) {
    if ((e as { code?: string }).code === "ERR_DLOPEN_DISABLED") {
      throw new MmapError(
        `memmap uses koffi on Node ${process.version}, a native addon, and Node's permission model denies addons: run node with --allow-addons` +
          (nodeMajor < 26
            ? " (on Node 26+ memmap uses node:ffi instead, which needs --allow-ffi)"
            : " (or unset MEMMAP_NODE_FFI=koffi to use node:ffi, which needs --allow-ffi)"),
        { code: "ERR_ACCESS_DENIED", cause: e },
      );
    }
    throw e;
  }
}

const memmap: Memmap = bindMemmap(nodeStyleLoader(PREBUILT, openBackend));

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
/** A Mutex from `new Mutex(i32, index)`: the constant above is its constructor. */
export type Mutex = MutexType;
/** A Channel from `Channel.create()` or `Channel.attach()`. */
export type Channel = ChannelType;
