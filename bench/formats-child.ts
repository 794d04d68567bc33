// One run of the "formats" group in a fresh process: <case> <map()|readFileSync|baseline> <dir> <memmap entry>.
// Prints a ChildReport as one JSON line. "baseline" stops after the imports: the runtime's own memory.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import type { Memmap } from "@memmap/core";
import { memory } from "../examples/formats/memory.ts";
import { CASES, type ChildReport } from "./formats.ts";

const [id = "", contender = "", dir = "", entry = ""] = process.argv.slice(2);
const c = CASES[id];
if (!c || !["map()", "readFileSync", "baseline"].includes(contender)) throw new RangeError(`formats-child: unknown case "${id}" or contender "${contender}"`);
const { map } = (await import(entry)) as Memmap;
const path = join(dir, c.file);

let ms = 0;
let result = 0;
let mapping: ReturnType<typeof map> | undefined;
if (contender !== "baseline") {
  const start = performance.now();
  if (contender === "map()") mapping = map(path);
  result = c.result(mapping ? mapping.bytes : readFileSync(path));
  ms = performance.now() - start;
}
// Measured while the bytes are still in use (JSON gives null where there is no /proc).
const m = memory();
mapping?.close();
const report: ChildReport = { ms, result, peak: m?.peak ?? Number.NaN, anon: m?.anon ?? Number.NaN };
process.stdout.write(`${JSON.stringify(report)}\n`);
