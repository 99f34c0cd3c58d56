/**
 * Bulk import with a progress bar, on the in-memory storage: 20,000 customer
 * organizations (accounts, their regions and sites) from a host's CRM export, parents
 * named by the host's ids and listed in any order. The import validates and authorizes
 * every row, checks the hierarchy and the names, and writes in sets; `onProgress`
 * reports as rows are processed. Then the same export again (nothing changes), a
 * per-row import with bad rows, and a dry run. Run it with
 * `npx tsx examples/import-progress.ts`.
 */
import { createOrgKit, SYSTEM_ACTOR, type ImportOrganizationRow, type ImportProgress } from "../src/index.js";
import { memoryStorage } from "../src/adapters/memory/index.js";

const kit = createOrgKit({ storage: memoryStorage() });
await kit.users.upsert(SYSTEM_ACTOR, { id: "admin", kind: "agent", platformRole: "admin", registered: true });
const admin = { type: "user", id: "admin" } as const;

// The export: 500 accounts, each with 3 regions of 12 sites (20,000 rows), shuffled.
const rows: ImportOrganizationRow[] = [];
for (let a = 0; a < 500; a++) {
  rows.push({ externalId: `ACC-${a}`, name: `Account ${a}`, type: "customer", parentExternalId: null, tags: a % 7 === 0 ? ["key"] : [] });
  for (let r = 0; r < 3; r++) {
    rows.push({ externalId: `ACC-${a}-R${r}`, name: `Account ${a} region ${r}`, parentExternalId: `ACC-${a}` });
    for (let s = 0; s < 12; s++) {
      rows.push({ externalId: `ACC-${a}-R${r}-S${s}`, name: `Account ${a} region ${r} site ${s}`, parentExternalId: `ACC-${a}-R${r}`, address: { city: "Springfield", country: "US" } });
    }
  }
}
let seed = 42;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
for (let i = rows.length - 1; i > 0; i--) {
  const j = Math.floor(random() * (i + 1));
  [rows[i], rows[j]] = [rows[j]!, rows[i]!];
}

/** A progress bar on a terminal; on a log (no TTY), a line every 25 %. */
function progressBar(label: string): (progress: ImportProgress) => void {
  let lastQuarter = -1;
  return ({ done, total }) => {
    const share = total === 0 ? 1 : done / total;
    if (process.stdout.isTTY) {
      const width = 30;
      const filled = Math.round(share * width);
      process.stdout.write(`\r${label} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total}`);
      if (done === total) process.stdout.write("\n");
    } else if (Math.floor(share * 4) > lastQuarter) {
      lastQuarter = Math.floor(share * 4);
      console.log(`${label} ${Math.round(share * 100)} % (${done}/${total})`);
    }
  };
}

// 1. The whole export, all or nothing (the default).
let started = performance.now();
const imported = await kit.organizations.import(admin, rows, { onProgress: progressBar("import") });
console.log(`created ${imported.created} organizations in ${Math.round(performance.now() - started)} ms`);
const account = await kit.organizations.getByExternalId(admin, "ACC-7");
const tree = await kit.organizations.tree(admin, account!.id);
console.log(`${tree!.organization.name}: ${tree!.children.length} regions, ${tree!.children[0]!.children.length} sites in the first`);

// 2. The same export again: idempotent, nothing is written.
started = performance.now();
const again = await kit.organizations.import(admin, rows, { onProgress: progressBar("re-run") });
console.log(`re-run: ${again.unchanged} unchanged, ${again.created + again.updated} written, in ${Math.round(performance.now() - started)} ms`);

// 3. Per row: good rows land; bad rows are reported with their index and the path of the bad field.
const perRow = await kit.organizations.import(
  admin,
  [
    { externalId: "ACC-7", name: "Account 7 (renamed)" },
    { externalId: "NEW-1", name: "New account", address: { country: "Atlantis" } },
    { externalId: "NEW-1-R0", name: "Region of a bad row", parentExternalId: "NEW-1" },
    { externalId: "NEW-2", name: "Account 8" }, // taken by ACC-8
    { externalId: "NEW-3", name: "Fine new account" },
  ],
  { mode: "per-row" },
);
for (const row of perRow.rows) {
  console.log(`row ${row.row} ${row.externalId}: ${row.status}${row.error ? ` (${row.error.code} at ${row.error.issues.map((i) => i.path).join(", ")})` : ""}`);
}

// 4. A dry run says what would happen and writes nothing.
const dryRun = await kit.organizations.import(admin, [{ externalId: "ACC-9", name: "Account 9", tags: ["key"] }, { externalId: "NEW-4", name: "Maybe" }], { dryRun: true });
console.log(`dry run: would create ${dryRun.created}, update ${dryRun.updated}; NEW-4 stored: ${(await kit.organizations.getByExternalId(admin, "NEW-4")) !== null}`);
