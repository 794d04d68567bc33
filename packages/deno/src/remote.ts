import { MmapError, type TargetName, TARGETS } from "@memmap/core/backend";

/**
 * Deno cannot dlopen a library at an https URL (as a module from JSR has), so
 * the prebuilt is fetched once and kept in a local cache keyed by its URL.
 * Returns a local folder laid out like prebuilt/: <dir>/<target>/<file>.
 */
export async function cachedPrebuiltDir(remoteDir: URL, target: TargetName, env: (name: string) => string | undefined): Promise<string> {
  const file = TARGETS[target].file;
  const url = new URL(`${target}/${file}`, remoteDir);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(url.href)));
  const key = Array.from(digest.subarray(0, 8), (b) => b.toString(16).padStart(2, "0")).join("");
  const root = cacheRoot(env);
  const dir = `${root}/${key}/`;
  const path = `${dir}${target}/${file}`;
  try {
    if (Deno.statSync(path).isFile) return dir;
  } catch {
    /* not cached yet */
  }
  const response = await fetch(url);
  if (!response.ok) {
    await response.body?.cancel();
    throw new MmapError(`memmap could not fetch its native shim from ${url.href}: HTTP ${response.status}`, {
      code: "ERR_LIBRARY_FETCH",
      path: url.href,
    });
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  Deno.mkdirSync(`${dir}${target}`, { recursive: true });
  // Write then rename, so a concurrent process never opens a half-written library.
  const temp = `${path}.${Deno.pid}.tmp`;
  Deno.writeFileSync(temp, bytes, { mode: 0o755 });
  Deno.renameSync(temp, path);
  return dir;
}

function cacheRoot(env: (name: string) => string | undefined): string {
  const explicit = env("MEMMAP_CACHE_DIR");
  if (explicit) return explicit;
  const xdg = env("XDG_CACHE_HOME");
  if (xdg) return `${xdg}/memmap`;
  const home = env("HOME") ?? env("LOCALAPPDATA");
  if (home) return `${home}/.cache/memmap`;
  throw new MmapError("memmap needs a cache folder for its native shim: set MEMMAP_CACHE_DIR (and grant --allow-env for it)", { code: "ERR_LIBRARY_FETCH" });
}
