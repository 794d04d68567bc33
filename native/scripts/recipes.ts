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
}

const WARNINGS = ["-O2", "-Wall", "-Wextra", "-Werror", "-std=c11"];
const ELF = [...WARNINGS, "-fvisibility=hidden", "-shared", "-fPIC"];

/** musl for arm64: Debian's musl-dev:arm64 headers and libc, driven by the aarch64 gcc. */
function arm64Musl(gccInclude: string): string[] {
  return [
    ...ELF,
    "-nostdinc", "-isystem", "/usr/include/aarch64-linux-musl", "-isystem", gccInclude,
    "-nostdlib", "-L/usr/lib/aarch64-linux-musl",
  ];
}

/** macOS without an SDK: hand-written declarations (native/darwin/include) and a TAPI stub of libSystem. */
function darwin(triple: string, nativeDir: string): string[] {
  return [
    ...WARNINGS, "-fvisibility=hidden", `--target=${triple}`, "-nostdinc",
    "-isystem", join(nativeDir, "darwin", "include"),
    "-dynamiclib", "-fuse-ld=lld", "-nostdlib", join(nativeDir, "darwin", "libSystem.tbd"),
    "-install_name", "@rpath/libmemmap.dylib", "-Wl,-platform_version,macos,11.0,11.0",
  ];
}

export function recipes(nativeDir: string, gccInclude: string): Record<TargetName, Recipe> {
  return {
    "linux-x64-gnu": { cc: process.arch === "x64" ? "cc" : "x86_64-linux-gnu-gcc", args: ELF, sources: ["memmap.c"], apt: "gcc" },
    "linux-arm64-gnu": { cc: process.arch === "arm64" ? "cc" : "aarch64-linux-gnu-gcc", args: ELF, sources: ["memmap.c"], apt: "gcc-aarch64-linux-gnu libc6-dev-arm64-cross" },
    "linux-x64-musl": { cc: "musl-gcc", args: ELF, sources: ["memmap.c"], apt: "musl-tools" },
    "linux-arm64-musl": { cc: "aarch64-linux-gnu-gcc", args: arm64Musl(gccInclude), libs: ["-lc"], sources: ["memmap.c"], apt: "gcc-aarch64-linux-gnu musl-dev:arm64" },
    "darwin-x64": { cc: "clang", args: darwin("x86_64-apple-macos11.0", nativeDir), sources: ["memmap.c"], apt: "clang lld" },
    "darwin-arm64": { cc: "clang", args: darwin("arm64-apple-macos11.0", nativeDir), sources: ["memmap.c"], apt: "clang lld" },
    "win32-x64": {
      cc: "x86_64-w64-mingw32-gcc",
      args: [...WARNINGS, "-shared", "-static-libgcc", "-s"],
      libs: ["-lsynchronization"],
      sources: ["memmap_win32.c"],
      apt: "gcc-mingw-w64-x86-64",
    },
  };
}
