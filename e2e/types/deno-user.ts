// A user's Deno program against @memmap/deno (checked by deno check, with Deno's own types).
import { type Channel, map, mapAnonymous, MmapError, type MmapErrorCode, Mutex } from "@memmap/deno";

using m = map("data.bin", { mode: "readwrite", size: 4096 });
m.bytes[0] = 42;
const shm = mapAnonymous(4096);
const mutex: Mutex = new Mutex(new Int32Array(shm.bytes.buffer), 0);
const channel: Channel | null = null;
const code: MmapErrorCode = "ERR_CHANNEL_CLOSED";
const isError: boolean = new Error() instanceof MmapError;
void [mutex, channel, code, isError];
// @ts-expect-error: not a mode
map("data.bin", { mode: "rw" });
