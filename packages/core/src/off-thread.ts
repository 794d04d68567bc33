import type { URL } from "node:url";
import { parentPort, Worker, workerData } from "node:worker_threads";
import { ABI, type AbiCall, offThreadCalls, type OffThreadCalls } from "./abi.ts";

/** An argument of an off-thread call. */
export type OffThreadArg = number | bigint;
interface Request {
  id: number;
  op: string;
  args: OffThreadArg[];
}
interface Reply {
  id: number;
  result?: bigint;
  error?: string;
}

/**
 * Runs slow shim calls (a window of a copy) on a worker thread, for FFIs that
 * cannot call off the JS thread themselves (bun:ffi, node:ffi). The worker
 * opens its own handle on the same shim; it is unref'ed while idle, so it never
 * keeps a process alive. node:worker_threads exists in Bun, Deno and Node alike.
 */
export class OffThread {
  #worker: Worker | undefined;
  #pending = new Map<number, { resolve(v: bigint): void; reject(e: Error): void }>();
  #next = 0;
  readonly #url: URL;
  readonly #libraryPath: string;

  /** A thread that will load `workerUrl` (which calls serveOffThread) on first use, with the shim at `libraryPath`. */
  constructor(workerUrl: URL, libraryPath: string) {
    this.#url = workerUrl;
    this.#libraryPath = libraryPath;
  }

  /** Runs ABI call `op` on the worker; resolves to its raw result. */
  call(op: string, args: OffThreadArg[]): Promise<bigint> {
    const worker = (this.#worker ??= this.#start());
    if (this.#pending.size === 0) worker.ref();
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.postMessage({ id, op, args } satisfies Request);
    });
  }

  #start(): Worker {
    const worker = new Worker(this.#url, { workerData: { libraryPath: this.#libraryPath } });
    worker.on("message", (reply: Reply) => {
      const waiter = this.#pending.get(reply.id);
      this.#pending.delete(reply.id);
      if (this.#pending.size === 0) worker.unref();
      if (reply.error !== undefined) waiter?.reject(new Error(reply.error));
      else waiter?.resolve(BigInt(reply.result ?? 0n));
    });
    const fail = (error: Error) => {
      for (const waiter of this.#pending.values()) waiter.reject(error);
      this.#pending.clear();
      this.#worker = undefined;
    };
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`memmap's worker thread exited (code ${code})`)));
    worker.unref();
    return worker;
  }
}

/**
 * OffThread workers, one call in flight each, so a long wait never queues a
 * copy behind it. Workers are kept (idle and unref'ed) for reuse.
 */
export class OffThreadPool {
  #idle: OffThread[] = [];
  readonly #url: URL;
  readonly #libraryPath: string;

  /** Threads of `workerUrl` with the shim at `libraryPath`, started as calls overlap. */
  constructor(workerUrl: URL, libraryPath: string) {
    this.#url = workerUrl;
    this.#libraryPath = libraryPath;
  }

  /** Runs ABI call `op` on an idle thread (a new one if none is idle). */
  async call(op: string, args: OffThreadArg[]): Promise<bigint> {
    const thread = this.#idle.pop() ?? new OffThread(this.#url, this.#libraryPath);
    try {
      return await thread.call(op, args);
    } finally {
      this.#idle.push(thread);
    }
  }
}

/**
 * The off-thread calls of a backend whose FFI calls only on the calling thread
 * (bun:ffi, node:ffi): each runs on a pooled worker loading `workerUrl`, which
 * calls serveOffThread.
 *
 * @example
 * ```ts
 * const offThread = workerOffThread(new URL("./off-thread-worker.js", import.meta.url), libraryPath);
 * ```
 */
export function workerOffThread(workerUrl: URL, libraryPath: string): OffThreadCalls {
  const pool = new OffThreadPool(workerUrl, libraryPath);
  return offThreadCalls((name, args) => pool.call(name, args as OffThreadArg[]));
}

/**
 * The worker side: answers OffThread calls, by ABI name, with the functions
 * (keyed by C name) that `open` makes from the shim at workerData.libraryPath.
 *
 * @example
 * ```ts
 * // off-thread-worker.ts, the module workerOffThread() loads:
 * serveOffThread((libraryPath) => dlopen(libraryPath, symbolTable(describe)).symbols);
 * ```
 */
export function serveOffThread(open: (libraryPath: string) => Record<string, (...args: OffThreadArg[]) => unknown>): void {
  if (!parentPort) throw new Error("serveOffThread runs inside a worker thread");
  const port = parentPort;
  const functions = open((workerData as { libraryPath: string }).libraryPath);
  port.on("message", ({ id, op, args }: Request) => {
    try {
      const call = (ABI as Record<string, AbiCall>)[op];
      const fn = call?.offThread ? functions[call.symbol] : undefined;
      if (!fn) throw new Error(`unknown off-thread operation ${op}`);
      const result = fn(...args);
      port.postMessage({ id, result: typeof result === "bigint" ? result : BigInt((result as number | undefined) ?? 0) } satisfies Reply);
    } catch (e) {
      port.postMessage({ id, error: String(e) } satisfies Reply);
    }
  });
}
