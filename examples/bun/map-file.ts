// Map a file, change it through the view, flush, and show that the file changed.
// Run: bun examples/bun/map-file.ts
import { map } from "@memmap/bun";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { unlink } from "node:fs/promises";

const path = join(tmpdir(), `memmap-example-${process.pid}.txt`);
await Bun.write(path, "hello from a plain file\n");
try {
  using m = map(path, { mode: "readwrite" });
  m.bytes.set(new TextEncoder().encode("HELLO"), 0); // straight into the file's pages
  m.flush();
  console.write(`file now reads: ${await Bun.file(path).text()}`);
} finally {
  await unlink(path);
}
