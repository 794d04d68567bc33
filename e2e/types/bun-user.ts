// A user's program against @memmap/bun's published types (the same API as @memmap/node).
import { type Channel, map, mapAnonymous, type MmapErrorCode, Mutex } from "@memmap/bun";

using m = map("data.bin", { mode: "readwrite", size: 4096 });
m.bytes[0] = 42;
const shm = mapAnonymous(4096);
const mutex: Mutex = new Mutex(new Int32Array(shm.bytes.buffer), 0);
const channel: Channel | null = null;
const code: MmapErrorCode = "ERR_CHANNEL_CLOSED";
void [mutex, channel, code];
// @ts-expect-error: not a mode
map("data.bin", { mode: "rw" });
