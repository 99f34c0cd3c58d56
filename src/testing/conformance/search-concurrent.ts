import { expect } from "./test-api.js";
import type { Organization } from "../../domain/organization/schema.js";
import type { OrganizationSearchQuery, SearchPage, Storage } from "../../storage/ports.js";
import type { ConformanceSuite } from "./context.js";
import { at, idsOf, org } from "./fixtures.js";

/**
 * The queries walked, for a namespace: a text (of 3+ characters, the path a trigram
 * index serves on PostgreSQL) and a parent filter, under each sort and direction.
 */
const WALKED_QUERIES: readonly ((ns: string) => OrganizationSearchQuery)[] = [
  (ns) => ({ text: ns }),
  (ns) => ({ text: ns, direction: "desc" }),
  (ns) => ({ text: ns, sort: "createdAt" }),
  (ns) => ({ text: ns, sort: "updatedAt", direction: "desc" }),
  (ns) => ({ parentId: `${ns}-root` }),
  (ns) => ({ parentId: `${ns}-root`, sort: "createdAt", direction: "desc" }),
];

/** The value an organization sorts by under a query (names by code unit of the lower-cased name). */
function sortKey(query: OrganizationSearchQuery, organization: Organization): string {
  if (query.sort === "createdAt") return organization.createdAt;
  if (query.sort === "updatedAt") return organization.updatedAt;
  return organization.name.toLowerCase();
}

/** -1, 0 or 1: the order of two organizations under a query's sort, ties broken by id, both ascending. */
function compareUnder(query: OrganizationSearchQuery, a: Organization, b: Organization): number {
  const [ka, kb] = [sortKey(query, a), sortKey(query, b)];
  if (ka !== kb) return ka < kb ? -1 : 1;
  return a.id === b.id ? 0 : a.id < b.id ? -1 : 1;
}

/**
 * Plants `count` organizations under `<ns>-root`, names `<ns> <letter><nn>` spread over the
 * alphabet, timestamps with ties (so ids break them), and returns them.
 */
async function plant(storage: Storage, ns: string, count: number): Promise<Organization[]> {
  const root = org(`${ns}-root`, { name: `${ns} root`, createdAt: at(0), updatedAt: at(0) });
  await storage.organizations.insert(root);
  const planted: Organization[] = [];
  for (let i = 0; i < count; i++) {
    const letter = "bdfhjlnprtvx"[i % 12]!;
    const organization = org(`${ns}-p${String(i).padStart(2, "0")}`, {
      name: `${ns} ${letter}${String(i).padStart(2, "0")}`,
      parentId: root.id,
      // Pairs share a timestamp: the id decides their order.
      createdAt: at(100 + 10 * Math.floor(i / 2)),
      updatedAt: at(1000 - 10 * Math.floor(i / 3)),
    });
    await storage.organizations.insert(organization);
    planted.push(organization);
  }
  return [root, ...planted];
}

/**
 * Checks one walk: no organization twice, every organization that existed before the
 * first page exactly once and in the order a single read gave, and the whole sequence
 * strictly in keyset order (so nothing inserted behind the cursor came back).
 */
function checkWalk(query: OrganizationSearchQuery, before: readonly Organization[], walked: readonly Organization[]): void {
  const label = JSON.stringify(query);
  const ids = idsOf(walked);
  expect(new Set(ids).size, `${label}: no organization repeated`).toBe(ids.length);
  const existing = new Set(idsOf(before));
  expect(
    ids.filter((id) => existing.has(id)),
    `${label}: every organization that existed before the first page, once, in order`,
  ).toEqual(idsOf(before));
  const sign = query.direction === "desc" ? -1 : 1;
  for (let i = 1; i < walked.length; i++) {
    expect(sign * compareUnder(query, walked[i - 1]!, walked[i]!), `${label}: item ${i} follows item ${i - 1} in keyset order`).toBe(-1);
  }
}

/** Walks every page of `query`, calling `between` after each page but the last. */
async function walk(storage: Storage, query: OrganizationSearchQuery, limit: number, between: (page: SearchPage<Organization>) => Promise<void>): Promise<Organization[]> {
  const items: Organization[] = [];
  let cursor: string | null = null;
  for (let guard = 0; guard < 500; guard++) {
    const page: SearchPage<Organization> = await storage.organizations.search({ ...query, limit, cursor });
    items.push(...page.items);
    if (page.nextCursor === null) return items;
    cursor = page.nextCursor;
    await between(page);
  }
  return expect.fail(`${JSON.stringify(query)}: pagination did not end`);
}

