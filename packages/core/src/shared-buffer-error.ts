import { MmapError } from "./errors.ts";

/** What to use where mapping.sharedBuffer cannot be made: the same memory, one detachable view per thread. */
export const INSTEAD =
  "Use mapping.bytes or view() in each thread, through mapping.handle() and fromHandle(), and memmap's wait()/notify() for waiting between threads.";

/**
 * The error of mapping.sharedBuffer where this runtime cannot make a SharedArrayBuffer over
 * mapped memory safely; `why` says what is missing.
 */
export function sharedBufferUnsupported(why: string): MmapError {
  return new MmapError(`sharedBuffer: ${why}. ${INSTEAD}`, { code: "ERR_SHARED_BUFFER_UNSUPPORTED" });
}

/** Why a runtime has no sharedBuffer at all, for the Backend's of Deno and of Windows. */
export function noSharedBufferReason(runtime: string, platform: string): string {
  if (platform === "win32") {
    return "Windows cannot replace a mapped range with zero pages atomically, which close() needs while a SharedArrayBuffer lives on";
  }
  if (platform === "darwin") return "memmap builds its Node-API entry for Linux only so far; macOS has none yet";
  return `${runtime} has no node_api_create_external_sharedarraybuffer (Node-API) to make a SharedArrayBuffer over foreign memory`;
}
