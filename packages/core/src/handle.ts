import {
  type Backend,
  MAP_NORESERVE,
  MAP_SHARED,
  REGISTRY_ADDR,
  REGISTRY_FD,
  REGISTRY_FLAGS,
  REGISTRY_GUARD,
  REGISTRY_LENGTH,
  REGISTRY_SLOTS,
} from "./backend.ts";
import { check, errnos, MmapError } from "./errors.ts";
import { pageSizeOf } from "./map.ts";
import { HANDLE_KIND, MAP_MODES, type MapMode, Mapping, type MappingHandle, type Region } from "./mapping.ts";
import { oneOf, toIndex } from "./validate.ts";

function badHandle(message: string): MmapError {
  return new MmapError(`fromHandle: ${message}`, { code: "ERR_BAD_HANDLE" });
}

/** The mmap flags each mode is mapped with (map.ts), which the registry must agree with. */
function modeOfFlags(flags: number): MapMode {
  return flags & MAP_SHARED ? "readwrite" : flags & MAP_NORESERVE ? "read" : "copy";
}

/** The handle's fields, checked for type and range; nothing in it is trusted beyond that. */
function fields(handle: unknown): MappingHandle {
  if (typeof handle !== "object" || handle === null || (handle as { kind?: unknown }).kind !== HANDLE_KIND) {
    throw new TypeError("fromHandle needs what mapping.handle() returned (passed through postMessage or workerData as it is)");
  }
  const h = handle as Record<string, unknown>;
  if (typeof h.id !== "bigint" || typeof h.key !== "bigint") throw new TypeError("handle.id and handle.key must be bigints");
  if (typeof h.anonymous !== "boolean") throw new TypeError("handle.anonymous must be a boolean");
  if (h.path !== undefined && typeof h.path !== "string") throw new TypeError("handle.path must be a string");
  return {
    kind: HANDLE_KIND,
    id: h.id,
    key: h.key,
    mode: oneOf(h.mode, "handle.mode", MAP_MODES),
    offset: toIndex(h.offset, "handle.offset"),
    delta: toIndex(h.delta, "handle.delta"),
    length: toIndex(h.length, "handle.length"),
    anonymous: h.anonymous,
    path: h.path as string | undefined,
  };
}

/**
 * A Mapping over the memory another thread's mapping.handle() names, without a
 * new mmap: the shim checks the handle against its registry of live mappings of
 * this process and takes a reference for this thread.
 */
export function fromHandle(backend: Backend, handle: unknown): Mapping {
  const h = fields(handle);
  const info = new BigInt64Array(REGISTRY_SLOTS);
  const acquired = backend.registryAcquire(h.id, h.key, info);
  const e = errnos(backend);
  if (acquired === -e.EXDEV) {
    throw badHandle(
      "the handle comes from another process (or another copy of the shim); handles work between threads of one process. Between processes use fork({ share }) or openShared()",
    );
  }
  if (acquired === -e.ENOENT) {
    throw badHandle(
      "the handle names no live mapping: it was closed in every thread (or resized, or the handle was altered). Keep the sender's mapping open until fromHandle() has returned",
    );
  }
  check(backend, acquired, "fromHandle");
  const region: Region = {
    backend,
    pageSize: pageSizeOf(backend),
    base: info[REGISTRY_ADDR]!,
    mapLength: Number(info[REGISTRY_LENGTH]),
    fd: Number(info[REGISTRY_FD]),
    released: false,
    guard: Number(info[REGISTRY_GUARD]),
    shared: h.id,
  };
  const flags = Number(info[REGISTRY_FLAGS]);
  const fits =
    region.mapLength === (h.length === 0 ? 0 : h.delta + h.length) &&
    h.delta < region.pageSize &&
    modeOfFlags(flags) === h.mode &&
    region.fd >= 0 === h.anonymous;
  if (!fits) {
    backend.registryRelease(h.id);
    throw badHandle("the handle's length, offset or mode differ from the mapping it names (it was altered); pass it on unchanged");
  }
  return Mapping.create({ region, mode: h.mode, offset: h.offset, delta: h.delta, length: h.length, flags, path: h.path });
}
