// Builds native/test/guard-stress.c from the shim's own sources with the test hooks
// compiled in, and runs it: plainly, or under AddressSanitizer.
//   node scripts/guard-stress.ts [--asan] [iterations]
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { LINUX_SOURCES } from "./recipes.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

export interface GuardStressResult {
  ok: boolean;
  output: string;
}

export function guardStress({ asan = false, iterations }: { asan?: boolean; iterations?: number } = {}): GuardStressResult {
  const scratch = mkdtempSync(join(tmpdir(), "memmap-guard-stress-"));
  try {
    const exe = join(scratch, "guard-stress");
    const sanitize = asan ? ["-fsanitize=address", "-fno-omit-frame-pointer"] : [];
    const sources = [join(root, "test", "guard-stress.c"), ...LINUX_SOURCES.map((s) => join(root, "src", s))];
    execFileSync(
      process.env.CC ?? "cc",
      ["-O2", "-g", "-Wall", "-Wextra", "-Werror", "-std=c11", "-pthread", "-DMEMMAP_TEST_HOOKS", "-Wl,--wrap=sigaction", ...sanitize, "-o", exe, ...sources],
      { stdio: "pipe" },
    );
    // AddressSanitizer takes SIGBUS for itself and ignores sigaction() for it unless told not to.
    const env = { ...process.env, ASAN_OPTIONS: "handle_sigbus=0:allow_user_segv_handler=1" };
    const r = spawnSync(exe, [scratch, ...(iterations ? [String(iterations)] : [])], { env, encoding: "utf8", timeout: 300_000 });
    return { ok: r.status === 0, output: `${r.stdout}${r.stderr}${r.error ? String(r.error) : ""}`.trim() };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const iterations = args.find((a) => /^\d+$/.test(a));
  const r = guardStress({ asan: args.includes("--asan"), iterations: iterations ? Number(iterations) : undefined });
  console.log(r.output);
  process.exit(r.ok ? 0 : 1);
}
