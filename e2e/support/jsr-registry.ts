// A loopback registry that serves packages the way JSR does, for Deno pointed at it with
// JSR_URL: <scope>/<name>/meta.json (the versions), <version>_meta.json (each file's size and
// SHA-256, which Deno checks), and the files, as `deno publish` would upload them: the files
// its dry run lists, with the bare specifiers of the package's import map unfurled into
// full ones (deno publish rewrites `"@memmap/core"` into `"jsr:@memmap/core@^X.Y.Z"`).
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { command, RUNTIMES } from "../../scripts/runtimes.ts";

export interface JsrPackage {
  /** "@scope/name" */
  name: string;
  version: string;
  exports: Record<string, string>;
  /** Path in the package ("/mod.ts") to its published bytes. */
  files: Map<string, Uint8Array>;
}

/** What `deno publish` would publish from the package in dir. */
export function publishedPackage(dir: string): JsrPackage {
  const r = spawnSync(...command(RUNTIMES.deno, ["publish", "--dry-run", "--allow-dirty"]), {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
  });
  if (r.status !== 0) throw new Error(`deno publish --dry-run in ${dir} failed:\n${r.stderr}`);
  const config = JSON.parse(readFileSync(join(dir, "deno.json"), "utf8")) as {
    name: string;
    version: string;
    exports: Record<string, string>;
    imports?: Record<string, string>;
  };
  const files = new Map<string, Uint8Array>();
  for (const [, url] of (r.stderr + r.stdout).matchAll(/^\s+(file:\/\/\S+)/gm)) {
    const path = fileURLToPath(url!);
    const bytes = readFileSync(path);
    const inPackage = path.slice(dir.length);
    files.set(inPackage, inPackage.endsWith(".ts") ? new TextEncoder().encode(unfurl(bytes.toString("utf8"), config.imports ?? {})) : bytes);
  }
  if (files.size === 0) throw new Error(`deno publish --dry-run in ${dir} listed no files:\n${r.stderr}`);
  return { name: config.name, version: config.version, exports: config.exports, files };
}

/** Rewrites each import or export specifier the import map names, as deno publish does. */
function unfurl(source: string, imports: Record<string, string>): string {
  return source.replace(/(\bfrom\s*|\bimport\s*\(?\s*)(["'])([^"']+)\2/g, (all, before: string, quote: string, specifier: string) => {
    for (const [key, target] of Object.entries(imports)) {
      if (specifier === key || specifier.startsWith(`${key}/`)) return `${before}${quote}${target}${specifier.slice(key.length)}${quote}`;
    }
    return all;
  });
}

export interface JsrRegistry {
  /** For JSR_URL, ending in "/". */
  url: string;
  /** Every path requested, in order. */
  requests: string[];
  close(): Promise<void>;
}

/** Serves packages on 127.0.0.1 at a free port. */
export function startJsrRegistry(packages: JsrPackage[]): Promise<JsrRegistry> {
  const json = (value: unknown) => ({ type: "application/json", body: new TextEncoder().encode(JSON.stringify(value)) });
  const routes = new Map<string, { type: string; body: Uint8Array }>();
  for (const p of packages) {
    const [scope, name] = p.name.slice(1).split("/");
    routes.set(`/${p.name}/meta.json`, json({ scope, name, latest: p.version, versions: { [p.version]: {} } }));
    const manifest: Record<string, { size: number; checksum: string }> = {};
    for (const [path, bytes] of p.files) {
      manifest[path] = { size: bytes.length, checksum: `sha256-${createHash("sha256").update(bytes).digest("hex")}` };
      routes.set(`/${p.name}/${p.version}${path}`, { type: path.endsWith(".ts") ? "application/typescript" : "application/octet-stream", body: bytes });
    }
    routes.set(`/${p.name}/${p.version}_meta.json`, json({ manifest, exports: p.exports }));
  }
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    requests.push(path);
    const route = routes.get(path);
    if (!route) res.writeHead(404).end();
    else res.writeHead(200, { "content-type": route.type, "content-length": route.body.length }).end(route.body);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      resolve({
        url: `http://127.0.0.1:${port}/`,
        requests,
        close: () =>
          new Promise((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