/**
 * `organizations.search` keyset pages while organizations are inserted: a page never
 * repeats or skips an organization that existed before the first page, whatever is
 * inserted between pages (before the cursor, right after it, with the same sort value,
 * at the far end) or while the pages are read.
 */
export const searchConcurrentSuite: ConformanceSuite = {
  name: "search-concurrent",
  define(ctx) {
    ctx.test("keyset pages neither skip nor repeat an existing organization when others are inserted between pages", async () => {
      for (const queryIn of WALKED_QUERIES) {
        // A namespace per query, so the rows one walk inserts do not lengthen the next.
        const ns = ctx.namespace();
        await plant(ctx.storage, ns, 22);
        const query = queryIn(ns);
        const before = (await ctx.storage.organizations.search({ ...query, limit: 1000 })).items;
        expect(before.length, JSON.stringify(query)).toBeGreaterThan(20);
        let pages = 0;
        const walked = await walk(ctx.storage, query, 4, async (page) => {
          const last = page.items.at(-1)!;
          pages += 1;
          const k = String(pages).padStart(3, "0");
          const parentId = `${ns}-root`;
          const later = (stamp: string) => new Date(Date.parse(stamp) + 1).toISOString();
          const tie = { name: last.name, status: "discontinued", parentId, createdAt: last.createdAt, updatedAt: last.updatedAt } as const;
          const rows = [
            // The cursor's sort value in every order (a discontinued row may repeat an active
            // name), with an id below and one above the cursor's: one lies behind it, one ahead.
            org(`${ns}-0${k}`, tie),
            org(`${last.id}-${k}`, tie),
            // Both ends of every order: one behind, one ahead.
            org(`${ns}-a${k}`, { name: `${ns} a${k}`, parentId, createdAt: at(1), updatedAt: at(1) }),
            org(`${ns}-z${k}`, { name: `${ns} z${k}`, parentId, createdAt: at(5000), updatedAt: at(5000) }),
          ];
          // Every other page, a row right after the cursor's in ascending order (behind it in descending).
          if (pages % 2 === 1) {
            rows.push(org(`${ns}-n${k}`, { name: `${last.name} ${k}`, parentId, createdAt: later(last.createdAt), updatedAt: later(last.updatedAt) }));
          }
          for (const row of rows) await ctx.storage.organizations.insert(row);
        });
        checkWalk(query, before, walked);
        expect(walked.length, `${JSON.stringify(query)}: rows inserted ahead of the cursor are read`).toBeGreaterThan(before.length);
      }
    });

    ctx.test("keyset pages neither skip nor repeat an existing organization while a writer inserts concurrently", async () => {
      const ns = ctx.namespace();
      await plant(ctx.storage, ns, 22);
      let inserted = 0;
      for (const query of WALKED_QUERIES.map((queryIn) => queryIn(ns))) {
        const before = (await ctx.storage.organizations.search({ ...query, limit: 1000 })).items;
        let reading = true;
        const writer = (async () => {
          // Keys all over every order; a bounded number, so the walk always ends.
          for (let n = 0; n < 24 && reading; n++) {
            inserted += 1;
            const key = String(inserted).padStart(3, "0");
            const letter = "acegikmoqsuwy"[inserted % 13]!;
            await ctx.storage.organizations.insert(
              org(`${ns}-w${key}`, {
                name: `${ns} ${letter}${key}`,
                parentId: `${ns}-root`,
                createdAt: at(95 + ((inserted * 37) % 130)),
                updatedAt: at(790 + ((inserted * 53) % 230)),
              }),
            );
          }
        })();
        try {
          const walked = await walk(ctx.storage, query, 3, async () => {
            // Let the writer in between pages too, on storages that run everything in one thread.
            await new Promise((resolve) => setTimeout(resolve, 0));
          });
          checkWalk(query, before, walked);
        } finally {
          reading = false;
          await writer;
        }
      }
    });
  },
};
