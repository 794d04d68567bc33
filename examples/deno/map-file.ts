// Map a file, change it through the view, flush, and show that the file changed.
// Run: deno run --allow-ffi --allow-read --allow-write examples/deno/map-file.ts
import { map } from "@memmap/deno";

const path = await Deno.makeTempFile({ prefix: "memmap-example-", suffix: ".txt" });
await Deno.writeTextFile(path, "hello from a plain file\n");
try {
  using m = map(path, { mode: "readwrite" });
  m.bytes.set(new TextEncoder().encode("HELLO"), 0); // straight into the file's pages
  m.flush();
  await Deno.stdout.write(new TextEncoder().encode(`file now reads: ${await Deno.readTextFile(path)}`));
} finally {
  await Deno.remove(path);
}
