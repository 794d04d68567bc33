// memmap-cp for Node, once memmap-cp.ts has checked the Node version.
import { runCopyCli } from "@memmap/core/backend";
import { copyFile } from "@memmap/node";

await runCopyCli("memmap-cp", new URL("../../package.json", import.meta.url), copyFile);
