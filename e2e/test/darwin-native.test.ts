// The macOS shims, cross-built here without an SDK and never run: checked statically.
// Needs clang, lld and llvm (apt-get install clang lld llvm); without them it skips and says so.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "vitest";
import { build, buildUniversal, findLipo } from "../../native/scripts/build.ts";
import { DARWIN_MIN_OS } from "../../native/scripts/recipes.ts";
import { ROOT } from "../../scripts/suites.ts";
import { hasCommand } from "../../scripts/tools.ts";

function missingTools(): string | undefined {
  const missing = ["clang", "llvm-nm", "llvm-objdump"].filter((t) => !hasCommand(t));
  if (missing.length) return `${missing.join(", ")} not installed`;
  // clang prints the bare name when it finds no ld64.lld (Debian keeps it in /usr/lib/llvm-N/bin).
  const lld = execFileSync("clang", ["--target=arm64-apple-macos11.0", "-print-prog-name=ld64.lld"], { encoding: "utf8" }).trim();
  return existsSync(lld) ? undefined : "ld64.lld (lld) not installed";
}

const skip = missingTools();
const test = skip ? it.skip : it;
const note = skip ? ` [skipped: ${skip}; apt-get install clang lld llvm]` : "";

const ARCHES = [
  { target: "darwin-x64", cputype: "X86_64", tapi: "x86_64-macos" },
  { target: "darwin-arm64", cputype: "ARM64", tapi: "arm64-macos" },
] as const;

/** What native/darwin/libSystem.tbd exports for one TAPI target. */
function stubSymbols(tapiTarget: string): string[] {
  const tbd = readFileSync(join(ROOT, "native/darwin/libSystem.tbd"), "utf8");
  const symbols: string[] = [];
  for (const m of tbd.matchAll(/targets:\s*\[([^\]]*)\]\s*\n\s*symbols:\s*\[([^\]]*)\]/g)) {
    if (
      m[1]!
        .split(",")
        .map((s) => s.trim())
        .includes(tapiTarget)
    ) {
      symbols.push(
        ...m[2]!
          .split(",")
          .map((s) => s.trim().replace(/^'|'$/g, ""))
          .filter(Boolean),
      );
    }
  }
  return symbols.sort();
}

/** The ad-hoc flag of the code signature's CodeDirectory (CS_ADHOC, 0x2), or undefined if unsigned. */
function adHocSigned(lib: string, headers: string): boolean | undefined {
  const sig = /cmd LC_CODE_SIGNATURE\s+cmdsize \d+\s+dataoff (\d+)/.exec(headers);
  if (!sig) return undefined;
  const bytes = readFileSync(lib);
  const blob = Number(sig[1]);
  assert.equal(bytes.readUInt32BE(blob), 0xfade0cc0, "embedded signature superblob magic");
  const count = bytes.readUInt32BE(blob + 8);
  for (let i = 0; i < count; i++) {
    const type = bytes.readUInt32BE(blob + 12 + i * 8);
    const offset = bytes.readUInt32BE(blob + 16 + i * 8);
    if (type !== 0) continue; // 0: the CodeDirectory slot
    assert.equal(bytes.readUInt32BE(blob + offset), 0xfade0c02, "CodeDirectory magic");
    return (bytes.readUInt32BE(blob + offset + 12) & 0x2) !== 0;
  }
  return false;
}

