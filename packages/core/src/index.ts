/**
 * @module
 * The user API's classes and types, which every runtime package re-exports
 * beside its bound functions. Runtime packages themselves import
 * @memmap/core/backend.
 */
export type { Backend } from "./backend.ts";
export type { ConfigureOptions, Memmap } from "./api.ts";
export { ERRNO_CODES, type ErrnoCode, MEMMAP_CODES, MmapError, type MmapErrorCode } from "./errors.ts";
export type { Advice } from "./backend.ts";
export type { AnonymousOptions, MapOptions } from "./map.ts";
export { type FlushOptions, type MapMode, Mapping, type RangeOptions, type Residency } from "./mapping.ts";
export type { CopyOptions, CopyResult, CopyStrategy } from "./copy.ts";
export type { AttachOptions, Channel, ChannelOptions, SpinPolicy } from "./channel.ts";
export type { ChildExit, ChildHandle, ForkOptions } from "./fork.ts";
export type { Mutex, MutexGuard } from "./mutex.ts";
export type { SharedOptions } from "./shared-memory.ts";
export type { WaitResult } from "./wait.ts";
