/**
 * The snippets of docs/lifecycle.md and docs/lifecycle-invitations.md run: each page's
 * ```ts blocks, in order, are one program (imports from "orgkit" mapped to the sources),
 * executed here.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");

it.each([
  ["docs/lifecycle.md", 1],
  ["docs/lifecycle-invitations.md", 5],
] as const)("%s: the snippets run, in order, as one program", async (page, atLeast) => {
  const markdown = await readFile(join(ROOT, page), "utf8");
  const blocks = [...markdown.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
  expect(blocks.length).toBeGreaterThanOrEqual(atLeast);
  const entries: Record<string, string> = { orgkit: "src/index.ts", "orgkit/memory": "src/adapters/memory/index.ts" };
  const program = blocks
    .join("\n")
    .replace(/from "(orgkit(?:\/[a-z]+)?)"/g, (_, entry: string) => `from ${JSON.stringify(join(ROOT, entries[entry] ?? `missing entry ${entry}`))}`);
  const directory = await mkdtemp(join(tmpdir(), "orgkit-docs-"));
  const file = join(directory, "snippets.ts");
  try {
    await writeFile(file, `${program}\nexport {};\n`);
    await import(file);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});
