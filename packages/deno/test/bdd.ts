// describe/it over Deno.test, so the conformance suite needs no registry but npm.
const stack: string[] = [];

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

export function it(name: string, fn: () => void | Promise<void>): void {
  // Child processes and file handles are the cases' subject, and each case cleans up after itself.
  Deno.test({ name: fullName(name), fn, sanitizeResources: false, sanitizeOps: false });
}

export function skip(name: string, reason: string): void {
  Deno.test({ name: `${fullName(name)} [skipped: ${reason}]`, ignore: true, fn: () => {} });
}
