// How each target of the platform table is compiled on this Linux machine.
// The host target needs only a C compiler; the others need Debian's cross
// tools, which native/scripts/install-cross-tools.sh installs.
import { join } from "node:path";
import type { TargetName } from "../../packages/core/src/platform.ts";

export interface Recipe {
  /** The compiler; the first word may be overridden with CC for the host build. */
  cc: string;
  /** Arguments before `-o <output> <sources>`. */
  args: string[];
  /** Arguments after the sources (libraries). */
  libs?: string[];
  /** Sources, relative to native/src. */
  sources: string[];
  /** The Debian package(s) that bring the compiler, for the error message. */
  apt: string;
  /** The Node-API entry (platform.ts's `sharedBuffer` file), built with the same compiler; none: not on this target. */
  addon?: { args: string[]; sources: string[] };
}

/** The Node-API entry for mapping.sharedBuffer, in native/ (its own folder: it is no part of the shim). */
export const ADDON_SOURCES = ["../napi/shared-buffer.c"];
/** Its napi_* imports stay undefined until Node or Bun loads it (the default for ELF -shared). */
const elfAddon = (args: string[]) => ({ args, sources: ADDON_SOURCES });

/** Each OS's shim, in native/src: what all share, what Linux and macOS share, the OS's own calls, the truncation guard, the thread registry. */
export const LINUX_SOURCES = ["common.c", "posix.c", "linux.c", "guard.c", "registry.c", "map-file.c"];
export const DARWIN_SOURCES = ["common.c", "posix.c", "darwin.c", "guard.c", "registry.c", "map-file.c"];
export const WIN32_SOURCES = ["common.c", "win32.c", "registry.c", "map-file.c"];

const WARNINGS = ["-O2", "-Wall", "-Wextra", "-Werror", "-std=c11"];
// nodelete: registry.c's thread-exit destructor must not outlive the code when a runtime unloads the shim.
const ELF = [...WARNINGS, "-fvisibility=hidden", "-shared", "-fPIC", "-Wl,-z,nodelete"];

/** musl for arm64: the aarch64 gcc over Debian's musl-dev:arm64, through the specs file it ships.
 * No outline atomics: libgcc's helpers call glibc's __getauxval, which musl has not. */
const ARM64_MUSL = ["-specs", "/usr/lib/aarch64-linux-musl/musl-gcc.specs", "-mno-outline-atomics", ...ELF];

/**
 * macOS without an SDK: hand-written declarations (native/darwin/include) and a TAPI stub of
 * libSystem (native/darwin/libSystem.tbd). -nostdlibinc drops the system headers but keeps
 * clang's own (stddef.h, stdint.h, stdatomic.h), as an SDK build uses them too. The triple's
 * version is the minimum macOS: clang passes it to ld64.lld as -platform_version (LC_BUILD_VERSION).
 * lld signs arm64 output ad hoc, which Apple silicon requires before it runs any code.
 */
function darwin(triple: string, nativeDir: string): string[] {
  return [
    ...WARNINGS,
    "-fvisibility=hidden",
    `--target=${triple}`,
    "-nostdlibinc",
    "-isystem",
    join(nativeDir, "darwin", "include"),
    "-dynamiclib",
    "-fuse-ld=lld",
    "-nostdlib",
    join(nativeDir, "darwin", "libSystem.tbd"),
    "-install_name",
    "@rpath/libmemmap.dylib",
  ];
}

/** The oldest macOS the darwin builds run on (Node 22's own minimum as well). */
export const DARWIN_MIN_OS = "11.0";

export function recipes(nativeDir: string): Record<TargetName, Recipe> {
  return {
    "linux-x64-gnu": {
      cc: process.arch === "x64" ? "cc" : "x86_64-linux-gnu-gcc",
      args: ELF,
      sources: LINUX_SOURCES,
      apt: "gcc",
      addon: elfAddon(ELF),
    },
    "linux-arm64-gnu": {
      cc: process.arch === "arm64" ? "cc" : "aarch64-linux-gnu-gcc",
      args: ELF,
      sources: LINUX_SOURCES,
      apt: "gcc-aarch64-linux-gnu libc6-dev-arm64-cross",
      addon: elfAddon(ELF),
    },
    "linux-x64-musl": { cc: "musl-gcc", args: ELF, sources: LINUX_SOURCES, apt: "musl-tools", addon: elfAddon(ELF) },
    "linux-arm64-musl": {
      cc: "aarch64-linux-gnu-gcc",
      args: ARM64_MUSL,
      sources: LINUX_SOURCES,
      apt: "gcc-aarch64-linux-gnu musl-dev:arm64",
      addon: elfAddon(ARM64_MUSL),
    },
    "darwin-x64": { cc: "clang", args: darwin(`x86_64-apple-macos${DARWIN_MIN_OS}`, nativeDir), sources: DARWIN_SOURCES, apt: "clang lld" },
    "darwin-arm64": { cc: "clang", args: darwin(`arm64-apple-macos${DARWIN_MIN_OS}`, nativeDir), sources: DARWIN_SOURCES, apt: "clang lld" },
    "win32-x64": {
      cc: "x86_64-w64-mingw32-gcc",
      args: [...WARNINGS, "-shared", "-static-libgcc", "-s"],
      libs: ["-lsynchronization"],
      sources: WIN32_SOURCES,
      apt: "gcc-mingw-w64-x86-64",
    },
  };
}
