import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "vitest";
import { ABI, type AbiCall, type AbiType } from "./abi.ts";
import { ABI_VERSION } from "./backend.ts";

const header = readFileSync(new URL("../../../native/src/memmap.h", import.meta.url), "utf8");

/** A C type of memmap.h in the table's vocabulary. */
function abiType(c: string): AbiType {
  const t = c
    .replace(/\bconst\b/g, "")
    .replace(/\s+/g, " ")
    .trim();
  if (t.endsWith("*")) return "buffer";
  if (t === "int32_t") return "i32";
  if (t === "int64_t") return "i64";
  if (t === "void") return "void";
  throw new Error(`memmap.h uses a C type the ABI table has no name for: '${c}'`);
}

/** Every MEMMAP_EXPORT prototype of memmap.h, by C name. */
function prototypes(): Map<string, { result: AbiType; parameters: AbiType[] }> {
  const found = new Map<string, { result: AbiType; parameters: AbiType[] }>();
  for (const [, result, name, list] of header.matchAll(/MEMMAP_EXPORT\s+([\w\s*]+?)\s*\b(memmap_\w+)\s*\(([^)]*)\)\s*;/g)) {
    const parameters =
      list!.trim() === "void"
        ? []
        : list!.split(",").map((p) => {
            // "int64_t *out" -> "int64_t *": the type is all but the trailing parameter name.
            const m = /^(.*?[\s*])\w+$/.exec(p.trim());
            if (!m) throw new Error(`cannot read parameter '${p.trim()}' of ${name}`);
            return abiType(m[1]!);
          });
    found.set(name!, { result: abiType(result!), parameters });
  }
  return found;
}

describe("ABI table", () => {
  it("declares exactly the prototypes of native/src/memmap.h, with the same types", () => {
    const c = prototypes();
    assert.ok(c.size >= 30, `read only ${c.size} prototypes from memmap.h: the parser is broken`);
    const table = new Map<string, { name: string; call: AbiCall }>(Object.entries(ABI).map(([name, call]) => [call.symbol, { name, call }]));
    assert.deepEqual([...table.keys()].sort(), [...c.keys()].sort(), "C names in the table vs memmap.h");
    for (const [symbol, proto] of c) {
      const { name, call } = table.get(symbol)!;
      assert.equal(call.parameters.length, proto.parameters.length, `${name} (${symbol}): arity`);
      assert.deepEqual([...call.parameters], proto.parameters, `${name} (${symbol}): parameter types`);
      assert.equal(call.result, proto.result, `${name} (${symbol}): result type`);
    }
  });
  it("speaks the header's MEMMAP_ABI_VERSION", () => {
    const version = /#define MEMMAP_ABI_VERSION (\d+)/.exec(header);
    assert.ok(version, "no MEMMAP_ABI_VERSION in memmap.h");
    assert.equal(ABI_VERSION, Number(version[1]));
  });
});
