import assert from "node:assert/strict";
import { describe, it } from "vitest";
import { cString, fileMode, oneOf, options, toIndex, toPath } from "./validate.ts";

describe("toIndex", () => {
  it("accepts non-negative safe integers as number or bigint", () => {
    assert.equal(toIndex(0, "x"), 0);
    assert.equal(toIndex(2 ** 53 - 1, "x"), 2 ** 53 - 1);
    assert.equal(toIndex(5n, "x"), 5);
  });
  it("gives RangeError for negative, fractional, NaN, infinite or too large values", () => {
    for (const v of [-1, 0.5, Number.NaN, Infinity, -Infinity, 2 ** 53, -1n, 2n ** 53n]) {
      assert.throws(
        () => toIndex(v, "offset"),
        (e: unknown) => e instanceof RangeError && /offset/.test((e as Error).message),
        String(v),
      );
    }
  });
  it("gives TypeError for other types, naming the argument", () => {
    for (const v of ["1", null, undefined, {}, [], true]) {
      assert.throws(
        () => toIndex(v, "length"),
        (e: unknown) => e instanceof TypeError && /length/.test((e as Error).message),
      );
    }
  });
});

describe("oneOf / options / fileMode", () => {
  it("lists the allowed values in the message", () => {
    assert.throws(() => oneOf("x", "mode", ["read", "copy"]), /"read", "copy"/);
    assert.throws(() => oneOf(1, "mode", ["read"]), TypeError);
    assert.equal(oneOf("copy", "mode", ["read", "copy"]), "copy");
  });
  it("options must be an object", () => {
    assert.deepEqual(options(undefined), {});
    assert.throws(() => options(null), TypeError);
    assert.throws(() => options([]), TypeError);
    assert.throws(() => options("x"), TypeError);
  });
  it("fileMode is 0..0o7777", () => {
    assert.equal(fileMode(undefined, "m", 0o666), 0o666);
    assert.equal(fileMode(0o600, "m", 0), 0o600);
    assert.throws(() => fileMode(0o10000, "m", 0), RangeError);
  });
});

describe("paths", () => {
  it("encodes a NUL-terminated UTF-8 string", () => {
    assert.deepEqual([...cString("é")], [0xc3, 0xa9, 0]);
  });
  it("takes strings and file: URLs, and refuses the rest", () => {
    assert.equal(toPath("/a b", "p").display, "/a b");
    assert.equal(toPath(new URL("file:///tmp/a%20b"), "p").display, "/tmp/a b");
    assert.throws(() => toPath(new URL("http://x/y"), "p"), TypeError);
    assert.throws(() => toPath("", "p"), TypeError);
    assert.throws(() => toPath("a\0", "p"), TypeError);
    assert.throws(() => toPath(Buffer.from("x"), "p"), TypeError);
  });
});
