// Copies a file through two mappings, window by window.
// Run: deno run --allow-ffi --allow-read --allow-write examples/deno/copy-file.ts [SRC DST]
import { copyFile } from "@memmap/deno";

const [src, dst] = Deno.args;
const demo = src === undefined ? await Deno.makeTempDir({ prefix: "memmap-example-" }) : undefined;
try {
  const from = src ?? `${demo}/source.txt`;
  const to = dst ?? `${demo}/copy.txt`;
  if (demo) await Deno.writeTextFile(from, "copied through two mappings\n".repeat(3));
  const { bytes, strategy } = await copyFile(from, to, { strategy: "mmap" });
  const same = (await Deno.readTextFile(from)) === (await Deno.readTextFile(to));
  console.log(`copied ${bytes} bytes by ${strategy}; identical: ${same}`);
} finally {
  if (demo) await Deno.remove(demo, { recursive: true });
}
