/**
 * The snippets of docs/lifecycle-invitations.md run: its ```ts blocks, in order, are one
 * program (imports from "orgkit" mapped to the sources), executed here.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");

it("docs/lifecycle-invitations.md: the snippets run, in order, as one program", async () => {
  const markdown = await readFile(join(ROOT, "docs/lifecycle-invitations.md"), "utf8");
  const blocks = [...markdown.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
  expect(blocks.length).toBeGreaterThanOrEqual(5);
  const entries: Record<string, string> = { orgkit: "src/index.ts", "orgkit/memory": "src/adapters/memory/index.ts" };
  const program = blocks
    .join("\n")
    .replace(/from "(orgkit(?:\/[a-z]+)?)"/g, (_, entry: string) => `from ${JSON.stringify(join(ROOT, entries[entry] ?? `missing entry ${entry}`))}`);
  const directory = await mkdtemp(join(tmpdir(), "orgkit-docs-"));
  const file = join(directory, "lifecycle-invitations.ts");
  try {
    await writeFile(file, `${program}\nexport {};\n`);
    await import(file);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});
