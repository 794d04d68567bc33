import { readdirSync, readFileSync } from "node:fs";
import process from "node:process";

/**
 * The fields of /proc/<pid>/stat after the command name (state first, so field 3 of proc(5)
 * is index 0), or undefined once the process is gone. The name is cut at the last ")": it may
 * itself hold spaces and parentheses.
 */
export function procStatFields(pid: number): string[] | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

/** The state letter of /proc/<pid>/stat ("Z" for a zombie), or "gone". */
export function procState(pid: number): string {
  return procStatFields(pid)?.[0] ?? "gone";
}

/** Pids of the processes (but this one) whose command line holds `text`. */
export function processesNaming(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(text)) pids.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}
