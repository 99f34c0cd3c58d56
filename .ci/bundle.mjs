// Bundles every entry of the packed package into one file each with esbuild, as a host's
// bundler would, and runs the bundles with no node_modules beside them: a run-time
// `require` of a data file, or any import a bundler cannot see, fails here. Then bundles
// examples/quickstart.ts against the installed package and runs that single file. Prints
// each entry's size as a host's bundle would carry it (minified, gzip), for docs/entries.md.
//
// Usage: node .ci/bundle.mjs <folder where the tarball is installed>
import { build } from "esbuild";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { gzipSync } from "node:zlib";
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

async function bundle(source, file, minify = false) {
  await build({
    minify,
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

  // What each entry weighs in a host's bundle, dependencies included (optional peers excluded).
  console.log("| entry | minified | gzip |\n|---|---:|---:|");
  for (const entry of entries) {
    const file = await bundle(`export * from ${JSON.stringify(entry)};`, `${entry.replace(/\W+/g, "-")}.min.mjs`, true);
    const code = readFileSync(file);
    const kb = (bytes) => `${(bytes / 1024).toFixed(1)} kB`;
    console.log(`| \`${entry}\` | ${kb(code.length)} | ${kb(gzipSync(code).length)} |`);
  }

  // The quickstart imports the sources (../src/...); point those imports at the package.
  const subpaths = {
    "../src/index.js": "orgkit",
    "../src/errors.js": "orgkit",
    "../src/adapters/memory/index.js": "orgkit/memory",
    "../src/permissions/index.js": "orgkit/permissions",
    "../src/domain/matching/index.js": "orgkit/matching",
    "../src/schemas.js": "orgkit/schemas",
    "../src/domain/index.js": "orgkit/domain",
    "../src/storage/index.js": "orgkit/storage",
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
