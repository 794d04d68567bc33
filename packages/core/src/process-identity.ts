import process from "node:process";
import type { Backend } from "./backend.ts";

/**
 * Who a process is, beyond its pid: the shim's process tag (from the start
 * time) is the same for a process's whole life and differs for a later
 * process given the same pid; 0 where the OS does not tell.
 */
const ownTags = new WeakMap<Backend, number>();

/** This process's tag (0 when unknown). */
export function ownTag(backend: Backend): number {
  let tag = ownTags.get(backend);
  if (tag === undefined) {
    tag = Math.max(0, backend.processTag(process.pid));
    ownTags.set(backend, tag);
  }
  return tag;
}

/** Whether pid names a running process: not gone, not a zombie waiting to be reaped. */
export function processAlive(backend: Backend, pid: number): boolean {
  return backend.processTag(pid) >= 0;
}

/**
 * Whether the process that recorded (pid, tag) is dead: gone, a zombie, or its pid
 * now belongs to another process. A tag of 0 (unknown, or not written yet) tells
 * only by the pid.
 */
export function holderDied(backend: Backend, pid: number, tag: number): boolean {
  const now = backend.processTag(pid);
  return now < 0 || (tag !== 0 && now !== 0 && now !== tag);
}
