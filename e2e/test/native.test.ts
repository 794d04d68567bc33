// The shipped Linux shims: what they export, which glibc they need, and the C
// self-test linked against each (arm64 under qemu-user, musl through its loader).
// The cross targets need native/scripts/install-cross-tools.sh; without those
// tools their cases skip and say so.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "vitest";
import { build } from "../../native/scripts/build.ts";
import { guardStress } from "../../native/scripts/guard-stress.ts";
import { type LinuxTarget, selftest } from "../../native/scripts/selftest.ts";
import { ROOT } from "../../scripts/suites.ts";
import { hasCommand } from "../../scripts/tools.ts";

/** Why a target cannot be built and run here, or undefined when it can. */
function missing(target: LinuxTarget): string | undefined {
  const needs: Record<LinuxTarget, [string, () => boolean][]> = {
    "linux-x64-gnu": [],
    "linux-x64-musl": [["musl-gcc", () => hasCommand("musl-gcc")]],
    "linux-arm64-gnu": [
      ["aarch64-linux-gnu-gcc", () => hasCommand("aarch64-linux-gnu-gcc")],
      ["qemu-aarch64-static", () => hasCommand("qemu-aarch64-static")],
    ],
    "linux-arm64-musl": [
      ["aarch64-linux-gnu-gcc", () => hasCommand("aarch64-linux-gnu-gcc")],
      ["qemu-aarch64-static", () => hasCommand("qemu-aarch64-static")],
      ["musl-dev:arm64", () => existsSync("/usr/lib/aarch64-linux-musl/musl-gcc.specs")],
    ],
  };
  const absent = needs[target].filter(([, ok]) => !ok()).map(([name]) => name);
  return absent.length ? `${absent.join(", ")} not installed (native/scripts/install-cross-tools.sh)` : undefined;
}

const header = readFileSync(join(ROOT, "native/src/memmap.h"), "utf8");
const declared = [...header.matchAll(/MEMMAP_EXPORT [^(]*?\b(memmap_\w+)\(/g)].map((m) => m[1]!).sort();

/** The newest GLIBC_x.y symbol version a shared object needs. */
function newestGlibc(lib: string): [number, number] {
  const versions = [...execFileSync("readelf", ["--dyn-syms", "-W", lib], { encoding: "utf8" }).matchAll(/GLIBC_(\d+)\.(\d+)/g)].map(
    (m) => [Number(m[1]), Number(m[2])] as [number, number],
  );
  assert.ok(versions.length > 0, "no versioned glibc symbols found");
  return versions.reduce((a, b) => (b[0] > a[0] || (b[0] === a[0] && b[1] > a[1]) ? b : a));
}

const TARGETS: LinuxTarget[] = ["linux-x64-gnu", "linux-x64-musl", "linux-arm64-gnu", "linux-arm64-musl"];

for (const target of TARGETS) {
  const why = missing(target);
  const test = why ? it.skip : it;
  const note = why ? ` [skipped: ${why}]` : "";
  // The host shim is the one npm install built and the packages ship; the others are built here.
  const lib = () => (target === "linux-x64-gnu" ? join(ROOT, "packages/node/prebuilt/linux-x64-gnu/libmemmap.so") : build(target));

  describe(`native shim (${target})`, () => {
    test(`exports exactly the memmap_ functions its header declares, nothing else${note}`, () => {
      const exported = execFileSync("readelf", ["--dyn-syms", "-W", lib()], { encoding: "utf8" })
        .split("\n")
        .filter((l) => /\sFUNC\s+GLOBAL\s+DEFAULT\s+\d+\s/.test(l))
        .map((l) => l.trim().split(/\s+/).at(-1)!)
        // musl's crti.o/crtn.o define the init/fini section entry points as globals.
        .filter((name) => !(target.endsWith("musl") && (name === "_init" || name === "_fini")))
        .sort();
      assert.ok(declared.length >= 30, `${declared.length} declarations found`);
      assert.deepEqual(exported, declared);
    }, 60_000);

    if (target.endsWith("-gnu")) {
      test(`needs no glibc newer than 2.17 (readelf's symbol versions)${note}`, () => {
        const [major, minor] = newestGlibc(lib());
        assert.ok(major === 2 && minor <= 17, `needs GLIBC_${major}.${minor}`);
      }, 60_000);
    }

    test(`the C self-test passes against it${target.includes("arm64") ? " under qemu-aarch64" : ""}${note}`, () => {
      lib();
      const r = selftest(target);
      assert.ok(r.ok, r.output);
      assert.match(r.output, /selftest: \d+ checks, 0 failed/);
    }, 120_000);
  });
}

describe("truncation guard under threads (native/test/guard-stress.c, built from the shim's sources with test hooks)", () => {
  for (const asan of [false, true]) {
    it(`concurrent install, remove during a handler, 100,000 map/truncate/fault/unmap iterations, swaps, transient faults, a nested SIGBUS, no sigaction per map${asan ? ", under AddressSanitizer" : ""}`, () => {
      const r = guardStress({ asan });
      assert.ok(r.ok, r.output);
      assert.match(r.output, /guard-stress: 7 passed, 0 failed/);
    }, 300_000);
  }
});
