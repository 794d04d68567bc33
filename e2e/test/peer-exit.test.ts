// A peer of several threads that is exiting: /proc shows its main thread as a zombie before
// the kernel can report how it ended (it waits for the last thread). A Channel blocked on it
// must wait for that, not call it gone with its exit code unknown. Seen in CI with a Deno
// child (process.exit with a runtime's threads still running); forced here with a C child
// whose main thread exits first and whose other thread exits the process with code 3.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, it } from "vitest";
import * as memmap from "@memmap/node";
import { procState } from "../../packages/core/src/testing/proc.ts";

const CHILD = `#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>
static void *later(void *arg) {
  (void)arg;
  sleep(2);
  exit(3);
}
int main(void) {
  pthread_t t;
  pthread_create(&t, NULL, later, NULL);
  pthread_exit(NULL); /* the main thread goes first: a zombie in /proc, not waitable yet */
}
`;

let dir = "";
let binary = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "memmap-peer-exit-"));
  writeFileSync(join(dir, "child.c"), CHILD);
  binary = join(dir, "child");
  const built = spawnSync("cc", ["-O2", "-pthread", "-o", binary, join(dir, "child.c")], { encoding: "utf8" });
  assert.equal(built.status, 0, built.stderr);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(process.platform !== "linux")("a peer that is still exiting (reads /proc, a Linux child)", () => {
  it("a receive blocked on a peer whose main thread exited first gets ERR_PEER_GONE with the exit code", async () => {
    const shm = memmap.mapAnonymous(64 * 1024);
    // fork() runs execPath with the module's path: the C child ignores it.
    const child = memmap.fork(join(dir, "child.c"), { share: { shm }, execPath: binary, stdio: "ignore" });
    try {
      const channel = memmap.Channel.create(shm, { peer: child.pid });
      // The interleaving the bug needs, made sure of: the main thread is gone, the other sleeps.
      const until = Date.now() + 10_000;
      while (procState(child.pid) !== "Z") assert.ok(Date.now() < until, "the child's main thread never exited");
      let thrown: unknown;
      try {
        channel.receive(20_000); // blocks this thread: the child stays unreaped
      } catch (e) {
        thrown = e;
      }
      assert.ok(thrown instanceof memmap.MmapError, `got ${thrown}`);
      assert.equal(thrown.code, "ERR_PEER_GONE");
      assert.equal(thrown.exitCode, 3, thrown.message);
      channel.close();
      assert.deepEqual(await child.exited, { code: 3, signal: null });
    } finally {
      shm.close();
    }
  }, 30_000);
});
