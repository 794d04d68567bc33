// The format examples (Apache Arrow, safetensors) on every runtime, each checked against an
// independent reading of the same file: apache-arrow's tableFromIPC over readFileSync, and a
// plain-Python safetensors reader (e2e/test/safetensors.py).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Float64, Int64, makeData, makeVector, Table, tableFromIPC, tableToIPC } from "apache-arrow";
import { afterAll, beforeAll, describe, it } from "vitest";
import { BATCH_ROWS, demoValue, writeArrowFile } from "../../examples/formats/arrow.ts";
import { DEMO_TENSORS, writeSafetensors } from "../../examples/formats/safetensors.ts";
import { exampleCommand, RUNTIMES, type Runtime } from "../../scripts/examples.ts";
import { ROOT } from "../../scripts/suites.ts";

const MiB = 2 ** 20;
/** Big enough that a copy would stand out from the runtime's own memory noise (a few MiB). */
const ARROW_MIB = 96;
const PYTHON = join(ROOT, "e2e/test/safetensors.py");

let dir: string;
beforeAll(() => void (dir = mkdtempSync(join(tmpdir(), "memmap-formats-"))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs examples/<runtime>/<name>.ts with `args`; TMPDIR is a fresh folder, empty again afterwards (checked). */
function runExample(runtime: Runtime, name: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const [command, argv] = exampleCommand(runtime, name);
  const temp = mkdtempSync(join(dir, "tmp-"));
  try {
    const r = spawnSync(command, [...argv, ...args], { cwd: ROOT, encoding: "utf8", env: { ...process.env, TMPDIR: temp }, timeout: 120_000 });
    assert.deepEqual(readdirSync(temp), [], `${runtime} ${name} left files in its temporary folder`);
    return r;
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}

function python(...args: string[]): string {
  const r = spawnSync("python3", [PYTHON, ...args], { encoding: "utf8" });
  assert.equal(r.error, undefined, `this test needs python3 on PATH for its independent safetensors reader: ${r.error?.message}`);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

describe("Apache Arrow: tableFromIPC over a mapping", () => {
  let file: string;
  let expected: string;
  beforeAll(async () => {
    file = join(dir, "table.arrow");
    await writeArrowFile(file, ARROW_MIB * MiB);
    // apache-arrow's own reading of the file, summed without the example's code.
    expected = String(
      tableFromIPC(readFileSync(file))
        .getChild("value")!
        .toArray()
        .reduce((a: number, b: number) => a + b, 0),
    );
  });

  for (const runtime of RUNTIMES) {
    it(`${runtime}: sums the column as tableFromIPC(readFileSync) does, without copying it`, () => {
      const r = runExample(runtime, "arrow", [file]);
      assert.equal(r.status, 0, r.stderr);
      const lines = r.stdout.trim().split("\n");
      assert.match(lines[0]!, /^tableFromIPC over the mapping: \d+ rows in \d+ record batches/);
      assert.equal(/^sum of "value": (\S+) /.exec(lines[1]!)?.[1], expected);
      assert.match(lines[2]!, /^zero-copy: yes, all \d+ buffers of "value" are views on the mapping$/);
      // Deno reads /proc only with --allow-all, which the README's command does not give.
      if (runtime === "deno") return assert.match(lines[3]!, /^memory: not measured/);
      const [, anon, file_] = /^memory: anonymous RSS ([-+]\d+) MiB, mapped file pages ([-+]\d+) MiB/.exec(lines[3]!) ?? [];
      assert.ok(Number(anon) < ARROW_MIB / 4, `anonymous memory grew by ${anon} MiB for a ${ARROW_MIB} MiB file: the table is a copy (${lines[3]})`);
      // The sum touched the value column's pages (8 of each row's 12 bytes) through the mapping.
      assert.ok(Number(file_) > ARROW_MIB / 2, `mapped file pages grew by only ${file_} MiB (${lines[3]})`);
    });

    it(`${runtime}: the demo writes its file, sums it right and removes it`, () => {
      const r = runExample(runtime, "arrow", ["--mib=16"]);
      assert.equal(r.status, 0, r.stderr);
      const rows = Number(/^wrote \d+ MiB: (\d+) rows/.exec(r.stdout)?.[1]);
      assert.equal(rows, 2 * BATCH_ROWS); // 16 MiB at 12 bytes a row, in whole batches
      let sum = 0;
      for (let row = 0; row < rows; row++) sum += demoValue(row);
      assert.match(r.stdout, new RegExp(`^sum of "value": ${sum} `, "m"));
    });
  }

  it("nulls are left out of a sum, and a 64-bit integer column sums as a bigint", () => {
    const small = join(dir, "nulls.arrow");
    // Values under the nulls that are not 0 (the format leaves them undefined), so a sum that counted them would show.
    const n = makeVector(makeData({ type: new Int64(), data: BigInt64Array.of(1n, 99n, 2n ** 60n, -5n), nullBitmap: Uint8Array.of(0b1101) }));
    const x = makeVector(makeData({ type: new Float64(), data: Float64Array.of(0.5, 99, 2.25, 7), nullBitmap: Uint8Array.of(0b0101) }));
    writeFileSync(small, tableToIPC(new Table({ n, x }), "file"));
    const read = tableFromIPC(readFileSync(small));
    for (const [column, zero] of [
      ["n", 0n],
      ["x", 0],
    ] as const) {
      // apache-arrow's own reading: its values one by one, nulls as null.
      let expected: number | bigint = zero;
      for (const v of read.getChild(column)!)
        if (v !== null) expected = typeof v === "bigint" ? (expected as bigint) + v : (expected as number) + (v as number);
      const r = runExample("node", "arrow", [`--column=${column}`, small]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(/^sum of "\w+": (\S+) /m.exec(r.stdout)?.[1], String(expected));
    }
  });

  it("a missing column is a RangeError naming the columns there are", () => {
    const r = runExample("node", "arrow", ["--column=price", file]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /RangeError: the table has no column "price"; its columns: id, value/);
  });
});

describe("safetensors: tensors as typed arrays over a mapping", () => {
  interface Reading {
    dtype: string;
    shape: number[];
    sum: string;
    offset: number;
    itemsize: number;
  }
  const files: Record<string, string> = {};
  beforeAll(() => {
    files.memmap = join(dir, "memmap-written.safetensors");
    writeSafetensors(files.memmap, DEMO_TENSORS, { format: "pt" });
    files.python = join(dir, "python-written.safetensors");
    python("write", files.python);
  });

  for (const runtime of RUNTIMES) {
    for (const writer of ["memmap", "python"]) {
      it(`${runtime}: reads the file ${writer} wrote as the Python reader does; views where aligned, copies where not`, () => {
        const expected = JSON.parse(python("read", files[writer]!)) as Record<string, Reading>;
        const r = runExample(runtime, "safetensors", [files[writer]!]);
        assert.equal(r.status, 0, r.stderr);
        const lines = r.stdout.trim().split("\n");
        const got = Object.fromEntries(
          lines.slice(0, -1).map((line) => {
            const [, name, dtype, shape, sum, how] = /^(\S+) (\S+) \[([\d,]*)\] sum (\S+) (zero-copy|copied: .*)$/.exec(line) ?? [];
            assert.ok(name, `unexpected line: ${line}`);
            return [name, { dtype, shape: shape ? shape.split(",").map(Number) : [], sum, zeroCopy: how === "zero-copy" }];
          }),
        );
        assert.deepEqual(Object.keys(got), Object.keys(expected));
        for (const [name, e] of Object.entries(expected)) {
          const g = got[name]!;
          assert.equal(g.dtype, e.dtype, name);
          assert.deepEqual(g.shape, e.shape, name);
          // Floats by value (Python and JavaScript print the same double alike, but compare numbers, not text).
          if (e.dtype.startsWith("F") && !e.dtype.endsWith("16")) assert.equal(Number(g.sum), Number(e.sum), name);
          else assert.equal(BigInt(g.sum!), BigInt(e.sum), name);
          assert.equal(g.zeroCopy, e.offset % e.itemsize === 0, `${name} at file offset ${e.offset}, ${e.itemsize}-byte elements`);
        }
        const views = Object.values(expected).filter((e) => e.offset % e.itemsize === 0).length;
        assert.equal(lines.at(-1), `${views} of ${lines.length - 1} tensors are views on the mapping`);
      });
    }

    it(`${runtime}: the demo writes its model, reads it and removes it`, () => {
      const r = runExample(runtime, "safetensors", []);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^scale F32 \[255\] sum 2279\.0625 copied: /m);
      assert.match(r.stdout, /^4 of 5 tensors are views on the mapping$/m);
    });
  }

  for (const [what, bytes, error] of [
    [
      "a file shorter than its header length",
      Buffer.concat([Buffer.from([0xff, 0, 0, 0, 0, 0, 0, 0]), Buffer.from("{}")]),
      /RangeError: the header length says 255 bytes, but 2 follow/,
    ],
    [
      "a header that is not JSON",
      Buffer.concat([Buffer.from([4, 0, 0, 0, 0, 0, 0, 0]), Buffer.from("{no}")]),
      /TypeError: the safetensors header \(bytes 8 to 12\) is not JSON/,
    ],
    [
      "a tensor past the end of the data",
      (() => {
        const json = Buffer.from(JSON.stringify({ t: { dtype: "F32", shape: [4], data_offsets: [0, 16] } }));
        const length = Buffer.alloc(8);
        length.writeBigUInt64LE(BigInt(json.length));
        return Buffer.concat([length, json, Buffer.alloc(8)]);
      })(),
      /RangeError: tensor "t" has data_offsets \[0,16\], but F32 \[4\] needs 16 bytes within the 8 of data/,
    ],
  ] as const) {
    it(`${what} is a typed error saying so`, () => {
      const file = join(dir, "corrupt.safetensors");
      writeFileSync(file, bytes);
      const r = runExample("node", "safetensors", [file]);
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, error);
    });
  }
});
