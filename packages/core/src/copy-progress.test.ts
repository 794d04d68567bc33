import assert from "node:assert/strict";
import { describe, it } from "vitest";
import { ProgressLine } from "./copy-progress.ts";

const MiB = 2 ** 20;

/** A ProgressLine on a fake clock, and everything it wrote. */
function line(columns = 80) {
  let now = 1000;
  const written: string[] = [];
  const progress = new ProgressLine({ write: (text: string) => written.push(text), columns }, () => now);
  return { progress, written, advance: (ms: number) => (now += ms) };
}

describe("ProgressLine", () => {
  it("shows the bar, percent, bytes, average rate, elapsed time and ETA", () => {
    const { progress, advance } = line();
    advance(2000);
    progress.update(100 * MiB, 300 * MiB);
    assert.equal(progress.format(), "[#######.............]  33% 100.0 MiB / 300.0 MiB, 50.0 MiB/s, 0:02 elapsed, ETA 0:04");
    advance(3_600_000);
    assert.match(progress.format(), /, 1:00:02 elapsed, ETA 2:00:04$/);
  });

  it("a streamed source gets a byte count; a copy that has not moved yet has no ETA", () => {
    const { progress, advance } = line();
    advance(500);
    progress.update(3 * 1024, NaN);
    assert.equal(progress.format(), "3.0 KiB, 6.0 KiB/s, 0:00 elapsed");
    progress.update(0, 10 * MiB);
    assert.match(progress.format(), /^\[\.{20}\] {3}0% 0 B \/ 10\.0 MiB, 0 B\/s, 0:00 elapsed, ETA -:--$/);
  });

  it("draws on the first update and on every draw() (the CLI's 100 ms timer), in place, padded over longer lines", () => {
    const { progress, written, advance } = line();
    progress.draw();
    assert.equal(written.length, 0, "nothing before the first update");
    advance(1);
    progress.update(10 * 1024 ** 3, 20 * 1024 ** 3);
    assert.equal(written.length, 1);
    // No update between two timer ticks: the line is redrawn anyway, its elapsed time going on.
    advance(100_000);
    progress.draw();
    advance(100);
    progress.draw();
    assert.equal(written.length, 3);
    assert.ok(written.every((w) => w.startsWith("\r")));
    assert.match(written[1]!, /, 1:40 elapsed/);
    progress.update(20 * 1024 ** 3, 20 * 1024 ** 3);
    progress.end();
    const last = written.at(-2)!;
    assert.match(last, /100% 20\.0 GiB \/ 20\.0 GiB, .*, ETA 0:00/);
    assert.ok(last.length >= written[2]!.length, "padded over the longer line before it");
    assert.equal(written.at(-1), "\n");
  });

  it("end() writes nothing if nothing was drawn", () => {
    const { progress, written } = line();
    progress.end();
    assert.equal(written.length, 0);
  });
});
