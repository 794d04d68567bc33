// A user's program against @memmap/node's published types, as the README shows the API.
// Compiled, never run: tsc -p e2e/types (npm run typecheck:user, a check of npm test).
import {
  type Advice,
  Channel,
  type ChannelOptions,
  type ChildExit,
  type ChildHandle,
  type CopyOptions,
  type CopyResult,
  type CopyStrategy,
  configure,
  copyFile,
  copyFileSync,
  type ErrnoCode,
  fork,
  inherited,
  type MapMode,
  type MapOptions,
  Mapping,
  map,
  mapAnonymous,
  MmapError,
  type MmapErrorCode,
  Mutex,
  type MutexGuard,
  notify,
  openShared,
  pageSize,
  type Residency,
  unlinkShared,
  wait,
  waitAsync,
  type WaitResult,
} from "@memmap/node";

// Quick start.
const m = map("data.bin", { mode: "readwrite", size: 4096 });
m.bytes[0] = 42;
m.flush();
m.close();
{
  using scoped = map(new URL("file:///tmp/data.bin"), { mode: "read", offset: 1n, length: 10, populate: true, advice: "sequential" });
  const first: number | undefined = scoped.bytes[0];
  void first;
}
map(3, { mode: "copy" });

// Every option of map(), typed as a user would keep them.
const mapOptions: MapOptions = { mode: "readwrite", offset: 0, length: 4096n, size: 4096, populate: false, advice: "willneed", fileMode: 0o600 };
map("data.bin", mapOptions);
const modes: MapMode[] = ["read", "readwrite", "copy"];
const advice: Advice[] = ["normal", "random", "sequential", "willneed", "dontneed", "hugepage", "nohugepage"];
void modes;

// Mapping members.
const mapping: Mapping = mapAnonymous(1 << 20, { name: "scratch", populate: true });
const view: Uint8Array = mapping.view(4096, 16);
const length: number = mapping.length;
const offset: number = mapping.offset;
const mode: MapMode = mapping.mode;
const path: string | undefined = mapping.path;
const closed: boolean = mapping.closed;
const faults: number = mapping.faults;
const truncated: boolean = mapping.truncated;
void [view, length, offset, mode, path, closed, faults, truncated];
mapping.flush({ async: true, offset: 0, length: 4096 });
for (const a of advice) mapping.advise(a, { offset: 0, length: 4096n });
const residency: Residency = mapping.resident({ offset: 0 });
const { pages, resident, bitmap }: { pages: number; resident: number; bitmap: Uint8Array } = residency;
void [pages, resident, bitmap];
mapping.lock();
mapping.unlock();
mapping.resize(2 << 20);
mapping[Symbol.dispose]();

// Copying files.
const progress: CopyOptions["onProgress"] = (copied: number, total: number) => void [copied, total];
const strategies: CopyStrategy[] = ["auto", "clone", "copy_file_range", "mmap"];
const result: CopyResult = await copyFile("in.bin", "out.bin", {
  strategy: strategies[0] ?? "auto",
  overwrite: false,
  exclusive: true,
  durable: true,
  atomic: true,
  windowSize: 16 << 20,
  onProgress: progress,
  signal: AbortSignal.timeout(1000),
});
const { bytes, strategy, ms }: { bytes: number; strategy: "clone" | "copy_file_range" | "mmap" | "stream"; ms: number } = result;
void [bytes, strategy, ms];
copyFileSync(new URL("file:///tmp/in.bin"), "out.bin", { strategy: "mmap", durable: true });

// Sharing memory between processes: the README's fork example.
const { shm } = inherited();
if (shm) {
  const word = new Int32Array(shm.bytes.buffer, 0, 1);
  Atomics.store(word, 0, 42);
  notify(word, 0);
} else {
  const memory = mapAnonymous(4096);
  const child: ChildHandle = fork(import.meta.filename, { share: { shm: memory } });
  const word = new Int32Array(memory.bytes.buffer, 0, 1);
  await Promise.race([waitAsync(word, 0, 0), child.exited]);
  console.log(Atomics.load(word, 0));
  await child.exited;
}

// fork() options and the child handle.
const other = fork(new URL("file:///tmp/child.ts"), {
  share: { m: mapping },
  args: ["--x"],
  env: { A: "1" },
  stdio: "pipe",
  execPath: "/usr/bin/bun",
  runtimeArgs: ["--smol"],
});
const pid: number = other.pid;
other.kill();
other.kill("SIGKILL");
other.stdout?.on("data", (chunk: Buffer) => void chunk);
other.stdin?.end("line\n");
const exit: ChildExit = await other.exited;
const code: number | null = exit.code;
const signal: string | null = exit.signal;
void [pid, code, signal];

