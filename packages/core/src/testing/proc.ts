import { readFileSync } from "node:fs";

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
