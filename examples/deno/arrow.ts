// Writes an Apache Arrow IPC file (about 1 GiB; --mib=N for another size), maps it, reads it with
// apache-arrow's tableFromIPC straight from the mapping and sums a column, without copying it.
// Run: deno run --allow-ffi --allow-read --allow-write examples/deno/arrow.ts [--mib=N] [--column=NAME] [FILE]
import { map } from "@memmap/deno";
import { arrowExample } from "../formats/arrow.ts";

await arrowExample({ map, makeTempDir: () => Deno.makeTempDirSync({ prefix: "memmap-example-" }) });
