// The README's snippets as a user copies them: the fenced block after an HTML comment
// marker such as <!-- quickstart:deno -->, so a test runs exactly what is printed.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../../scripts/runtimes.ts";

/** The body of the ```lang block that follows `<!-- marker -->` in README.md; throws if there is none. */
export function readmeBlock(marker: string, lang: "sh" | "ts", readme = readFileSync(join(ROOT, "README.md"), "utf8")): string {
  const at = readme.indexOf(`<!-- ${marker} -->`);
  if (at < 0) throw new Error(`README.md has no <!-- ${marker} --> marker: the test runs the snippet that follows it`);
  // The block must come right after the marker, with only blank space between.
  const block = /^\s*```(\w*)\n([\s\S]*?\n)```/.exec(readme.slice(at + `<!-- ${marker} -->`.length));
  if (!block || block[1] !== lang) throw new Error(`README.md: <!-- ${marker} --> must be followed by a \`\`\`${lang} block`);
  return block[2]!;
}

/** The command lines of a ```sh block: each split into words, comments and blank lines dropped. */
export function shellCommands(block: string): string[][] {
  return block
    .split("\n")
    .map((line) => line.replace(/\s+#.*$/, "").trim())
    .filter((line) => line && !line.startsWith("#"))
    .map((line) => {
      if (/["'`$|;&<>\\]/.test(line)) throw new Error(`a README command this test cannot run without a shell: ${line}`);
      return line.split(/\s+/);
    });
}
