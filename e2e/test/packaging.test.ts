// How a new user meets memmap: the packed tarballs installed into a project
// outside the repo, the README's quick start run there, and the Deno package
// imported over HTTP (as from JSR) with its prebuilt fetched and cached.
import assert from "node:assert/strict";
import { execFile, execFileSync, spawnSync } from "node:child_process";
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join, normalize } from "node:path";
import { afterAll, beforeAll, describe, it } from "vitest";
import { command, olderNode, ROOT, RUNTIMES, scriptCommand } from "../../scripts/runtimes.ts";

const NPM_PACKAGES = ["core", "bun", "node"] as const;
let scratch = "";
const tarballs: Record<string, string> = {};
const packed: Record<string, string[]> = {};

/** The README's first ```ts block that imports `from "<specifier>"`. */
function readmeSnippet(specifier: string): string {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const block = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!).find((code) => code.includes(`from "${specifier}"`));
  assert.ok(block, `README has a quick start importing ${specifier}`);
  return block;
}

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "memmap-e2e-"));
  for (const name of NPM_PACKAGES) {
    const out = execFileSync("npm", ["pack", "--json", "--pack-destination", scratch], { cwd: join(ROOT, "packages", name), encoding: "utf8" });
    const [info] = JSON.parse(out.slice(out.indexOf("["))) as { filename: string; files: { path: string }[] }[];
    tarballs[name] = join(scratch, info!.filename);
    packed[name] = info!.files.map((f) => f.path).sort();
  }
});

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

let app = "";
/** A project outside the repo with every npm package installed from its tarball (made once). */
function installedApp(): string {
  if (app) return app;
  const folder = join(scratch, "app");
  mkdirSync(folder);
  writeFileSync(
    join(folder, "package.json"),
    JSON.stringify({
      name: "memmap-user",
      private: true,
      type: "module",
      dependencies: Object.fromEntries(NPM_PACKAGES.map((n) => [`@memmap/${n}`, `file:${tarballs[n]}`])),
    }),
  );
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline"], { cwd: folder, stdio: "pipe" });
  app = folder;
  return app;
}

describe("npm packages", () => {
  for (const name of NPM_PACKAGES) {
    it(`@memmap/${name} packs dist, types${name === "core" ? "" : " and the prebuilt shim"}, and nothing stray`, () => {
      const files = packed[name]!;
      for (const needed of ["package.json", "README.md", "LICENSE", "dist/index.js", "dist/index.d.ts"]) {
        assert.ok(files.includes(needed), `${needed} is packed: ${files.join(", ")}`);
      }
      if (name !== "core") assert.ok(files.includes("prebuilt/linux-x64-gnu/libmemmap.so"));
      const stray = files.filter((f) => !/^(package\.json|README\.md|LICENSE|dist\/.+|prebuilt\/[a-z0-9-]+\/[a-z.]+)$/.test(f));
      assert.deepEqual(stray, [], "only dist, prebuilt, README, LICENSE and package.json");
      const pkg = JSON.parse(readFileSync(join(ROOT, "packages", name, "package.json"), "utf8"));
      for (const entry of Object.values(pkg.exports) as unknown[]) {
        if (typeof entry === "object" && entry) assert.equal(Object.keys(entry)[0], "types", "exports list types first");
      }
    });
  }

  it("installed from the tarballs outside the repo, the README quick start runs on Node 26, Node 22 and Bun", () => {
    const app = installedApp();
    assert.ok(!existsSync(join(app, "node_modules/@memmap/node/src")), "installed package has no sources");
    writeFileSync(join(app, "node.mjs"), readmeSnippet("@memmap/node"));
    writeFileSync(join(app, "bun.mjs"), readmeSnippet("@memmap/node").replace('"@memmap/node"', '"@memmap/bun"'));
    const runs = [scriptCommand(RUNTIMES.node26, "node.mjs"), scriptCommand(RUNTIMES.node22, "node.mjs"), scriptCommand(RUNTIMES.bun, "bun.mjs")];
    for (const [command, args] of runs) {
      writeFileSync(join(app, "data.bin"), new Uint8Array(16));
      const r = spawnSync(command, args, { cwd: app, encoding: "utf8" });
      assert.equal(r.status, 0, `${command} ${args}: ${r.stderr}`);
      assert.equal(readFileSync(join(app, "data.bin"))[0], 42, `${command} wrote through the mapping`);
    }
  });
});

