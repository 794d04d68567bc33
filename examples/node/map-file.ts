// Map a file, change it through the view, flush, and show that the file changed.
// Run: node examples/node/map-file.ts   (Node 22.18+ runs TypeScript directly)
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { map } from "@memmap/node";

const path = join(tmpdir(), `memmap-example-${process.pid}.txt`);
writeFileSync(path, "hello from a plain file\n");
try {
  const m = map(path, { mode: "readwrite" });
  m.bytes.set(new TextEncoder().encode("HELLO"), 0); // straight into the file's pages
  m.flush();
  m.close();
  process.stdout.write(`file now reads: ${readFileSync(path, "utf8")}`);
} finally {
  rmSync(path, { force: true });
}
