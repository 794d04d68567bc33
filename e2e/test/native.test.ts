// The shipped shim: what it exports and which glibc it needs.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "vitest";
import { ROOT } from "../../scripts/suites.ts";

const lib = join(ROOT, "packages/node/prebuilt/linux-x64-gnu/libmemmap.so");

describe("native shim (linux-x64-gnu)", () => {
  it("exports exactly the memmap_ functions its header declares, nothing else", () => {
    const header = readFileSync(join(ROOT, "native/src/memmap.h"), "utf8");
    const declared = [...header.matchAll(/MEMMAP_EXPORT [^(]*?\b(memmap_\w+)\(/g)].map((m) => m[1]!).sort();
    const exported = execFileSync("nm", ["-D", "--defined-only", lib], { encoding: "utf8" })
      .split("\n").filter((l) => / T /.test(l)).map((l) => l.split(" ").at(-1)!).sort();
    assert.ok(declared.length >= 30, `${declared.length} declarations found`);
    assert.deepEqual(exported, declared);
  });

  it("needs no glibc newer than 2.17 (objdump -T)", () => {
    const versions = [...execFileSync("objdump", ["-T", lib], { encoding: "utf8" }).matchAll(/GLIBC_(\d+)\.(\d+)/g)]
      .map((m) => [Number(m[1]), Number(m[2])] as const);
    assert.ok(versions.length > 0);
    const newest = versions.reduce((a, b) => (b[0] > a[0] || (b[0] === a[0] && b[1] > a[1]) ? b : a));
    assert.ok(newest[0] === 2 && newest[1] <= 17, `needs GLIBC_${newest.join(".")}`);
  });
});
