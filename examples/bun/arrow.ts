// Writes an Apache Arrow IPC file (about 1 GiB; --mib=N for another size), maps it, reads it with
// apache-arrow's tableFromIPC straight from the mapping and sums a column, without copying it.
// Run: bun examples/bun/arrow.ts [--mib=N] [--column=NAME] [FILE]   (a FILE of yours instead of the demo)
import { map } from "@memmap/bun";
import { arrowExample } from "../formats/arrow.ts";

await arrowExample({ map });
