/**
 * @module
 * For runtime packages (@memmap/core/backend): the ABI table and the Backend
 * interface, Mapping, errors, the shim loader and the API binder. Applications
 * import a runtime package instead (@memmap/bun, @memmap/deno, @memmap/node),
 * which binds this to its FFI.
 */
export { bindMemmap, type BindOptions, type ConfigureOptions, type Memmap } from "./api.ts";
export * from "./abi.ts";
export * from "./backend.ts";
export { check, checkBig, ERRNO_CODES, type ErrnoCode, MEMMAP_CODES, MmapError, type MmapErrorCode, type MmapErrorInit } from "./errors.ts";
export { libraryCandidates, type LibrarySearch, openFirst } from "./library.ts";
export type { AnonymousOptions, MapOptions } from "./map.ts";
export { type FlushOptions, type MapMode, Mapping, type RangeOptions, type Residency } from "./mapping.ts";
export { detectLibc, type HostInfo, normalizeHost, type Target, type TargetName, targetFor, TARGETS } from "./platform.ts";
export { nodeStyleLoader } from "./node-loader.ts";
export { napiSharedBuffer } from "./shared-buffer.ts";
export { noSharedBufferReason, sharedBufferUnsupported } from "./shared-buffer-error.ts";
export type { CopyOptions, CopyResult, CopyStrategy } from "./copy.ts";
export { OffThread, type OffThreadArg, OffThreadPool, serveOffThread, workerOffThread } from "./off-thread.ts";
export { copyCli, type CopyCliIo, runCopyCli } from "./copy-cli.ts";
export { type AttachOptions, Channel, CHANNEL_VERSION, type ChannelOptions, type SpinPolicy } from "./channel.ts";
export { type ChildExit, type ChildHandle, type ForkOptions, INHERIT_ENV } from "./fork.ts";
export { Mutex, type MutexGuard } from "./mutex.ts";
export type { SharedOptions } from "./shared-memory.ts";
export type { WaitResult } from "./wait.ts";
