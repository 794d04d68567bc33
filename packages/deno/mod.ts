/**
 * @module
 * memmap for Deno: memory-mapped files and shared memory as zero-copy
 * Uint8Arrays, over Deno.dlopen. Needs --allow-ffi (and read/write for files).
 *
 * @example
 * ```ts
 * import { map } from "@memmap/deno";
 * using m = map("data.bin", { mode: "readwrite" });
 * m.bytes[0] = 1;
 * m.flush();
 * ```
 */
import { bindMemmap, type Memmap, normalizeHost, openFirst, targetFor } from "@memmap/core/backend";
import { openBackend } from "./src/backend.ts";
import { cachedPrebuiltDir } from "./src/remote.ts";
import { readRunFlags } from "./src/run-flags.ts";

const target = () => targetFor(normalizeHost(Deno.build.os, Deno.build.arch, Deno.build.env));
const prebuiltDir = new URL("./prebuilt/", import.meta.url);

/** Read without prompting: an env permission that was not granted reads as unset. */
function env(name: string): string | undefined {
  return Deno.permissions.querySync({ name: "env", variable: name }).state === "granted" ? Deno.env.get(name) : undefined;
}

// From JSR or any https URL the prebuilt cannot be dlopen'ed in place: fetch it
// once into a local cache, before the first call (map() is synchronous).
const localPrebuiltDir = prebuiltDir.protocol === "file:" ? decodeURIComponent(prebuiltDir.pathname) : await cachedPrebuiltDir(prebuiltDir, target(), env);

// Read now (through libc, not the shim, which still loads on first use): setting
// process.title later overwrites the command line the flags are read from.
const ownFlags = readRunFlags() ?? [];

const memmap: Memmap = bindMemmap(
  (config) =>
    openFirst(
      {
        explicit: config.libraryPath,
        env: env("MEMMAP_LIBRARY_PATH"),
        prebuiltDir: localPrebuiltDir,
        target: target(),
      },
      openBackend,
    ).library,
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
