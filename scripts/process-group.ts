// A child that leads a process group of its own (spawn's `detached: true`), so that it and
// everything it started can be signalled at once, by the scripts that run suites and rounds.

/** The signals that end a run from outside (Ctrl-C, kill, a closed terminal): passed on to the group. */
export const STOP_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/** Sends `signal` to the process group `pid` leads; nothing if nobody is left in it. */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group has no members left.
  }
}
