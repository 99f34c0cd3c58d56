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
// The main job works from the tarball too, in both module systems: the facade on memory
// storage, rule linking, and the guards that read packaged data (the free-mail list, the PSL).
const job = (load) => `${load}
const kit = createOrgKit({ storage: memoryStorage() });
const org = await kit.organizations.create(SYSTEM_ACTOR, { name: "Smoke" });
await kit.rules.add(SYSTEM_ACTOR, org.id, { kind: "domain", value: "smoke.example" });
await kit.users.upsert(SYSTEM_ACTOR, { id: "u1", emails: [{ value: "u1@smoke.example", verified: true }] });
if ((await kit.memberships.listByUser(SYSTEM_ACTOR, "u1")).length !== 1) throw new Error("rule did not link");
for (const [value, code] of [["gmail.com", "DOMAIN_FREE_MAIL"], ["co.uk", "DOMAIN_PUBLIC_SUFFIX"]]) {
  try { createMemberRule({ id: "r", organizationId: org.id, kind: "domain", value }); throw new Error(value + " accepted"); }
  catch (error) { if (!isOrgKitError(error, code)) throw error; }
}
const policy = compilePolicy({ schemaVersion: 1, version: 1, usergroups: [{ id: "e", permissions: ["kb.read"], builtIn: "everyone" }] });
if (!policy.can(policy.guest(), "kb.read") || policy.can(policy.guest(), "chat")) throw new Error("policy");
console.log("main job ok");`;
writeFileSync(
  join(scratch, "job.mjs"),
  job(`import { createOrgKit, SYSTEM_ACTOR, isOrgKitError } from "orgkit";
import { memoryStorage } from "orgkit/memory";
import { createMemberRule } from "orgkit/matching";
import { compilePolicy } from "orgkit/permissions";`),
);
writeFileSync(
  join(scratch, "job.cjs"),
  `(async () => {${job(`const { createOrgKit, SYSTEM_ACTOR, isOrgKitError } = require("orgkit");
const { memoryStorage } = require("orgkit/memory");
const { createMemberRule } = require("orgkit/matching");
const { compilePolicy } = require("orgkit/permissions");`)}})().catch((error) => { console.error(error); process.exit(1); });`,
);
process.stdout.write(run("node", ["job.mjs"], scratch));
process.stdout.write(run("node", ["job.cjs"], scratch));
// 4. Each entry survives bundling into one file, and the quickstart runs from a bundle.
process.stdout.write(run("node", [join(root, ".ci", "bundle.mjs"), scratch], root));
rmSync(scratch, { recursive: true, force: true });
console.log("smoke test passed for", entries.length, "entries");
