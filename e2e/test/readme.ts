// The README's marked snippets: a block right after <!-- install:node -->, <!-- quickstart:bun -->, ...
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../../scripts/runtimes.ts";

/** The README the snippets come from: the repository's; MEMMAP_README names another, to try a draft. */
export const README = process.env.MEMMAP_README ?? join(ROOT, "README.md");

/** The ```lang block that follows `<!-- marker -->` in the README; an error naming the marker if there is none. */
export function readmeBlock(marker: string, lang: "sh" | "ts"): string {
  const text = readFileSync(README, "utf8");
  const escaped = marker.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const block = new RegExp(`<!--\\s*${escaped}\\s*-->\\s*\\n\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``).exec(text)?.[1];
  if (block === undefined)
    throw new Error(`${README} has no <!-- ${marker} --> followed by a \`\`\`${lang} block; the e2e cases run the README's marked snippets`);
  return block;
}
