/**
 * `orgkit/permissions` must ship with zero runtime dependencies: this test reads the
 * sources (no build) and checks that every import and re-export in src/permissions
 * stays inside src/permissions, except `../errors.js`, which itself imports nothing at run
 * time (its only import is of types, from a file that imports nothing at run time either).
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const permissionsDir = join(root, "src/permissions");
const errorsFile = join(root, "src/errors.ts");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

/** Every module specifier of `import … from`, `export … from`, `import "…"`, `import(…)` and `require(…)`. */
function specifiers(source: string): { specifier: string; typeOnly: boolean }[] {
  const withoutComments = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  const out: { specifier: string; typeOnly: boolean }[] = [];
  for (const match of withoutComments.matchAll(/^\s*(import|export)\s+(type\s+)?[^;]*?\bfrom\s*["']([^"']+)["']/gm)) {
    out.push({ specifier: match[3]!, typeOnly: match[2] !== undefined });
  }
  for (const match of withoutComments.matchAll(/^\s*import\s*["']([^"']+)["']/gm)) out.push({ specifier: match[1]!, typeOnly: false });
  for (const match of withoutComments.matchAll(/\b(?:import|require)\s*\(\s*["']([^"']+)["']/g)) out.push({ specifier: match[1]!, typeOnly: false });
  return out;
}

describe("orgkit/permissions imports nothing outside itself", () => {
  const files = sourceFiles(permissionsDir);

  it("finds the sources", () => {
    expect(files.map((f) => relative(permissionsDir, f))).toContain("index.ts");
    expect(files.length).toBeGreaterThan(5);
  });

  it.each(files.map((f) => [relative(root, f), f]))("%s imports only relative modules inside src/permissions (or ../errors.js)", (_, file) => {
    for (const { specifier, typeOnly } of specifiers(readFileSync(file, "utf8"))) {
      expect(specifier.startsWith("./") || specifier.startsWith("../"), `${specifier} in ${file} is not relative`).toBe(true);
      const target = resolve(dirname(file), specifier).replace(/\.js$/, ".ts");
      const inside = target.startsWith(permissionsDir + "/");
      // Types may come from anywhere relative (they vanish at build), values only from inside or errors.
      expect(inside || target === errorsFile || typeOnly, `${specifier} in ${file} leaves src/permissions`).toBe(true);
    }
  });

  it("depends on ../errors.js, which itself imports nothing at run time", () => {
    const imports = specifiers(readFileSync(errorsFile, "utf8"));
    expect(imports.filter((i) => !i.typeOnly)).toEqual([]);
    // The types it imports (what an import reports, carried by an import's error) come from a file with no run-time imports.
    for (const { specifier } of imports) {
      const target = resolve(dirname(errorsFile), specifier).replace(/\.js$/, ".ts");
      expect(specifiers(readFileSync(target, "utf8")).filter((i) => !i.typeOnly), `${specifier} imported by errors.ts`).toEqual([]);
    }
  });

  it("catches a forbidden import (the checker itself works)", () => {
    expect(specifiers('import { z } from "zod";\nexport { x } from "../domain/a.js";\nimport type { T } from "./t.js";\nconst m = await import("immer");')).toEqual([
      { specifier: "zod", typeOnly: false },
      { specifier: "../domain/a.js", typeOnly: false },
      { specifier: "./t.js", typeOnly: true },
      { specifier: "immer", typeOnly: false },
    ]);
  });
});
