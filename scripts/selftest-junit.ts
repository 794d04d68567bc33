// The C self-tests as a JUnit report, so npm test counts them as it counts every suite:
//   node scripts/selftest-junit.ts <report.xml> <target>...
// A Linux target's self-test (native/scripts/selftest.ts, under qemu for arm64) is one case;
// win32-x64's (scripts/windows/selftest.c, built by the windows group's preparation, under
// wine) is a case per check it prints.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { type LinuxTarget, selftest } from "../native/scripts/selftest.ts";
import { type Case, writeJunit } from "./junit.ts";
import { CACHE, command, RUNTIMES } from "./runtimes.ts";

const [junit, ...targets] = process.argv.slice(2);
const cases: Case[] = [];
for (const target of targets) {
  if (target !== "win32-x64") {
    const r = selftest(target as LinuxTarget);
    console.log(`C self-test ${target}: ${r.output}`);
    cases.push({ name: `C self-test ${target}`, failure: r.ok ? undefined : r.output.split("\n").slice(-5).join("\n") });
    continue;
  }
  // Any runtime of the Windows row starts through the same launcher, with its environment.
  const windows = RUNTIMES["windows-bun"];
  const [program, args] = command({ ...windows, binary: join(CACHE, "selftest.exe") }, []);
  const r = spawnSync(program, args, { cwd: CACHE, env: { ...process.env, ...windows.env }, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  process.stdout.write(r.stdout ?? "");
  // Windows programs end their lines with \r\n.
  for (const line of (r.stdout ?? "").split(/\r?\n/)) {
    const check = /^(ok|FAIL)\s+(.*)$/.exec(line);
    if (check) cases.push({ name: `C self-test win32-x64: ${check[2]}`, failure: check[1] === "FAIL" ? line : undefined });
  }
  if (r.status !== 0 && !cases.some((c) => c.failure)) cases.push({ name: "C self-test win32-x64 exits with 0", failure: `exit ${r.status ?? r.signal}` });
}
writeJunit(junit!, "selftest", cases);
process.exit(cases.some((c) => c.failure) ? 1 : 0);
