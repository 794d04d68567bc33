// Packs a published npm package with npm pack, as a release and the packaging tests do.
import { execFileSync } from "node:child_process";
import { join } from "node:path";

/** The npm packages, in dependency order (@memmap/core first). */
export const NPM_PACKAGES = ["core", "node", "bun"] as const;
export type NpmPackage = (typeof NPM_PACKAGES)[number];

export interface Packed {
  /** The .tgz written into the destination folder. */
  tarball: string;
  /** Every path inside it, sorted. */
  files: string[];
}

/** npm pack of packages/<name> under root into dest. */
export function pack(root: string, name: NpmPackage, dest: string): Packed {
  const out = execFileSync("npm", ["pack", "--json", "--pack-destination", dest], { cwd: join(root, "packages", name), encoding: "utf8" });
  const [info] = JSON.parse(out.slice(out.indexOf("["))) as { filename: string; files: { path: string }[] }[];
  return { tarball: join(dest, info!.filename), files: info!.files.map((f) => f.path).sort() };
}
