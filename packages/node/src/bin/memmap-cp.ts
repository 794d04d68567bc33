#!/usr/bin/env -S node --disable-warning=ExperimentalWarning
// memmap-cp for Node: see `memmap-cp --help`. (The flag hides node:ffi's experimental warning, which a CLI user cannot act on.)
// This first file only checks the Node version, in code every Node parses and runs, so that an old
// Node first on PATH gets a refusal instead of a stack trace; the CLI itself is ./cli.ts, imported after.
const version = process.versions.node;
if (Number(version.split(".")[0]) < 22) {
  process.stderr.write(
    `memmap-cp: memmap needs Node 22 or newer; this is ${version} (${process.execPath}). ` +
      "Put Node 22 or newer first on PATH, or run it with one: /path/to/node $(command -v memmap-cp) SRC DST\n",
  );
  process.exit(1);
}
// A computed URL, so that the bundler keeps this import dynamic (a static one is loaded before any check).
await import(new URL("./cli.js", import.meta.url).href);
