// A throw-away Verdaccio for a test: its own storage and config in a temporary folder, no
// uplinks (offline: it serves only what is published to it), anyone may publish, one user
// whose token is written to an npmrc for the publishing side. stop() ends it and removes
// the folder.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RUNTIMES, scriptCommand } from "../../scripts/runtimes.ts";

export interface Registry {
  /** http://127.0.0.1:<port>/ */
  url: string;
  /** An npmrc (for NPM_CONFIG_USERCONFIG) holding a token of this registry's user. */
  npmrc: string;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 60_000;

export async function startVerdaccio(): Promise<Registry> {
  const dir = mkdtempSync(join(tmpdir(), "memmap-verdaccio-"));
  const config = join(dir, "config.yaml");
  writeFileSync(
    config,
    [
      `storage: ${join(dir, "storage")}`,
      "auth:",
      "  htpasswd:",
      `    file: ${join(dir, "htpasswd")}`,
      "uplinks: {}",
      "packages:",
      '  "**":',
      "    access: $all",
      "    publish: $all",
      "log: { type: stdout, format: pretty, level: warn }",
      "",
    ].join("\n"),
  );
  const [program, args] = scriptCommand(RUNTIMES.node26, join(import.meta.dirname, "verdaccio-server.ts"), { args: [config] });
  // detached: its own process group, ended whole by stop().
  const child = spawn(program, args, { detached: true, stdio: ["ignore", "pipe", "inherit"] });
  const stop = () => stopChild(child).finally(() => rmSync(dir, { recursive: true, force: true }));
  try {
    const port = await listeningPort(child);
    const url = `http://127.0.0.1:${port}/`;
    const user = await fetch(`${url}-/user/org.couchdb.user:release`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "release", password: "release-test" }),
    });
    const { token } = (await user.json()) as { token?: string };
    if (!token) throw new Error(`Verdaccio gave no token for a new user (HTTP ${user.status})`);
    const npmrc = join(dir, "npmrc");
    writeFileSync(npmrc, `//127.0.0.1:${port}/:_authToken=${token}\n`);
    return { url, npmrc, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

function listeningPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`Verdaccio did not listen within ${START_TIMEOUT_MS} ms: ${out}`)), START_TIMEOUT_MS);
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk;
      const port = /listening (\d+)/.exec(out)?.[1];
      if (port) {
        clearTimeout(timer);
        resolve(Number(port));
      }
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`Verdaccio exited (${code ?? signal}) before listening: ${out}`));
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    try {
      process.kill(-child.pid!, "SIGTERM");
    } catch {
      resolve(); // already gone
    }
  });
}
