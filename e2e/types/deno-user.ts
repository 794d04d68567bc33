// A user's Deno program against @memmap/deno, checked by deno check (Deno's own types), as the
// README's Deno quick start shows it.
import { type Channel, map, MmapError, type MmapErrorCode, type Mutex, openShared, unlinkShared } from "@memmap/deno";

using m = map("data.bin", { mode: "readwrite" });
m.bytes[0] = 42;

function describeFailure(e: unknown): MmapErrorCode | "other" {
  return e instanceof MmapError ? e.code : "other";
}
const shared = openShared("deno-user", { size: 4096, create: true });
unlinkShared("deno-user");
const kept: { mutex?: Mutex; channel?: Channel } = {};
void [describeFailure, shared, kept];
// @ts-expect-error: not a mode
map("data.bin", { mode: "rw" });
// @ts-expect-error: not a code memmap raises
const nope: MmapErrorCode = "ERR_NOPE";
void nope;
