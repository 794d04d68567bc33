// npm run demo: the fork scenario on all three runtimes, one after another:
// a parent maps a file and forks, the child reads a line from stdin into the
// mapping, the parent waits for it and prints it.
import { spawnSync } from "node:child_process";
import { exampleCommand, RUNTIMES } from "./examples.ts";
import { ROOT } from "./runtimes.ts";

let failed = 0;
for (const runtime of RUNTIMES) {
  const [command, args] = exampleCommand(runtime, "ipc-fork");
  const line = `hello from ${runtime}, piped in by npm run demo`;
  console.log(`\n== ${runtime}: echo "${line}" | examples/${runtime}/ipc-fork.ts`);
  const r = spawnSync(command, args, { cwd: ROOT, input: `${line}\n`, stdio: ["pipe", "inherit", "inherit"], timeout: 60_000 });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
