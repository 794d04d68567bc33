// Copies a file through two mappings, window by window.
// Run: bun examples/bun/copy-file.ts [SRC DST]   (without arguments it copies a demo file)
import { copyFile } from "@memmap/bun";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [src, dst] = Bun.argv.slice(2);
const demo = src === undefined ? mkdtempSync(join(tmpdir(), "memmap-example-")) : undefined;
try {
  const from = src ?? join(demo!, "source.txt");
  const to = dst ?? join(demo!, "copy.txt");
  if (demo) await Bun.write(from, "copied through two mappings\n".repeat(3));
  const { bytes, strategy } = await copyFile(from, to, { strategy: "mmap" });
  const same = (await Bun.file(from).text()) === (await Bun.file(to).text());
  console.log(`copied ${bytes} bytes by ${strategy}; identical: ${same}`);
} finally {
  if (demo) rmSync(demo, { recursive: true, force: true });
}
