// Packs the package, installs the tarball into a scratch consumer, and imports every
// `exports` entry with both `import` and `require`. Also checks that the built
// `orgkit/permissions` entry imports no package at all (zero runtime dependencies).
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const entries = Object.keys(pkg.exports).filter((k) => k !== "./package.json").map((k) => (k === "." ? pkg.name : `${pkg.name}/${k.slice(2)}`));

function run(cmd, args, cwd) {
  return execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
}

// 1. orgkit/permissions imports nothing outside the package.
function bareImports(file, seen = new Set()) {
  if (seen.has(file)) return [];
  seen.add(file);
  const source = readFileSync(file, "utf8");
  const found = [];
  const pattern = /(?:import|export)\s*(?:[^'"]*?\sfrom\s*)?["']([^"']+)["']|require\(\s*["']([^"']+)["']\s*\)|import\(\s*["']([^"']+)["']\s*\)/g;
  for (const match of source.matchAll(pattern)) {
    const spec = match[1] ?? match[2] ?? match[3];
    if (spec.startsWith(".")) found.push(...bareImports(resolve(dirname(file), spec), seen));
    else found.push(spec);
  }
  return found;
}
for (const file of ["dist/permissions.js", "dist/permissions.cjs"]) {
  const bare = bareImports(join(root, file));
  if (bare.length > 0) throw new Error(`${file} imports packages: ${bare.join(", ")}`);
}
console.log("orgkit/permissions: no runtime imports outside the package");

// 2. Pack and install into a scratch consumer.
const scratch = join(root, ".smoke");
rmSync(scratch, { recursive: true, force: true });
mkdirSync(scratch, { recursive: true });
const tarball = run("npm", ["pack", "--silent", "--pack-destination", scratch], root).trim().split("\n").pop();
writeFileSync(join(scratch, "package.json"), JSON.stringify({ name: "orgkit-smoke", private: true, version: "0.0.0" }));
run("npm", ["install", "--no-audit", "--no-fund", "--silent", join(scratch, tarball)], scratch);
if (!existsSync(join(scratch, "node_modules", "orgkit", "package.json"))) throw new Error("tarball did not install");

// 3. import and require every entry; each must expose at least one export.
const esm = entries.map((e) => `{ const m = await import(${JSON.stringify(e)}); if (Object.keys(m).length === 0) throw new Error("empty: ${e}"); console.log("import", ${JSON.stringify(e)}, Object.keys(m).length, "exports"); }`).join("\n");
writeFileSync(join(scratch, "esm.mjs"), esm);
const cjs = entries.map((e) => `{ const m = require(${JSON.stringify(e)}); if (Object.keys(m).length === 0) throw new Error("empty: ${e}"); console.log("require", ${JSON.stringify(e)}, Object.keys(m).length, "exports"); }`).join("\n");
writeFileSync(join(scratch, "cjs.cjs"), cjs);
process.stdout.write(run("node", ["esm.mjs"], scratch));
process.stdout.write(run("node", ["cjs.cjs"], scratch));
// The main job works from the tarball too.
writeFileSync(
  join(scratch, "job.mjs"),
  `import { createOrganization } from "orgkit";
const { organization } = createOrganization({ name: "Smoke" }, { id: "o1", now: new Date() });
if (organization.version !== 1) throw new Error("bad organization");
console.log("created", organization.name);`,
);
process.stdout.write(run("node", ["job.mjs"], scratch));
rmSync(scratch, { recursive: true, force: true });
console.log("smoke test passed for", entries.length, "entries");
