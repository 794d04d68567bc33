// safetensors over a mapping: a reader and a writer of the published format (an 8-byte
// little-endian header length, a JSON header, then the tensors' bytes), and the logic of
// examples/<runtime>/safetensors.ts. Also used by the e2e test and the "formats" benchmark.
import { closeSync, openSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { defaultTempDir, type ExampleRuntime } from "./example-runtime.ts";

/** Each dtype's typed array. F16 and BF16 come as their raw 16-bit patterns: not every runtime has Float16Array. */
const DTYPES = {
  F64: Float64Array,
  F32: Float32Array,
  F16: Uint16Array,
  BF16: Uint16Array,
  I64: BigInt64Array,
  I32: Int32Array,
  I16: Int16Array,
  I8: Int8Array,
  U64: BigUint64Array,
  U32: Uint32Array,
  U16: Uint16Array,
  U8: Uint8Array,
  BOOL: Uint8Array,
} as const;
export type Dtype = keyof typeof DTYPES;
export type TensorData = InstanceType<(typeof DTYPES)[Dtype]>;

/** The format's own limit on the header, against a corrupt length asking for gigabytes. */
const MAX_HEADER = 100_000_000;
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

export interface Tensor {
  name: string;
  dtype: Dtype;
  shape: number[];
  data: TensorData;
  /** Whether `data` is a view on the bytes read (false: a copy, because the tensor's offset does not suit its typed array). */
  zeroCopy: boolean;
  /** Where the tensor's bytes start in the file. */
  fileOffset: number;
}

interface HeaderEntry {
  dtype: unknown;
  shape: unknown;
  data_offsets: unknown;
}

const elementsOf = (shape: number[]) => shape.reduce((n, d) => n * d, 1);

function isDtype(dtype: unknown): dtype is Dtype {
  return typeof dtype === "string" && Object.hasOwn(DTYPES, dtype);
}

/** The header's length and JSON, checked against the bytes there are. */
function parseHeader(bytes: Uint8Array): { header: Record<string, unknown>; dataStart: number } {
  if (bytes.length < 8)
    throw new RangeError(`${bytes.length} bytes are too few for a safetensors file (8 bytes of header length come first): is this the right file?`);
  const length = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (length > BigInt(Math.min(MAX_HEADER, bytes.length - 8))) {
    throw new RangeError(
      `the header length says ${length} bytes, but ${bytes.length - 8} follow (and the format allows at most ${MAX_HEADER}): the file is truncated, or not safetensors`,
    );
  }
  const dataStart = 8 + Number(length);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, dataStart)));
  } catch (cause) {
    throw new TypeError(`the safetensors header (bytes 8 to ${dataStart}) is not JSON in UTF-8: the file is corrupt, or not safetensors`, { cause });
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) {
    throw new TypeError("the safetensors header is JSON but not an object of tensors: the file is corrupt, or not safetensors");
  }
  return { header: header as Record<string, unknown>, dataStart };
}

/**
 * Reads the tensors of a safetensors file from its bytes (a mapping's, say). A tensor whose
 * offset is a multiple of its element size is a view on `bytes`, zero-copy; any other is a
 * copy (`zeroCopy: false`), since a typed array view needs an aligned byte offset.
 */
export function readSafetensors(bytes: Uint8Array): { metadata: Record<string, string>; tensors: Tensor[] } {
  const { header, dataStart } = parseHeader(bytes);
  const { __metadata__: metadata = {}, ...entries } = header;
  const dataLength = bytes.length - dataStart;
  const tensors: Tensor[] = [];
  for (const [name, entry] of Object.entries(entries as Record<string, HeaderEntry>)) {
    const { dtype, shape, data_offsets: offsets } = entry ?? {};
    if (!isDtype(dtype)) throw new TypeError(`tensor "${name}" has dtype ${JSON.stringify(dtype)}; this reader knows ${Object.keys(DTYPES).join(", ")}`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new TypeError(`tensor "${name}" has shape ${JSON.stringify(shape)}, not a list of whole numbers 0 or more: the header is corrupt`);
    }
    const [begin, end] = Array.isArray(offsets) ? offsets : [];
    const Array_ = DTYPES[dtype];
    const size = elementsOf(shape) * Array_.BYTES_PER_ELEMENT;
    if (!Number.isSafeInteger(begin) || !Number.isSafeInteger(end) || begin < 0 || end > dataLength || end - begin !== size) {
      throw new RangeError(
        `tensor "${name}" has data_offsets ${JSON.stringify(offsets)}, but ${dtype} ${JSON.stringify(shape)} needs ${size} bytes within the ${dataLength} of data: the header is corrupt or the file truncated`,
      );
    }
    const at = bytes.byteOffset + dataStart + begin;
    if (Array_.BYTES_PER_ELEMENT > 1 && !LITTLE_ENDIAN)
      throw new RangeError("safetensors data is little-endian and this machine is not: read it with a DataView");
    const zeroCopy = at % Array_.BYTES_PER_ELEMENT === 0;
    const data = zeroCopy
      ? new Array_(bytes.buffer as ArrayBuffer, at, size / Array_.BYTES_PER_ELEMENT) // (a SharedArrayBuffer works as well)
      : new Array_(bytes.slice(dataStart + begin, dataStart + end).buffer);
    tensors.push({ name, dtype, shape, data, zeroCopy, fileOffset: dataStart + begin });
  }
  // The format leaves no holes: the tensors cover the data exactly, one after another.
  let covered = 0;
  for (const t of [...tensors].sort((a, b) => a.fileOffset - b.fileOffset)) {
    if (t.fileOffset - dataStart !== covered) {
      throw new RangeError(
        `tensor "${t.name}" starts at byte ${t.fileOffset - dataStart} of the data, where ${covered} was expected: the tensors overlap or leave a hole`,
      );
    }
    covered += t.data.byteLength;
  }
  if (covered !== dataLength)
    throw new RangeError(`the tensors cover ${covered} bytes of data, but ${dataLength} follow the header: the file has trailing bytes`);
  return { metadata: metadata as Record<string, string>, tensors };
}

