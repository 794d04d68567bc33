// Bun entry: bun bench/run-bun.ts <group> [dir]. Also measures Bun's own
// Bun.mmap, Bun.write(dst, Bun.file(src)) and Bun.spawn({ ipc }).
import * as memmap from "@memmap/bun";
import { type IpcChild, runEntry } from "./groups.ts";

function bunSpawnIpc(script: string, serialization: "json" | "advanced"): IpcChild {
  let listener: (message: unknown) => void = () => {};
  const child = Bun.spawn({
    cmd: [process.execPath, script, serialization],
    serialization,
    ipc: (message) => listener(message),
    stdio: ["ignore", "ignore", "inherit"],
  });
  return {
    send: (message) => void child.send(message),
    onMessage: (l) => void (listener = l),
    kill: () => child.kill("SIGKILL"),
    exited: child.exited,
  };
}

await runEntry(memmap, {
  entry: import.meta.resolve("@memmap/bun"),
  mapFile: { "Bun.mmap": (path) => Bun.mmap(path) },
  copyFile: { name: "Bun.write", copy: async (src, dst) => void (await Bun.write(dst, Bun.file(src))) },
  spawnIpc: { "Bun.spawn ipc": bunSpawnIpc },
});
