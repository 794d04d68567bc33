/**
 * The one platform table: which prebuilt shim serves which platform. The
 * native build script and every runtime's loader read it (as esbuild does).
 */
export interface Target {
  /** Operating system, as process.platform names it. */
  readonly os: "linux" | "darwin" | "win32";
  /** CPU, as process.arch names it. */
  readonly arch: "x64" | "arm64";
  /** C library, on Linux. */
  readonly libc?: "gnu" | "musl";
  /** File name of the shim inside prebuilt/<target>/. */
  readonly file: string;
  /** The Node-API entry behind mapping.sharedBuffer (Node and Bun), beside the shim; none: not built for this target. */
  readonly sharedBuffer?: string;
}

/** The Node-API entry's file name, where there is one. */
export const SHARED_BUFFER_FILE = "memmap-shared-buffer.node";

/** Every platform with a prebuilt shim, by target name. */
export const TARGETS = {
  "linux-x64-gnu": { os: "linux", arch: "x64", libc: "gnu", file: "libmemmap.so", sharedBuffer: SHARED_BUFFER_FILE },
  "linux-arm64-gnu": { os: "linux", arch: "arm64", libc: "gnu", file: "libmemmap.so", sharedBuffer: SHARED_BUFFER_FILE },
  "linux-x64-musl": { os: "linux", arch: "x64", libc: "musl", file: "libmemmap.so", sharedBuffer: SHARED_BUFFER_FILE },
  "linux-arm64-musl": { os: "linux", arch: "arm64", libc: "musl", file: "libmemmap.so", sharedBuffer: SHARED_BUFFER_FILE },
  "darwin-x64": { os: "darwin", arch: "x64", file: "libmemmap.dylib" },
  "darwin-arm64": { os: "darwin", arch: "arm64", file: "libmemmap.dylib" },
  "win32-x64": { os: "win32", arch: "x64", file: "memmap.dll" },
} as const satisfies Record<string, Target>;

/** A key of {@linkcode TARGETS}, such as "linux-x64-gnu". */
export type TargetName = keyof typeof TARGETS;

/** What the running process is, in Node's vocabulary (process.platform, process.arch). */
export interface HostInfo {
  /** process.platform, or Deno.build.os normalized to it. */
  platform: string;
  /** process.arch, or Deno.build.arch normalized to it. */
  arch: string;
  /** Only meaningful on Linux. */
  libc?: "gnu" | "musl";
}

/**
 * Picks the target for a host, or throws an error naming what was found and what exists.
 *
 * @example
 * ```ts
 * const target = targetFor({ platform: process.platform, arch: process.arch, libc: "gnu" }); // "linux-x64-gnu"
 * ```
 */
export function targetFor(host: HostInfo): TargetName {
  for (const [name, t] of Object.entries(TARGETS) as [TargetName, Target][]) {
    if (t.os === host.platform && t.arch === host.arch && (t.libc === undefined || t.libc === host.libc)) return name;
  }
  const found = `${host.platform}-${host.arch}${host.platform === "linux" ? `-${host.libc ?? "unknown libc"}` : ""}`;
  throw new Error(
    `memmap has no prebuilt shim for ${found}; supported: ${Object.keys(TARGETS).join(", ")}. ` +
      "Build native/ for this platform and set MEMMAP_LIBRARY_PATH to the result.",
  );
}

/**
 * Node's names for Deno's Deno.build.os / Deno.build.arch values.
 *
 * @example
 * ```ts
 * const host = normalizeHost(Deno.build.os, Deno.build.arch, Deno.build.env);
 * ```
 */
export function normalizeHost(os: string, arch: string, libc?: string): HostInfo {
  const platform = os === "windows" ? "win32" : os;
  const a = arch === "x86_64" ? "x64" : arch === "aarch64" ? "arm64" : arch;
  return { platform, arch: a, libc: libc === "musl" ? "musl" : libc === "gnu" || libc === "glibc" ? "gnu" : undefined };
}

/**
 * glibc or musl for a Node-compatible runtime, the way napi-rs tells them
 * apart: a glibc process reports glibcVersionRuntime in process.report.
 *
 * @example
 * ```ts
 * const libc = detectLibc(process.report?.getReport());
 * ```
 */
export function detectLibc(report: unknown): "gnu" | "musl" {
  const header = (report as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  return header?.glibcVersionRuntime ? "gnu" : "musl";
}