/** A tensor to write: `data()` makes its values when their turn comes, so one tensor at a time is in memory. */
export interface TensorSource {
  name: string;
  dtype: Dtype;
  shape: number[];
  data: () => TensorData;
}

/**
 * Writes a safetensors file: the tensors in the order given, back to back (as the format
 * lays them out), after a header padded with spaces to a multiple of 8 bytes (as the
 * reference writer does), so the data starts 8-aligned.
 */
export function writeSafetensors(path: string, tensors: TensorSource[], metadata: Record<string, string> = {}): void {
  const header: Record<string, unknown> = Object.keys(metadata).length > 0 ? { __metadata__: metadata } : {};
  let offset = 0;
  for (const { name, dtype, shape } of tensors) {
    const size = elementsOf(shape) * DTYPES[dtype].BYTES_PER_ELEMENT;
    header[name] = { dtype, shape, data_offsets: [offset, offset + size] };
    offset += size;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - ((new TextEncoder().encode(json).length + 8) % 8)) % 8);
  const encoded = new TextEncoder().encode(json);
  const length = new Uint8Array(8);
  new DataView(length.buffer).setBigUint64(0, BigInt(encoded.length), true);
  const fd = openSync(path, "w");
  try {
    writeSync(fd, length);
    writeSync(fd, encoded);
    for (const t of tensors) {
      const data = t.data();
      if (!(data instanceof DTYPES[t.dtype]) || data.length !== elementsOf(t.shape)) {
        throw new RangeError(
          `tensor "${t.name}": data() gave ${data.length} values in a ${data.constructor.name}, ${t.dtype} ${JSON.stringify(t.shape)} needs ${elementsOf(t.shape)}`,
        );
      }
      writeSync(fd, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    }
  } finally {
    closeSync(fd);
  }
}

/** The sum of a tensor's values (raw 16-bit patterns for F16 and BF16): a bigint for 64-bit integers. */
export function sumTensor(data: TensorData): number | bigint {
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    let sum = 0n;
    for (let i = 0; i < data.length; i++) sum += data[i]!;
    return sum;
  }
  let sum = 0;
  for (let i = 0; i < data.length; i++) sum += data[i]!;
  return sum;
}

/**
 * The demo model: small, with a BOOL tensor of odd length before an F32 one, as a writer may
 * lay them out (the format pads only the header): that F32 tensor cannot be a view.
 */
export const DEMO_TENSORS: TensorSource[] = [
  { name: "embedding.weight", dtype: "F32", shape: [1024, 1024], data: () => Float32Array.from({ length: 1024 * 1024 }, (_, i) => (i % 251) / 8) },
  { name: "layer.bias", dtype: "F64", shape: [1024], data: () => Float64Array.from({ length: 1024 }, (_, i) => i / 4) },
  { name: "positions", dtype: "I64", shape: [2048], data: () => BigInt64Array.from({ length: 2048 }, (_, i) => BigInt(i) * 3n) },
  { name: "mask", dtype: "BOOL", shape: [1021], data: () => Uint8Array.from({ length: 1021 }, (_, i) => (i % 3) & 1) },
  { name: "scale", dtype: "F32", shape: [255], data: () => Float32Array.from({ length: 255 }, (_, i) => 1 + i / 16) },
];

/** The example: `safetensors.ts [FILE]`. Without FILE it writes the demo model in a temporary folder, and removes it at the end. */
export function safetensorsExample({ map, makeTempDir = defaultTempDir }: ExampleRuntime, argv = process.argv.slice(2)): void {
  const demo = argv[0] === undefined ? makeTempDir() : undefined;
  try {
    const path = argv[0] ?? join(demo!, "model.safetensors");
    if (demo) writeSafetensors(path, DEMO_TENSORS, { format: "pt" });
    const mapping = map(path);
    try {
      // The zero-copy tensors are views on the mapping: use them only while it is open.
      const { tensors } = readSafetensors(mapping.bytes);
      for (const t of tensors) {
        const how = t.zeroCopy
          ? "zero-copy"
          : `copied: it starts at byte ${t.fileOffset} of the file, and ${t.data.constructor.name} views need offsets that are multiples of ${t.data.BYTES_PER_ELEMENT}`;
        console.log(`${t.name} ${t.dtype} [${t.shape.join(",")}] sum ${sumTensor(t.data)} ${how}`);
      }
      // Counted by what the arrays really are, not by what the reader says.
      const views = tensors.filter((t) => t.data.buffer === mapping.bytes.buffer).length;
      console.log(`${views} of ${tensors.length} tensors are views on the mapping`);
    } finally {
      mapping.close();
    }
  } finally {
    if (demo) rmSync(demo, { recursive: true, force: true });
  }
}
