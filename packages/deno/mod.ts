/**
 * @module
 * memmap for Deno: memory-mapped files and shared memory as zero-copy
 * Uint8Arrays, over Deno.dlopen. Needs --allow-ffi (and read/write for files).
 * Each function is documented, with an example, on `Memmap` (from @memmap/core),
 * whose members these are; the error codes are `MmapErrorCode`.
 *
 * @example
 * ```ts
 * import { map } from "@memmap/deno";
 * using m = map("data.bin", { mode: "readwrite", size: 4096 });
 * m.bytes[0] = 1;
 * m.flush();
 * ```
 */
import { bindMemmap, type Memmap, normalizeHost, openFirst, TARGETS, targetFor } from "@memmap/core/backend";
import { openBackend } from "./src/backend.ts";
import { embeddedShim } from "./src/embedded-shim.ts";
import { openFromMemory } from "./src/open-from-memory.ts";
import { readRunFlags } from "./src/run-flags.ts";
import type { Channel as ChannelType, Mutex as MutexType } from "@memmap/core";

const target = () => targetFor(normalizeHost(Deno.build.os, Deno.build.arch, Deno.build.env));
const prebuiltDir = new URL("./prebuilt/", import.meta.url);

/** Read without prompting: an env permission that was not granted reads as unset. */
function env(name: string): string | undefined {
  return Deno.permissions.querySync({ name: "env", variable: name }).state === "granted" ? Deno.env.get(name) : undefined;
}

// From JSR or any other URL that is no file, prebuilt/ cannot be dlopen'ed in place: the shim
// comes as a module of this package, through Deno's module graph and cache (no --allow-net),
// read now since map() is synchronous; a failure is kept for the first call to throw.
const local = prebuiltDir.protocol === "file:";
const embedded = local ? undefined : await embeddedShim(target()).catch((error: unknown) => ({ error }));

// Read now (through libc, not the shim, which still loads on first use): setting
// process.title later overwrites the command line the flags are read from.
const ownFlags = readRunFlags() ?? [];

const memmap: Memmap = bindMemmap(
  (config) => {
    const search = { explicit: config.libraryPath, env: env("MEMMAP_LIBRARY_PATH"), prebuiltDir: decodeURIComponent(prebuiltDir.pathname), target: target() };
    // A path the user chose is tried first (and alone: openFirst does not fall back from it).
    if (local || search.explicit || search.env) return openFirst(search, openBackend).library;
    if (!(embedded instanceof Uint8Array)) throw embedded?.error;
    const label = new URL(`${search.target}/${TARGETS[search.target].file}.ts`, prebuiltDir).href;
    return openFromMemory(embedded, TARGETS[search.target].file, (path) => openBackend(path, label));
  },
  { ownFlags: () => [...ownFlags] },
);

/** Maps a file, given by path, file: URL or open descriptor, as a zero-copy Uint8Array. */
export const map: Memmap["map"] = memmap.map;
/** Zero-filled shared memory, shareable with child processes. */
export const mapAnonymous: Memmap["mapAnonymous"] = memmap.mapAnonymous;
/** Copies a file without blocking the event loop; see CopyOptions. */
export const copyFile: Memmap["copyFile"] = memmap.copyFile;
/** Copies a file, blocking until done. */
export const copyFileSync: Memmap["copyFileSync"] = memmap.copyFileSync;
/** Starts a module in a new process that inherits the shared mappings. */
export const fork: Memmap["fork"] = memmap.fork;
/** In a forked child: the mappings its parent shared. */
export const inherited: Memmap["inherited"] = memmap.inherited;
/** In another thread of this process: a Mapping over the memory a handle() names. */
export const fromHandle: Memmap["fromHandle"] = memmap.fromHandle;
/** Named POSIX shared memory for unrelated processes. */
export const openShared: Memmap["openShared"] = memmap.openShared;
/** Removes a shared memory name. */
export const unlinkShared: Memmap["unlinkShared"] = memmap.unlinkShared;
/** Like Atomics.wait, across processes. */
export const wait: Memmap["wait"] = memmap.wait;
/** wait() without blocking the event loop. */
export const waitAsync: Memmap["waitAsync"] = memmap.waitAsync;
/** Like Atomics.notify, across processes. */
export const notify: Memmap["notify"] = memmap.notify;
/** A robust inter-process mutex in shared memory. */
export const Mutex: Memmap["Mutex"] = memmap.Mutex;
/** Message channels over a shared mapping. */
export const Channel: Memmap["Channel"] = memmap.Channel;
/** The system page size in bytes. */
export const pageSize: Memmap["pageSize"] = memmap.pageSize;
/** Chooses where the native shim is loaded from; call it before the first mapping. */
export const configure: Memmap["configure"] = memmap.configure;
/** The loaded backend, for diagnostics and benchmarks. */
export const backend: Memmap["backend"] = memmap.backend;
export * from "@memmap/core";
/** A Mutex from `new Mutex(i32, index)`: the constant above is its constructor. */
export type Mutex = MutexType;
/** A Channel from `Channel.create()` or `Channel.attach()`. */
export type Channel = ChannelType;
