// describe/it over Deno.test, so the conformance suite needs no registry but npm.
import { TIMEOUT_SCALE } from "../../../scripts/child-runtimes.ts";

const stack: string[] = [];

/** A case's limit unless it names one: the same default as the bun test and node:test adapters. */
const DEFAULT_TIMEOUT_MS = 5000;

export function describe(name: string, body: () => void): void {
  stack.push(name);
  try {
    body();
  } finally {
    stack.pop();
  }
}

function fullName(name: string): string {
  return [...stack, name].join(" > ");
}

/**
 * Deno.test has no timeout, so a case that never settles would hang the suite. This fails it
 * after timeoutMs instead (what it started runs on), and fails one that held the thread past
 * it once it returns. A case blocked for good cannot be interrupted from here:
 * scripts/run-suite.ts's limit on the whole suite ends that.
 */
export function it(name: string, fn: () => void | Promise<void>, timeoutMs = DEFAULT_TIMEOUT_MS): void {
  const limit = timeoutMs * TIMEOUT_SCALE;
  // Child processes and file handles are the cases' subject, and each case cleans up after itself.
  Deno.test({ name: fullName(name), sanitizeResources: false, sanitizeOps: false, fn: () => withTimeout(fn, limit) });
}

async function withTimeout(fn: () => void | Promise<void>, limit: number): Promise<void> {
  const message = `timed out: the case took longer than its ${limit} ms (if it is only slow, pass a longer timeout as it()'s third argument)`;
  const started = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), limit);
  });
  try {
    await Promise.race([Promise.resolve().then(fn), expired]);
  } finally {
    clearTimeout(timer);
  }
  // A case that held the thread past its limit settled before the timer could run: it fails all the same, as under bun test.
  if (performance.now() - started > limit) throw new Error(message);
}

export function skip(name: string, reason: string): void {
  Deno.test({ name: `${fullName(name)} [skipped: ${reason}]`, ignore: true, fn: () => {} });
}
