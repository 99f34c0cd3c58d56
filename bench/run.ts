/**
 * Runs every `bench/*.bench.ts` (or those named on the command line, e.g.
 * `npm run bench -- hierarchy`) one after another, each in its own process so one
 * benchmark's garbage does not slow the next.
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();
let failed = 0;
for (const file of files) {
  console.log(`\n=== ${file}`);
  const result = spawnSync(process.execPath, ["--import", "tsx", "--expose-gc", join(here, file)], { stdio: "inherit", env: process.env });
  if (result.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