describe("native shim (darwin, static checks)", () => {
  const declared = [...readFileSync(join(ROOT, "native/src/memmap.h"), "utf8").matchAll(/MEMMAP_EXPORT [^(]*?\b(memmap_\w+)\(/g)]
    .map((m) => `_${m[1]!}`)
    .sort();

  for (const { target, cputype, tapi } of ARCHES) {
    let built: string | undefined;
    const lib = () => (built ??= build(target));

    test(`${target}: builds with -Wall -Wextra -Werror and exports exactly the memmap_ functions of memmap.h${note}`, () => {
      const exported = execFileSync("llvm-nm", ["-gU", lib()], { encoding: "utf8" })
        .split("\n")
        .filter(Boolean)
        .map((l) => l.split(" ").at(-1)!)
        .sort();
      assert.ok(declared.length >= 30, `${declared.length} declarations found`);
      assert.deepEqual(exported, declared);
    });

    test(`${target}: imports only from libSystem, exactly what libSystem.tbd lists, os_sync_* weakly${note}`, () => {
      const lines = execFileSync("llvm-nm", ["-m", "-u", lib()], { encoding: "utf8" }).split("\n").filter(Boolean);
      const notLibSystem = lines.filter((l) => !l.endsWith("(from libSystem)"));
      assert.deepEqual(notLibSystem, [], "every undefined symbol binds to libSystem");
      const imported = lines.map((l) => l.split(" ").at(-3)!).sort();
      assert.deepEqual(imported, stubSymbols(tapi), "libSystem.tbd lists exactly the imports");
      const weak = lines
        .filter((l) => l.includes("weak external"))
        .map((l) => l.split(" ").at(-3)!)
        .sort();
      assert.deepEqual(
        weak,
        ["_os_sync_wait_on_address", "_os_sync_wait_on_address_with_timeout", "_os_sync_wake_by_address_all", "_os_sync_wake_by_address_any"],
        "only the macOS 14.4 functions are weak",
      );
      assert.ok(imported.includes(target === "darwin-x64" ? "_fstat$INODE64" : "_fstat"), "the 64-bit-inode fstat");
    });

    test(`${target}: a ${cputype} dylib for macOS ${DARWIN_MIN_OS}+, linked to libSystem only${target === "darwin-arm64" ? ", ad-hoc signed" : ""}${note}`, () => {
      const headers = execFileSync("llvm-objdump", ["--macho", "--private-headers", lib()], { encoding: "utf8" });
      assert.match(headers, new RegExp(`MH_MAGIC_64\\s+${cputype}\\s+\\S+\\s+\\S+\\s+DYLIB`));
      assert.match(headers, new RegExp(`cmd LC_BUILD_VERSION[\\s\\S]*?platform macos\\s+sdk \\S+\\s+minos ${DARWIN_MIN_OS.replace(".", "\\.")}\\n`));
      assert.match(headers, /cmd LC_ID_DYLIB[\s\S]*?name @rpath\/libmemmap\.dylib /);
      const linked = [...headers.matchAll(/cmd LC_LOAD(?:_WEAK)?_DYLIB[\s\S]*?name (\S+)/g)].map((m) => m[1]);
      assert.deepEqual(linked, ["/usr/lib/libSystem.B.dylib"]);
      // Apple silicon runs no unsigned code; lld signs arm64 output ad hoc. x86_64 needs none.
      if (target === "darwin-arm64") assert.equal(adHocSigned(lib(), headers), true, "arm64 carries an ad-hoc signature");
    });
  }

  const lipo = findLipo();
  const universalNote = note || (lipo ? "" : " [skipped: llvm-lipo not installed]");
  (skip || !lipo ? it.skip : it)(`darwin-universal: one file with both architectures${universalNote}`, () => {
    for (const { target } of ARCHES) build(target);
    const out = buildUniversal();
    assert.deepEqual(execFileSync(lipo!, ["-archs", out], { encoding: "utf8" }).trim().split(/\s+/).sort(), ["arm64", "x86_64"]);
  });

  // Fetches zig's bundled macOS headers (npm pack, cached in .cache/) and compiles the
  // hand-written constants, struct layouts and prototypes against them, for both arches.
  test(`the hand-written declarations agree with real macOS headers${note}`, () => {
    const r = spawnSync(process.execPath, [join(ROOT, "native/scripts/check-darwin-headers.ts")], { encoding: "utf8", timeout: 300_000 });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /all darwin header checks passed/);
  }, 300_000);
});
