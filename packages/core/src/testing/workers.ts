// One worker script for every runtime and both kinds of Worker: the case's body
// runs inside it with `m` (the runtime package), `send(value)`, `next()` (the
// next message) and `gc()`. Node has only node:worker_threads; Bun and Deno
// also have the web Worker.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

export type WorkerKind = "worker_threads" | "web";

/** The kinds of Worker this runtime has. */
export const WORKER_KINDS: WorkerKind[] = typeof (globalThis as { Worker?: unknown }).Worker === "function" ? ["worker_threads", "web"] : ["worker_threads"];

export interface TestWorker {
  post(value: unknown): void;
  /** The worker's next message; rejects if the worker failed. */
  next(): Promise<unknown>;
  /** Stops the worker and, for node:worker_threads, waits for its exit. */
  terminate(): Promise<void>;
}

let scripts = 0;
/** The worker's first message: it has loaded the runtime package and listens. */
const STARTED = "memmap-test-worker-started";

function script(kind: WorkerKind, entry: string, body: string): string {
  const port =
    kind === "web"
      ? `const send = (v) => self.postMessage(v); self.onmessage = (e) => arrived(e.data);`
      : `const { parentPort } = await import("node:worker_threads");
const send = (v) => parentPort.postMessage(v); parentPort.on("message", arrived);`;
  // The listener comes first: a web Worker drops messages that arrive before it has one.
  return `const inbox = [];
let waiting;
function arrived(v) { if (waiting) { const w = waiting; waiting = undefined; w(v); } else inbox.push(v); }
${port}
const m = await import(${JSON.stringify(entry)});
send("${STARTED}");
const next = () => (inbox.length ? Promise.resolve(inbox.shift()) : new Promise((resolve) => (waiting = resolve)));
const gc = globalThis.gc ?? (globalThis.Bun ? () => globalThis.Bun.gc(true) : () => { throw new Error("no gc in this worker"); });
try {
${body}
} catch (e) {
  send({ workerError: { name: e?.name, code: e?.code, message: String(e?.message ?? e) } });
}
`;
}

/** A worker of `kind` running `body` (see above), its script written into `dir`. */
export async function startWorker(dir: string, entry: string, kind: WorkerKind, body: string): Promise<TestWorker> {
  const file = join(dir, `worker-${scripts++}.mjs`);
  writeFileSync(file, script(kind, entry, body));
  const inbox: unknown[] = [];
  const waiting: { resolve(v: unknown): void; reject(e: unknown): void }[] = [];
  let failed: unknown;
  const arrived = (v: unknown) => {
    const error = (v as { workerError?: { message: string; code?: string; name?: string } } | null)?.workerError;
    if (error) return fail(Object.assign(new Error(`in the worker: ${error.name}: ${error.message}`), { code: error.code, name: error.name }));
    const w = waiting.shift();
    if (w) w.resolve(v);
    else inbox.push(v);
  };
  const fail = (e: unknown) => {
    failed = e;
    for (const w of waiting.splice(0)) w.reject(e);
  };
  const next = () =>
    inbox.length
      ? Promise.resolve(inbox.shift())
      : failed
        ? Promise.reject(failed)
        : new Promise<unknown>((resolve, reject) => waiting.push({ resolve, reject }));
  if (kind === "web") {
    const WebWorker = (globalThis as unknown as { Worker: new (url: string, o: object) => WebWorkerLike }).Worker;
    const w = new WebWorker(pathToFileURL(file).href, { type: "module" });
    w.onmessage = (e) => arrived(e.data);
    w.onerror = (e) => {
      e.preventDefault?.();
      fail(new Error(`the worker failed: ${e.message}`));
    };
    assert.equal(await next(), STARTED);
    return { post: (v) => w.postMessage(v), next, terminate: async () => w.terminate() };
  }
  const { Worker } = await import("node:worker_threads");
  const w = new Worker(pathToFileURL(file));
  const exited = new Promise<void>((resolve) => w.once("exit", () => resolve()));
  w.on("message", arrived);
  w.on("error", fail);
  assert.equal(await next(), STARTED);
  return {
    post: (v) => w.postMessage(v),
    next,
    terminate: async () => {
      await w.terminate();
      await exited;
    },
  };
}

interface WebWorkerLike {
  onmessage: ((e: { data: unknown }) => void) | null;
  onerror: ((e: { message: string; preventDefault?: () => void }) => void) | null;
  postMessage(v: unknown): void;
  terminate(): void;
}
