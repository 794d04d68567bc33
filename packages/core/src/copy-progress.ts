/** memmap-cp's progress line: a bar (or a byte count for a streamed source), rate, elapsed time, ETA. */

/** How often the CLI redraws the line, whatever the copy's window size. */
export const PROGRESS_INTERVAL_MS = 100;

/** Bytes in binary units: "96.0 MiB". */
export function human(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  for (; bytes >= 1024 && i < units.length - 1; i++) bytes /= 1024;
  return `${bytes.toFixed(i ? 1 : 0)} ${units[i]}`;
}

/** Seconds as m:ss, or h:mm:ss from an hour on. */
function clock(seconds: number): string {
  const s = Math.floor(seconds);
  const mmss = `${Math.floor((s % 3600) / 60)}:${String(s % 60).padStart(2, "0")}`;
  return s >= 3600 ? `${Math.floor(s / 3600)}:${mmss.padStart(5, "0")}` : mmss;
}

/**
 * Keeps the latest progress and draws it on demand: `update()` records, `draw()` (on a timer) and
 * `end()` write. The line is redrawn in place with `\r`, padded over a longer previous one.
 */
export class ProgressLine {
  #out: { write(text: string): unknown; columns?: number };
  #now: () => number;
  #started: number;
  #copied = 0;
  #total = NaN;
  #seen = false;
  #width = 0;

  constructor(out: { write(text: string): unknown; columns?: number }, now: () => number = () => performance.now()) {
    this.#out = out;
    this.#now = now;
    this.#started = now();
  }

  /** The bytes done and the total (NaN: a streamed source, whose size is known at its end). */
  update(copied: number, total: number): void {
    this.#copied = copied;
    this.#total = total;
    if (!this.#seen) {
      this.#seen = true;
      this.draw();
    }
  }

  /** Writes the line as it stands now; nothing before the first update. */
  draw(): void {
    if (!this.#seen) return;
    const line = this.format();
    this.#out.write(`\r${line.padEnd(this.#width)}`);
    this.#width = line.length;
  }

  /** A final draw and the newline, if anything was drawn. */
  end(): void {
    if (!this.#seen) return;
    this.draw();
    this.#out.write("\n");
  }

  /** The line without `\r`. */
  format(): string {
    const seconds = (this.#now() - this.#started) / 1000;
    const rate = seconds > 0 ? this.#copied / seconds : 0;
    const times = `${human(rate)}/s, ${clock(seconds)} elapsed`;
    // A streamed source has no total to draw a bar against: its bytes are counted.
    if (Number.isNaN(this.#total)) return `${human(this.#copied)}, ${times}`;
    const total = this.#total;
    const fraction = total === 0 ? 1 : this.#copied / total;
    const barWidth = Math.max(10, Math.min(40, (this.#out.columns ?? 80) - 60));
    const filled = Math.round(fraction * barWidth);
    const eta = this.#copied >= total ? "0:00" : rate > 0 ? clock((total - this.#copied) / rate) : "-:--";
    return `[${"#".repeat(filled)}${".".repeat(barWidth - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}% ${human(this.#copied)} / ${human(total)}, ${times}, ETA ${eta}`;
  }
}
