/**
 * The package's entries, read the way a consumer's compiler reads them: every name
 * (value or type) is exported from exactly one entry, the root stays within its budget of
 * runtime values, and package.json `exports`, the tsup build and the typedoc entry points
 * list the same entries. Without this, a name added to two barrels (as the 59 names of
 * `orgkit/matching` once were at the root) would go unnoticed.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");
const ENTRIES: Record<string, string> = {
  ".": "src/index.ts",
  "./permissions": "src/permissions/index.ts",
  "./matching": "src/domain/matching/index.ts",
  "./schemas": "src/schemas.ts",
  "./domain": "src/domain/index.ts",
  "./storage": "src/storage/index.ts",
  "./memory": "src/adapters/memory/index.ts",
  "./postgres": "src/adapters/postgres/index.ts",
  "./testing": "src/testing/index.ts",
};
const ROOT_VALUE_BUDGET = 60;

interface EntryExports {
  readonly values: string[];
  readonly types: string[];
}

function readExports(): Record<string, EntryExports> {
  const files = Object.values(ENTRIES).map((file) => join(root, file));
  const program = ts.createProgram(files, {
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    skipLibCheck: true,
    noEmit: true,
    types: ["node"],
  });
  const checker = program.getTypeChecker();
  const result: Record<string, EntryExports> = {};
  for (const [entry, file] of Object.entries(ENTRIES)) {
    const source = program.getSourceFile(join(root, file));
    if (!source) throw new Error(`no source file ${file}`);
    const moduleSymbol = checker.getSymbolAtLocation(source);
    if (!moduleSymbol) throw new Error(`${file} is not a module`);
    const values: string[] = [];
    const types: string[] = [];
    for (const symbol of checker.getExportsOfModule(moduleSymbol)) {
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      (target.flags & ts.SymbolFlags.Value ? values : types).push(symbol.name);
    }
    result[entry] = { values: values.sort(), types: types.sort() };
  }
  return result;
}

const exportsByEntry = readExports();

describe("package entries", () => {
  it("every name is exported from exactly one entry", () => {
    const entriesOf = new Map<string, string[]>();
    for (const [entry, { values, types }] of Object.entries(exportsByEntry)) {
      for (const name of [...values, ...types]) entriesOf.set(name, [...(entriesOf.get(name) ?? []), entry]);
    }
    const twice = [...entriesOf].filter(([, entries]) => entries.length > 1).map(([name, entries]) => `${name} (${entries.join(", ")})`);
    expect(twice).toEqual([]);
  });

  it(`the root exports at most ${ROOT_VALUE_BUDGET} runtime values, and what an application needs`, async () => {
    const rootValues = exportsByEntry["."]!.values;
    expect(rootValues.length).toBeLessThanOrEqual(ROOT_VALUE_BUDGET);
    for (const name of ["createOrgKit", "SYSTEM_ACTOR", "OrgKitError", "isOrgKitError", "httpStatusOf", "toProblemDetails"]) expect(rootValues).toContain(name);
    for (const name of ["Organization", "User", "Membership", "OrgKit", "OrgKitErrorDetails"]) expect(exportsByEntry["."]!.types).toContain(name);
    // What the compiler sees is what loads: the runtime module has exactly these values.
    const loaded = Object.keys(await import("../../src/index.js")).sort();
    expect(loaded).toEqual(rootValues);
  });

  it("schemas, storage ports and the hierarchy index live in their own entries, not the root", () => {
    const rootNames = new Set([...exportsByEntry["."]!.values, ...exportsByEntry["."]!.types]);
    for (const name of ["organizationSchema", "createOrganizationInputSchema", "upsertUserInputSchema", "organizationJsonSchemas"]) {
      expect(rootNames.has(name), name).toBe(false);
      expect(exportsByEntry["./schemas"]!.values).toContain(name);
    }
    for (const name of ["StorageSession", "OrganizationRepository", "Storage", "RawInspector"]) expect(exportsByEntry["./storage"]!.types).toContain(name);
    expect(exportsByEntry["./storage"]!.values).toContain("runStorageConformance");
    expect(exportsByEntry["./domain"]!.values).toContain("createHierarchyIndex");
    expect(exportsByEntry["./memory"]!.values).toEqual(["memoryInspector", "memoryStorage"]);
  });

  it("package.json exports, the tsup build and the typedoc entry points list the same entries", () => {
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { exports: Record<string, unknown> };
    expect(Object.keys(pkg.exports).filter((key) => key !== "./package.json").sort()).toEqual(Object.keys(ENTRIES).sort());
    const tsup = readFileSync(join(root, "tsup.config.ts"), "utf8");
    for (const [entry, file] of Object.entries(ENTRIES)) {
      const name = entry === "." ? "index" : entry.slice(2);
      expect(tsup, `tsup entry ${name}`).toContain(`${name}: "${file}"`);
      expect(pkg.exports[entry], entry).toEqual({
        import: { types: `./dist/${name}.d.ts`, default: `./dist/${name}.js` },
        require: { types: `./dist/${name}.d.cts`, default: `./dist/${name}.cjs` },
      });
    }
    const typedoc = JSON.parse(readFileSync(join(root, "typedoc.json"), "utf8")) as { entryPoints: string[] };
    expect([...typedoc.entryPoints].sort()).toEqual(Object.values(ENTRIES).sort());
  });
});
