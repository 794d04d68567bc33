// Apache Arrow over a mapping: the logic of examples/<runtime>/arrow.ts, which differ only in
// the memmap they pass in. Also used by the e2e test and the "formats" benchmark.
import { closeSync, openSync, rmSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { DataType, Field, Float64, Int32, makeData, RecordBatch, RecordBatchFileWriter, Schema, Struct, type Table, tableFromIPC } from "apache-arrow";
import { defaultTempDir, type ExampleRuntime } from "./example-runtime.ts";
import { memory, mib, mibChange, NO_MEMORY } from "./memory.ts";

/** Rows per record batch of the demo file: 12 MiB each (an int32 and a float64 per row). */
export const BATCH_ROWS = 2 ** 20;
const ROW_BYTES = 12;
const MiB = 2 ** 20;

const SCHEMA = new Schema([new Field("id", new Int32(), false), new Field("value", new Float64(), false)]);

/** The demo table's row `row`: id = row, value = (row % 1000) / 2 (exact in float64, so every sum is exact too). */
export const demoValue = (row: number) => (row % 1000) / 2;

/**
 * Writes an Arrow IPC file of about `bytes` bytes (whole batches) with apache-arrow's own
 * writer, streaming: one batch in memory at a time. Returns how many rows it wrote.
 */
export async function writeArrowFile(path: string, bytes: number): Promise<number> {
  const batches = Math.max(1, Math.ceil(bytes / (BATCH_ROWS * ROW_BYTES)));
  const fd = openSync(path, "w");
  try {
    const writer = new RecordBatchFileWriter();
    // The writer queues its output; this drains it into the file while the batches are made.
    const drained = (async () => {
      for await (const chunk of writer) writeSync(fd, chunk);
    })();
    for (let b = 0; b < batches; b++) {
      const id = new Int32Array(BATCH_ROWS);
      const value = new Float64Array(BATCH_ROWS);
      for (let i = 0; i < BATCH_ROWS; i++) {
        id[i] = b * BATCH_ROWS + i;
        value[i] = demoValue(b * BATCH_ROWS + i);
      }
      const children = [makeData({ type: new Int32(), data: id }), makeData({ type: new Float64(), data: value })];
      writer.write(new RecordBatch(SCHEMA, makeData({ type: new Struct(SCHEMA.fields), length: BATCH_ROWS, children })));
      await new Promise((resolve) => setTimeout(resolve, 0)); // let the drain catch up
    }
    writer.finish();
    await drained;
  } finally {
    closeSync(fd);
  }
  return batches * BATCH_ROWS;
}

/** The column `name` of `table`, which must be a number column (int or float, not float16). */
function numberColumn(table: Table, name: string) {
  const column = table.getChild(name);
  if (!column) {
    throw new RangeError(`the table has no column "${name}"; its columns: ${table.schema.fields.map((f) => f.name).join(", ")}. Name one with --column`);
  }
  if (!(DataType.isInt(column.type) || DataType.isFloat(column.type)) || String(column.type) === "Float16") {
    throw new TypeError(`column "${name}" is ${column.type}, not a number column: name an int or float32/float64 column with --column`);
  }
  return column;
}

/** The sum of a number column, nulls left out; a bigint for 64-bit integers. */
export function sumColumn(table: Table, name: string): number | bigint {
  let sum: number | bigint = 0;
  for (const data of numberColumn(table, name).data) {
    // Without nulls, a loop with no validity check at all: the common case, and the fast one.
    const valid = data.nullCount > 0 ? (i: number) => data.getValid(i) : undefined;
    const values = data.values as Float64Array | BigInt64Array;
    sum =
      values instanceof BigInt64Array || values instanceof BigUint64Array
        ? BigInt(sum) + sumBigInts(values, data.length, valid)
        : (sum as number) + sumNumbers(values, data.length, valid);
  }
  return sum;
}

// `length`, not values.length: a buffer may run past the batch's last row (padding).
function sumNumbers(values: ArrayLike<number>, length: number, valid?: (i: number) => boolean): number {
  let sum = 0;
  if (valid) {
    for (let i = 0; i < length; i++) if (valid(i)) sum += values[i]!;
  } else {
    for (let i = 0; i < length; i++) sum += values[i]!;
  }
  return sum;
}

function sumBigInts(values: ArrayLike<bigint>, length: number, valid?: (i: number) => boolean): bigint {
  let sum = 0n;
  for (let i = 0; i < length; i++) if (!valid || valid(i)) sum += values[i]!;
  return sum;
}

/** How many of the column's value buffers are views on `buffer` (zero-copy), of how many. */
export function viewsOn(table: Table, name: string, buffer: ArrayBufferLike): { views: number; buffers: number } {
  const data = numberColumn(table, name).data;
  return { views: data.filter((d) => (d.values as Uint8Array).buffer === buffer).length, buffers: data.length };
}

/**
 * The example: `arrow.ts [--mib=N] [--column=NAME] [FILE]`. Without FILE it writes a demo
 * file of N MiB (default 1024) in a temporary folder, and removes it at the end.
 */
export async function arrowExample({ map, makeTempDir = defaultTempDir }: ExampleRuntime, argv = process.argv.slice(2)): Promise<void> {
  const { values, positionals } = parseArgs({ args: argv, options: { mib: { type: "string" }, column: { type: "string" } }, allowPositionals: true });
  const size = Number(values.mib ?? 1024);
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`--mib must be a whole number of MiB, 1 or more; got "${values.mib}"`);
  const column = values.column ?? "value";
  const demo = positionals[0] === undefined ? makeTempDir() : undefined;
  try {
    const path = positionals[0] ?? join(demo!, "table.arrow");
    if (demo) {
      const rows = await writeArrowFile(path, size * MiB);
      console.log(`wrote ${mib(statSync(path).size)}: ${rows} rows of id (int32) and value (float64)`);
    }
    const before = memory();
    const mapping = map(path);
    try {
      let t = performance.now();
      // The table's buffers are views on the mapping: use it only while the mapping is open.
      const table = tableFromIPC(mapping.bytes);
      console.log(`tableFromIPC over the mapping: ${table.numRows} rows in ${table.batches.length} record batches (${(performance.now() - t).toFixed(1)} ms)`);
      t = performance.now();
      const sum = sumColumn(table, column);
      console.log(`sum of "${column}": ${sum} (${(performance.now() - t).toFixed(1)} ms)`);
      const { views, buffers } = viewsOn(table, column, mapping.bytes.buffer);
      console.log(
        views === buffers
          ? `zero-copy: yes, all ${buffers} buffers of "${column}" are views on the mapping`
          : `zero-copy: no, ${buffers - views} of ${buffers} buffers of "${column}" are copies`,
      );
      const after = memory();
      console.log(
        before && after
          ? `memory: anonymous RSS ${mibChange(after.anon - before.anon)}, mapped file pages ${mibChange(after.file - before.file)} (the page cache's; the file is ${mib(mapping.length)})`
          : `memory: not measured (${NO_MEMORY})`,
      );
    } finally {
      mapping.close();
    }
  } finally {
    if (demo) rmSync(demo, { recursive: true, force: true });
  }
}
