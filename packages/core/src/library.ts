import { MmapError } from "./errors.ts";
import { TARGETS, type TargetName } from "./platform.ts";

/** Where a runtime package looks for the shim, in order. */
export interface LibrarySearch {
  /** configure({ libraryPath }) */
  explicit?: string;
  /** MEMMAP_LIBRARY_PATH */
  env?: string;
  /** The package's own prebuilt/ folder (a path or file: URL string ending in "/"). */
  prebuiltDir: string;
  /** The platform whose prebuilt shim to look for. */
  target: TargetName;
  /** Checks the prebuilt beside the package before it is opened; throws an MmapError to refuse it. */
  verifyPrebuilt?: (path: string) => void;
}

/**
 * Every path to try, explicit first; each with where it came from.
 *
 * @example
 * ```ts
 * for (const { path, from } of libraryCandidates({ prebuiltDir: "/pkg/prebuilt/", target: "linux-x64-gnu" })) console.log(path, from);
 * ```
 */
export function libraryCandidates(search: LibrarySearch): { path: string; from: string }[] {
  const out: { path: string; from: string }[] = [];
  if (search.explicit) out.push({ path: search.explicit, from: "configure({ libraryPath })" });
  if (search.env) out.push({ path: search.env, from: "MEMMAP_LIBRARY_PATH" });
  const dir = search.prebuiltDir.endsWith("/") ? search.prebuiltDir : `${search.prebuiltDir}/`;
  out.push({ path: `${dir}${search.target}/${TARGETS[search.target].file}`, from: "the prebuilt beside the package" });
  return out;
}

/**
 * What a loader's error most likely means, for the messages dlopen gives when the
 * file is for another C library or architecture (glibc reports a foreign ELF
 * machine as "No such file or directory").
 */
export function loadHint(reason: string, path: string, target: TargetName): string {
  const wanted = `this process needs the ${target} build`;
  if (/ld-musl|libc\.musl|\blibc\.so\b(?!\.6)|GLIBC_\d/.test(reason)) {
    return ` [built for another C library (glibc or musl)? ${wanted}]`;
  }
  if (/wrong ELF class|ELF machine|invalid ELF header|not a valid Win32|mach-o|incompatible architecture/i.test(reason)) {
    return ` [built for another platform or architecture? ${wanted}]`;
  }
  if (reason.includes(`${path}: cannot open shared object file`)) {
    return ` [missing, or built for another architecture; ${wanted}]`;
  }
  return "";
}

/**
 * Opens the first candidate that loads. An explicit choice that fails is an
 * error at once (falling back would hide the user's mistake); otherwise one
 * error lists every path tried and how to override it.
 *
 * @example
 * ```ts
 * const { library, path } = openFirst({ env: process.env.MEMMAP_LIBRARY_PATH, prebuiltDir, target }, openBackend);
 * ```
 */
export function openFirst<T>(search: LibrarySearch, open: (path: string) => T): { library: T; path: string } {
  const tried: string[] = [];
  for (const { path, from } of libraryCandidates(search)) {
    if (from === "the prebuilt beside the package") search.verifyPrebuilt?.(path);
    try {
      return { library: open(path), path };
    } catch (cause) {
      // A missing permission is not about the path: say so plainly instead of listing paths.
      const { name, code, message } = (cause ?? {}) as { name?: string; code?: string; message?: string };
      if (code === "ERR_ACCESS_DENIED" || name === "NotCapable" || name === "PermissionDenied") {
        throw cause instanceof MmapError
          ? cause
          : new MmapError(`memmap needs FFI permission: ${message}`, {
              code: "ERR_ACCESS_DENIED",
              cause,
            });
      }
      const reason = cause instanceof Error ? cause.message.split("\n")[0] : String(cause);
      tried.push(`  ${path} (${from}): ${reason}${loadHint(reason ?? "", path, search.target)}`);
      if (from !== "the prebuilt beside the package") {
        throw new MmapError(`memmap could not load its native shim from ${from}:\n${tried.join("\n")}`, {
          code: "ERR_LIBRARY_LOAD",
          path,
          cause,
        });
      }
    }
  }
  throw new MmapError(
    `memmap could not load its native shim (${search.target}). Tried:\n${tried.join("\n")}\n` +
      "Set MEMMAP_LIBRARY_PATH to a built shim (npm run build:native builds one), or pass configure({ libraryPath }).",
    { code: "ERR_LIBRARY_LOAD" },
  );
}