// Named shared memory.
const named = openShared("memmap-demo", { size: 4096, create: true, exclusive: false, mode: 0o600 });
unlinkShared("memmap-demo");

// wait / notify.
const i32 = new Int32Array(named.bytes.buffer);
const waited: WaitResult = wait(i32, 0, 0, 100);
const asyncWaited: WaitResult = await waitAsync(i32, 0, 0);
const woke: number = notify(i32, 0, 1);
void [waited, asyncWaited, woke];

// Mutex: a class as a type too.
const mutex: Mutex = new Mutex(i32, 2);
{
  using guard: MutexGuard = mutex.lock(1000);
  if (guard.ownerDied) console.log("repair the state");
}
const maybe: MutexGuard | undefined = mutex.tryLock();
maybe?.unlock();
mutex.lock().unlock();
mutex.unlock;

// Channel: a type too, created with the child's pid as README shows.
const channelOptions: ChannelOptions = { capacity: 1024, peer: other.pid };
const channel: Channel = Channel.create(named, { peer: other.pid });
const attached: Channel = Channel.attach(named);
void [channelOptions, attached];
channel.send("text");
channel.send(new Uint8Array(8), 100);
const message: Uint8Array | null = channel.receive(100);
const into: number | null = channel.receiveInto(new Uint8Array(channel.maxMessage));
await channel.sendAsync("async");
const asyncMessage: Uint8Array | null = await channel.receiveAsync();
channel.sendJson({ hello: [1, "two"] });
const json: { hello: [number, string] } | null = channel.receiveJson<{ hello: [number, string] }>(100);
const unknownJson: unknown = channel.receiveJson();
const asyncJson: number | null = await channel.receiveJsonAsync<number>();
void [message, into, asyncMessage, json, unknownJson, asyncJson];
channel.close();

// The rest of the API.
const size: number = pageSize();
configure({ libraryPath: "/opt/memmap/libmemmap.so" });
void size;

// MmapError: code is a union of exactly the codes memmap raises.
try {
  map("missing.bin");
} catch (e) {
  if (e instanceof MmapError) {
    const c: MmapErrorCode = e.code;
    if (c === "ENOENT" || c === "ERR_MAPPING_CLOSED" || c === "ERR_PEER_GONE") console.log(e.path, e.syscall, e.errno, e.message);
    const errno: number | undefined = e.errno;
    const exitCode: number | null | undefined = e.exitCode;
    const byName: ErrnoCode = "EACCES";
    void [errno, exitCode, byName];
  }
}

// Misuse the types must refuse.
// @ts-expect-error: not a mode
map("data.bin", { mode: "write" });
// @ts-expect-error: offset is a number or bigint
map("data.bin", { offset: "0" });
// @ts-expect-error: with exactOptionalPropertyTypes, an absent option is left out, not undefined
map("data.bin", { mode: undefined });
// @ts-expect-error: not an madvise hint
mapping.advise("sequentially");
// @ts-expect-error: not a strategy
copyFileSync("a", "b", { strategy: "sendfile" });
// @ts-expect-error: onProgress gets numbers
copyFileSync("a", "b", { onProgress: (copied: string) => void copied });
// @ts-expect-error: stdio is one choice for all three streams
fork("child.ts", { stdio: ["pipe", "inherit", "inherit"] });
// @ts-expect-error: share takes Mappings
fork("child.ts", { share: { buffer: new Uint8Array(8) } });
// @ts-expect-error: a Mapping is made by map(), mapAnonymous() or openShared()
new Mapping();
// @ts-expect-error: internal to memmap
Mapping.create;
// @ts-expect-error: internal to memmap
mapping.shareDescriptor();
// @ts-expect-error: internal to memmap
Channel.createOn;
// @ts-expect-error: an inherited mapping may be absent
inherited().shm.bytes;
// @ts-expect-error: not a code memmap raises
const notACode: MmapErrorCode = "ERR_NOPE";
// @ts-expect-error: a Mutex needs an Int32Array
new Mutex(new Uint8Array(8));
// @ts-expect-error: peer is a pid
Channel.create(named, { peer: "child" });
// @ts-expect-error: wait() returns a string result, not a boolean
const waitedBool: boolean = wait(i32, 0, 0);
// @ts-expect-error: receive() may give null
const notNull: Uint8Array = channel.receive();
void [notACode, waitedBool, notNull];
