import process from "node:process";
import { fileURLToPath, type URL } from "node:url";
import type { Backend } from "./backend.ts";
import { MmapError } from "./errors.ts";
import { INSTEAD, sharedBufferUnsupported } from "./shared-buffer-error.ts";
import { detectLibc, TARGETS, type TargetName, targetFor } from "./platform.ts";
import { verifyPrebuilt } from "./prebuilt-checksum.ts";

interface Addon {
  init(shimPath: string): number;
  create(id: bigint, offset: number, length: number): SharedArrayBuffer | number;
}

/**
 * Backend.sharedBuffer for runtimes with Node-API (Node, Bun): the Node-API entry of
 * native/napi/shared-buffer.c, beside the package's prebuilt shim, checked against its
 * checksums.json and loaded with process.dlopen on first use. It binds to the shim this
 * backend loaded (`libraryPath`), so both share one registry. Undefined where the platform
 * table has no such entry (Windows, macOS), so mapping.sharedBuffer says why.
 *
 * @example
 * ```ts
 * const backend = { ...calls, sharedBuffer: napiSharedBuffer(new URL("../prebuilt/", import.meta.url), path) };
 * ```
 */
export function napiSharedBuffer(prebuiltDir: URL, libraryPath: string): Backend["sharedBuffer"] {
  const libc = process.platform === "linux" ? detectLibc(process.report?.getReport()) : undefined;
  let target: TargetName;
  try {
    target = targetFor({ platform: process.platform, arch: process.arch, libc });
  } catch {
    return undefined;
  }
  const file = (TARGETS[target] as { sharedBuffer?: string }).sharedBuffer;
  if (!file) return undefined;
  let addon: Addon | undefined;
  return (id, offset, length) => {
    if (!addon) addon = load(fileURLToPath(prebuiltDir), `${target}/${file}`, libraryPath);
    return addon.create(id, offset, length);
  };
}

function load(dir: string, relative: string, libraryPath: string): Addon {
  const path = `${dir.endsWith("/") ? dir : `${dir}/`}${relative}`;
  verifyPrebuilt(dir, path);
  const module = { exports: {} as Addon };
  try {
    process.dlopen(module, path);
  } catch (cause) {
    const code = (cause as { code?: string }).code;
    throw new MmapError(
      code === "ERR_DLOPEN_DISABLED" || code === "ERR_ACCESS_DENIED"
        ? `sharedBuffer: its Node-API entry is an addon, and Node's permission model denies addons: run node with --allow-addons. ${INSTEAD}`
        : `sharedBuffer: could not load its Node-API entry ${path}: ${(cause as Error).message}`,
      { code: code === "ERR_DLOPEN_DISABLED" || code === "ERR_ACCESS_DENIED" ? "ERR_SHARED_BUFFER_UNSUPPORTED" : "ERR_LIBRARY_LOAD", path, cause },
    );
  }
  const r = module.exports.init(libraryPath);
  if (r < 0) {
    throw r === -38 /* ENOSYS, Linux's number: the addon exists only for Linux */
      ? sharedBufferUnsupported(
          `this runtime (${process.versions.bun ? `Bun ${process.versions.bun}` : `Node ${process.version}`}) has no node_api_create_external_sharedarraybuffer (Node 24.16+, 26.1+)`,
        )
      : new MmapError(`sharedBuffer: its Node-API entry ${path} could not bind to the shim ${libraryPath} (errno ${-r}): reinstall the package`, {
          code: "ERR_LIBRARY_LOAD",
          path,
        });
  }
  return module.exports;
}
