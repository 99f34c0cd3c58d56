// Bundles every entry of the packed package into one file each with esbuild, as a host's
// bundler would, and runs the bundles with no node_modules beside them: a run-time
// `require` of a data file, or any import a bundler cannot see, fails here. Then bundles
// examples/quickstart.ts against the installed package and runs that single file.
//
// Usage: node .ci/bundle.mjs <folder where the tarball is installed>
import { build } from "esbuild";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { execFileSync } from "node:child_process";

const root = resolve(import.meta.dirname, "..");
const consumer = resolve(process.argv[2] ?? join(root, ".smoke"));
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const entries = Object.keys(pkg.exports).filter((k) => k !== "./package.json").map((k) => (k === "." ? pkg.name : `${pkg.name}/${k.slice(2)}`));
// Optional peers stay outside the bundle, as a host's bundler would be told.
const external = ["pg", "@electric-sql/pglite", "vitest"];
const out = mkdtempSync(join(tmpdir(), "orgkit-bundle-"));

async function bundle(source, file) {
  await build({
    stdin: { contents: source, resolveDir: consumer, loader: "ts", sourcefile: `${file}.ts` },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    external,
    outfile: join(out, file),
    logLevel: "error",
  });
  return join(out, file);
}

try {
  for (const entry of entries) {
    const file = await bundle(`export * from ${JSON.stringify(entry)};`, `${entry.replace(/\W+/g, "-")}.mjs`);
    const loaded = execFileSync("node", ["--input-type=module", "-e", `const m = await import(${JSON.stringify(file)}); console.log(Object.keys(m).length);`], {
      cwd: out,
      encoding: "utf8",
    }).trim();
    if (Number(loaded) === 0) throw new Error(`bundle of ${entry} exports nothing`);
    console.log(`bundled ${entry}: one file, ${loaded} exports, loads with no node_modules`);
  }

  // The quickstart imports the sources (../src/...); point those imports at the package.
  const subpaths = {
    "../src/index.js": "orgkit",
    "../src/errors.js": "orgkit",
    "../src/adapters/memory/index.js": "orgkit/memory",
    "../src/permissions/index.js": "orgkit/permissions",
    "../src/domain/matching/index.js": "orgkit/matching",
    "../src/testing/index.js": "orgkit/testing",
  };
  const quickstart = readFileSync(join(root, "examples/quickstart.ts"), "utf8").replace(/from "(\.\.\/src\/[^"]+)"/g, (all, path) => {
    const target = subpaths[path];
    if (!target) throw new Error(`examples/quickstart.ts imports ${path}, which has no package entry`);
    return `from ${JSON.stringify(target)}`;
  });
  const file = await bundle(quickstart, "quickstart.mjs");
  process.stdout.write(execFileSync("node", [file], { cwd: out, encoding: "utf8" }).split("\n").slice(-3).join("\n"));
  console.log("quickstart ran from a single-file bundle");
} finally {
  rmSync(out, { recursive: true, force: true });
}
