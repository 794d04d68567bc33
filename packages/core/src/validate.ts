import { fileURLToPath } from "node:url";
import { IS_WINDOWS } from "./host.ts";

/** Argument checks shared by every public function: TypeError for a wrong type, RangeError for a wrong value. */

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean" || value === undefined) return String(value);
  return typeof value === "function" ? "a function" : `an ${Array.isArray(value) ? "array" : "object"}`;
}

/** A byte count or offset: a non-negative safe integer given as number or bigint. */
export function toIndex(value: unknown, name: string): number {
  if (typeof value === "bigint") {
    if (value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new RangeError(`${name} must be between 0 and 2^53-1, got ${describe(value)}`);
    }
    return Number(value);
  }
  if (typeof value !== "number") {
    throw new TypeError(`${name} must be a number or bigint, got ${describe(value)}`);
  }
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative integer, got ${describe(value)}`);
  }
  return value;
}

export function optionalIndex(value: unknown, name: string): number | undefined {
  return value === undefined ? undefined : toIndex(value, name);
}

export function oneOf<T extends string>(value: unknown, name: string, allowed: readonly T[]): T {
  if (typeof value !== "string") {
    throw new TypeError(`${name} must be one of ${allowed.map((a) => `"${a}"`).join(", ")}, got ${describe(value)}`);
  }
  if (!(allowed as readonly string[]).includes(value)) {
    throw new RangeError(`${name} must be one of ${allowed.map((a) => `"${a}"`).join(", ")}, got ${describe(value)}`);
  }
  return value as T;
}

export function optionalBoolean(value: unknown, name: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== "boolean") throw new TypeError(`${name} must be a boolean, got ${describe(value)}`);
  return value;
}

/** An options bag: undefined or a plain object. */
export function options<T extends object>(value: unknown, name = "options"): Partial<T> {
  if (value === undefined) return {};
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new TypeError(`${name} must be an object, got ${describe(value)}`);
  }
  return value as Partial<T>;
}

/** File permission bits for a created file, 0 to 0o7777. */
export function fileMode(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const mode = toIndex(value, name);
  if (mode > 0o7777) throw new RangeError(`${name} must be at most 0o7777, got 0o${mode.toString(8)}`);
  return mode;
}

const encoder = new TextEncoder();

/** A path, file: URL, given as string or URL, to a NUL-terminated C string and its display form. */
export function toPath(value: unknown, name: string): { display: string; c: Uint8Array } {
  const display = pathText(value, name);
  return { display, c: cString(display) };
}

/** A path or file: URL, given as string or URL, checked, as the path string it names. */
export function pathText(value: unknown, name: string): string {
  let display: string;
  if (typeof value === "string") {
    display = value;
  } else if (value instanceof URL) {
    if (value.protocol !== "file:") throw new TypeError(`${name} must be a file: URL, got ${value.protocol} URL`);
    // "/C:/dir/file" is no Windows path: fileURLToPath gives "C:\\dir\\file" (and UNC paths for hosts).
    display = IS_WINDOWS ? fileURLToPath(value) : decodeURIComponent(value.pathname);
  } else {
    throw new TypeError(`${name} must be a path string, a file: URL or a file descriptor, got ${describe(value)}`);
  }
  if (display.length === 0) throw new TypeError(`${name} must not be empty`);
  if (display.includes("\0")) throw new TypeError(`${name} must not contain NUL bytes`);
  return display;
}

export function cString(text: string): Uint8Array {
  const out = new Uint8Array(cStringRoom(text));
  return out.subarray(0, encodeCString(text, out) + 1);
}

/** Bytes that any text's UTF-8 and its NUL fit in: at most 3 per UTF-16 unit, plus 1. */
const cStringRoom = (text: string) => text.length * 3 + 1;

/** Writes `text` and a NUL into `out` (cStringRoom bytes at least); the length without the NUL. */
function encodeCString(text: string, out: Uint8Array): number {
  const { written } = encoder.encodeInto(text, out);
  out[written] = 0;
  return written;
}

/** transientCString's buffer, grown to the longest text so far. */
let scratch = new Uint8Array(256);

/**
 * `text` as a NUL-terminated C string in one buffer reused by every call: valid only until the
 * next call, for a string handed straight to one shim call (map()'s path). Allocating a fresh
 * one per call (cString) cost about 2,000 of map()'s 31,000 instructions in node26.
 */
export function transientCString(text: string): Uint8Array {
  if (scratch.length < cStringRoom(text)) scratch = new Uint8Array(cStringRoom(text));
  encodeCString(text, scratch);
  return scratch;
}

export function toFd(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0x7fffffff) {
    throw new RangeError(`${name} must be a file descriptor (a non-negative 32-bit integer), got ${describe(value)}`);
  }
  return value;
}
