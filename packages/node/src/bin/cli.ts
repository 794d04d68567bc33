// memmap-cp for Node, once memmap-cp.ts has checked the Node version.
import { copyCli, packageOf } from "@memmap/core/backend";
import { copyFile } from "@memmap/node";

process.exitCode = await copyCli(process.argv.slice(2), {
  copyFile,
  program: "memmap-cp",
  stdout: process.stdout,
  stderr: process.stderr,
  version: packageOf(new URL("../../package.json", import.meta.url)),
  env: (name) => process.env[name],
});
