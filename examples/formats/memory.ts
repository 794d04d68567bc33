// What this process holds in RAM, split the way that tells a copy from a mapping: a file
// read into a buffer is anonymous memory; mapped file pages the program touched are file
// pages (the page cache's own, shared and reclaimable). Linux only (/proc/self/status).
import { readFileSync } from "node:fs";

export interface Memory {
  /** Anonymous resident memory (heap, buffers): RssAnon. */
  anon: number;
  /** Resident file-backed pages, mapped ones among them: RssFile. */
  file: number;
  /** The peak resident set since the process started: VmHWM. */
  peak: number;
}

const KIB = 1024;

/** Why memory() gave undefined. */
export const NO_MEMORY = "/proc/self/status is not readable here: not Linux, or Deno without --allow-all";

/** This process's memory now, in bytes; undefined where there is no /proc (macOS, Windows). */
export function memory(): Memory | undefined {
  let status: string;
  try {
    status = readFileSync("/proc/self/status", "utf8");
  } catch {
    return undefined;
  }
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB$`, "m").exec(status)?.[1] ?? Number.NaN) * KIB;
  return { anon: field("RssAnon"), file: field("RssFile"), peak: field("VmHWM") };
}

/** Bytes as MiB, rounded, for printing. */
export const mib = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MiB`;

/** A change in bytes as signed MiB ("+3 MiB", "-1 MiB"): the garbage collector can make memory shrink meanwhile. */
export const mibChange = (bytes: number) => `${bytes < 0 ? "-" : "+"}${mib(Math.abs(bytes))}`;