describe("memmap-cp bins", () => {
  it("@memmap/node and @memmap/bun installed together give memmap-cp and memmap-cp-bun, each its own package's, and both copy", () => {
    const app = installedApp();
    const bins = { "memmap-cp": ["node", RUNTIMES.node26], "memmap-cp-bun": ["bun", RUNTIMES.bun] } as const;
    for (const [bin, [pkg, runtime]] of Object.entries(bins)) {
      const link = join(app, "node_modules/.bin", bin);
      assert.match(readlinkSync(link), new RegExp(`^\\.\\./@memmap/${pkg}/`), `${bin} is @memmap/${pkg}'s`);
      writeFileSync(join(app, "src.bin"), "some bytes\n".repeat(1000));
      const r = spawnSync(...scriptCommand(runtime, link, { args: ["src.bin", `${bin}.copy`] }), { cwd: app, encoding: "utf8" });
      assert.equal(r.status, 0, `${bin}: ${r.stderr}`);
      assert.deepEqual(readFileSync(join(app, `${bin}.copy`)), readFileSync(join(app, "src.bin")));
    }
    // npx runs the bin through its shebang, with the first node on PATH.
    const npx = (node: string) =>
      spawnSync("npx", ["--no-install", "memmap-cp", "--version"], {
        cwd: app,
        encoding: "utf8",
        env: { ...process.env, PATH: `${dirname(node)}:${process.env.PATH}` },
      });
    const r = npx(RUNTIMES.node26.binary);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `memmap-cp (@memmap/node) ${JSON.parse(readFileSync(join(ROOT, "packages/node/package.json"), "utf8")).version}\n`);
    const old = olderNode();
    // Where no Node older than 22 is on PATH (this machine kind has 20), node-version.test.ts says it skipped.
    if (old) {
      // Node 20 first on PATH: a one-line refusal, no stack trace (see node-version.test.ts).
      const refused = npx(old);
      assert.equal(refused.status, 1);
      assert.match(refused.stderr, /^memmap-cp: memmap needs Node 22 or newer; this is \d+\.[^\n]*\n$/);
    }
  });
});

describe("Deno package", () => {
  it("passes deno publish --dry-run (core and deno)", () => {
    for (const name of ["core", "deno"]) {
      const r = spawnSync(...command(RUNTIMES.deno, ["publish", "--dry-run", "--allow-dirty"]), { cwd: join(ROOT, "packages", name), encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr);
      if (name === "deno") assert.match(r.stderr + r.stdout, /prebuilt\/linux-x64-gnu\/libmemmap\.so/, "the prebuilt is published");
    }
  });

  it("imported over HTTP from outside the repo, fetches its prebuilt once into a cache and runs the quick start", async () => {
    const server = await serve(join(ROOT, "packages"));
    try {
      const port = (server.address() as { port: number }).port;
      const base = `http://127.0.0.1:${port}`;
      const app = join(scratch, "deno-app");
      mkdirSync(app);
      // What JSR does on publish (bare @memmap/core -> the published core), an import map does here.
      writeFileSync(
        join(app, "deno.json"),
        JSON.stringify({
          imports: {
            "@memmap/core": `${base}/core/src/index.ts`,
            "@memmap/core/backend": `${base}/core/src/backend-api.ts`,
          },
        }),
      );
      writeFileSync(join(app, "main.ts"), readmeSnippet("jsr:@memmap/deno").replace('"jsr:@memmap/deno"', `"${base}/deno/mod.ts"`));
      const cache = join(app, "memmap-cache");
      const env = { ...process.env, MEMMAP_CACHE_DIR: cache, DENO_DIR: join(app, "deno-dir") };
      const main = scriptCommand(RUNTIMES.deno, "main.ts", { flags: [`--allow-import=127.0.0.1:${port}`, `--allow-net=127.0.0.1:${port}`] });
      for (let attempt = 0; attempt < 2; attempt++) {
        writeFileSync(join(app, "data.bin"), new Uint8Array(16));
        // Asynchronous: the HTTP server answering Deno lives in this process.
        const r = await run(...main, { cwd: app, env });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(readFileSync(join(app, "data.bin"))[0], 42);
      }
      assert.equal(server.prebuiltFetches, 1, "the prebuilt is fetched once, then opened from the cache");
    } finally {
      server.close();
    }
  });
});

/** A loopback static file server over `root` that counts requests for prebuilt shims. */
function serve(root: string): Promise<Server & { prebuiltFetches: number }> {
  const server = createServer((req, res) => {
    const path = normalize(join(root, decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname)));
    if (!path.startsWith(root) || !existsSync(path) || !statSync(path).isFile()) {
      res.writeHead(404).end();
      return;
    }
    if (path.includes("/prebuilt/")) counted.prebuiltFetches++;
    res.writeHead(200, { "content-type": path.endsWith(".ts") ? "application/typescript" : "application/octet-stream" });
    createReadStream(path).pipe(res);
  }) as Server & { prebuiltFetches: number };
  const counted = server;
  counted.prebuiltFetches = 0;
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

function run(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, options, (error, _stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stderr });
    });
  });
}
