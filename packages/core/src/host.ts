import process from "node:process";
import { MmapError } from "./errors.ts";

/**
 * Whether this process runs on Windows. There the shim's descriptors are slots
 * of its own table (native/src/win32.c): no runtime, and no child
 * process, can use them, so what core builds on passing descriptors around
 * says so instead of failing obscurely.
 */
export const IS_WINDOWS = process.platform === "win32";

/** The error for a feature that needs POSIX descriptors, naming what to do instead. */
export function windowsUnsupported(what: string, instead: string): MmapError {
  return new MmapError(`${what} is not supported on Windows: ${instead}`, { code: "ERR_UNSUPPORTED_PLATFORM" });
}

/** The last path separator: "\\" counts too on Windows (elsewhere it is a file name character). */
export function lastSeparator(path: string): number {
  return IS_WINDOWS ? Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\")) : path.lastIndexOf("/");
}
