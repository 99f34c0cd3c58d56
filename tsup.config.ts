import { defineConfig } from "tsup";

/**
 * One build, nine entries: each becomes `dist/<name>.js` (ESM), `dist/<name>.cjs`
 * (CommonJS) and the matching `.d.ts` / `.d.cts`, as listed in package.json `exports`.
 */
export default defineConfig({
  entry: {
    index: "src/index.ts",
    permissions: "src/permissions/index.ts",
    matching: "src/domain/matching/index.ts",
    schemas: "src/schemas.ts",
    domain: "src/domain/index.ts",
    storage: "src/storage/index.ts",
    memory: "src/adapters/memory/index.ts",
    postgres: "src/adapters/postgres/index.ts",
    testing: "src/testing/index.ts",
  },
  format: ["esm", "cjs"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node20",
  splitting: true,
  treeshake: true,
  // vitest is an optional peer used only by orgkit/testing; never bundle it.
  external: ["vitest"],
  // The free-mail list is data, not code: inline it so the built entries load it the
  // way every bundler and every Node 20 release understands (no JSON import at run time).
  noExternal: ["email-providers"],
});
