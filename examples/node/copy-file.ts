// Copies a file through two mappings, window by window.
// Run: node examples/node/copy-file.ts [SRC DST]   (without arguments it copies a demo file)
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { copyFile } from "@memmap/node";

const [src, dst] = process.argv.slice(2);
const demo = src === undefined ? mkdtempSync(join(tmpdir(), "memmap-example-")) : undefined;
try {
  const from = src ?? join(demo!, "source.txt");
  const to = dst ?? join(demo!, "copy.txt");
  if (demo) writeFileSync(from, "copied through two mappings\n".repeat(3));
  const { bytes, strategy } = await copyFile(from, to, { strategy: "mmap" });
  console.log(`copied ${bytes} bytes by ${strategy}; identical: ${readFileSync(from).equals(readFileSync(to))}`);
} finally {
  if (demo) rmSync(demo, { recursive: true, force: true });
}
