// Long-running leak checks, runtime-agnostic: each runtime's entry passes its
// memmap and a way to force GC. Counts scale with MEMMAP_SOAK_SCALE (1 = the
// full run of npm run soak; npm test runs a small fraction).
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import type { Memmap } from "@memmap/core";

export type Api = Pick<Memmap, "map" | "copyFileSync" | "backend">;

export interface Check {
  name: string;
  count: number;
  before: Resources;
  after: Resources;
  seconds: number;
  pass: boolean;
  detail: string;
}

interface Resources {
  fds: number;
  maps: number;
  rssMiB: number;
}

function resources(): Resources {
  const status = readFileSync("/proc/self/status", "utf8");
  return {
    fds: readdirSync("/proc/self/fd").length,
    maps: readFileSync("/proc/self/maps", "utf8").split("\n").length,
    rssMiB: Number(status.match(/VmRSS:\s+(\d+)/)![1]) / 1024,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function settle(gc: () => void): Promise<void> {
  for (let i = 0; i < 20; i++) {
    gc();
    await sleep(10);
  }
}

export async function soak(api: Api, gc: () => void, scale = Number(process.env.MEMMAP_SOAK_SCALE ?? 1)): Promise<Check[]> {
  const dir = mkdtempSync(join(tmpdir(), "memmap-soak-"));
  const checks: Check[] = [];
  const measure = async (name: string, count: number, body: () => void | Promise<void>, judge: (b: Resources, a: Resources) => [boolean, string]) => {
    await settle(gc);
    const before = resources();
    const started = performance.now();
    await body();
    await settle(gc);
    const after = resources();
    const [pass, detail] = judge(before, after);
    checks.push({ name, count, before, after, seconds: (performance.now() - started) / 1000, pass, detail });
  };
  try {
    const file = join(dir, "page.bin");
    writeFileSync(file, new Uint8Array(4096).fill(7));
    const cycles = Math.max(1000, Math.round(1_000_000 * scale));
    const cycle = async (count: number) => {
      for (let i = 0; i < count; i++) {
        const m = api.map(file, { offset: i % 64 });
        if (m.view(0, 1)[0] !== 7) throw new Error(`cycle ${i}: wrong byte`);
        m.close();
        // Let the event loop turn now and then, as every real program does: Node runs the
        // release of external ArrayBuffers (koffi.view, Node 22-25) from setImmediate, so a
        // loop that never yields holds ~250 B per view until it does (nodejs/node#26667).
        if (i % 1000 === 999) await new Promise((r) => setTimeout(r, 0));
      }
    };
    // Warm up with the same loop first, so JIT code and the heap sizes the runtime settles
    // on are part of the baseline: a leak grows with the count, a warm-up cost does not.
    await cycle(Math.max(2000, cycles / 10));
    await measure(
      "map/view/close cycles",
      cycles,
      () => cycle(cycles),
      (b, a) => [
        // A few descriptors may be the runtime's own (Deno opens some lazily); a leak would be one per cycle.
        // RSS within 10% (plus 8 MiB of noise for the short runs of npm test).
        a.fds - b.fds <= 4 && a.maps - b.maps < 200 && a.rssMiB <= b.rssMiB * 1.1 + (scale < 1 ? 8 : 0),
        `fds ${b.fds}->${a.fds}, maps ${b.maps}->${a.maps}, RSS ${b.rssMiB.toFixed(1)}->${a.rssMiB.toFixed(1)} MiB`,
      ],
    );

    const dropped = Math.max(500, Math.round(100_000 * scale));
    const marker = join(dir, "dropped.bin");
    writeFileSync(marker, new Uint8Array(4096));
    const mapped = () => readFileSync("/proc/self/maps", "utf8").split(marker).length - 1;
    await measure(
      "mappings dropped without close()",
      dropped,
      async () => {
        // In batches, with the GC given a chance between them, as in a running program: the
        // kernel allows ~65,530 mappings (vm.max_map_count) and GC does not count them.
        for (let done = 0; done < dropped; done += 10_000) {
          for (let i = done; i < Math.min(dropped, done + 10_000); i++) void api.map(marker).bytes[0];
          await settle(gc);
        }
        for (let i = 0; i < 100 && mapped() > 0; i++) await settle(gc);
      },
      (b, a) => [mapped() === 0 && a.fds - b.fds <= 4, `${mapped()} of ${dropped} still mapped after GC; fds ${b.fds}->${a.fds}`],
    );

    const copies = Math.max(20, Math.round(1000 * scale));
    const src = join(dir, "src.bin");
    writeFileSync(src, new Uint8Array(2 ** 20).fill(3));
    await measure(
      "copies of 1 MiB (atomic, mmap and auto)",
      copies,
      () => {
        for (let i = 0; i < copies; i++) {
          api.copyFileSync(src, join(dir, "dst.bin"), { atomic: i % 2 === 0, strategy: i % 3 === 0 ? "mmap" : "auto" });
        }
      },
      (b, a) => {
        const left = readdirSync(dir).filter((n) => n.includes("memmap-tmp"));
        return [left.length === 0 && a.fds - b.fds <= 4 && existsSync(join(dir, "dst.bin")), `temp files left: ${left.length}; fds ${b.fds}->${a.fds}`];
      },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return checks;
}
