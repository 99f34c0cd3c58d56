import { expect } from "./test-api.js";
import type { Organization } from "../../domain/organization/schema.js";
import type { OrganizationSearchQuery, OrganizationVisibility, SearchPage, Storage } from "../../storage/ports.js";
import { expectDetached, expectOrgKitError } from "./assertions.js";
import type { ConformanceSuite } from "./context.js";
import { at, idsOf, org } from "./fixtures.js";

/**
 * The search data set (ids `n-<suffix>`, names `n <Name>`):
 *
 * | suffix | name          | type        | tags       | states                  | status       | parent | externalId | created | updated |
 * |--------|---------------|-------------|------------|-------------------------|--------------|--------|------------|---------|---------|
 * | p1     | Parent One    | customer    |            |                         | active       |        |            | 0       | 0       |
 * | a      | Alpha Widgets | customer    | Key, EU    | service                 | active       | p1     | n-EXT-100  | 10      | 50      |
 * | B      | beta tools    | oem         | key        | service, outreach       | active       | p1     |            | 20      | 40      |
 * | c      | Gamma Widgets | distributor | EU         |                         | discontinued |        | n-ext-200  | 30      | 30      |
 * | d      | DELTA         | customer    |            | service, outreach, opp. | active       |        |            | 20      | 60      |
 * | d2     | delta         | sales       |            |                         | discontinued | p1     |            | 40      | 10      |
 */
async function plantSearchData(storage: Storage, ns: string): Promise<void> {
  const rows: Parameters<typeof org>[1][] = [
    { id: "p1", name: "Parent One", createdAt: at(0), updatedAt: at(0) },
    {
      id: "a",
      name: "Alpha Widgets",
      tags: ["Key", "EU"],
      states: ["service"],
      parentId: "p1",
      externalId: "EXT-100",
      createdAt: at(10),
      updatedAt: at(50),
    },
    { id: "B", name: "beta tools", type: "oem", tags: ["key"], states: ["service", "outreach"], parentId: "p1", createdAt: at(20), updatedAt: at(40) },
    { id: "c", name: "Gamma Widgets", type: "distributor", tags: ["EU"], status: "discontinued", externalId: "ext-200", createdAt: at(30), updatedAt: at(30) },
    { id: "d", name: "DELTA", states: ["service", "outreach", "opportunities"], createdAt: at(20), updatedAt: at(60) },
    { id: "d2", name: "delta", type: "sales", status: "discontinued", parentId: "p1", createdAt: at(40), updatedAt: at(10) },
  ];
  for (const row of rows) {
    const { id, name, parentId, externalId, ...rest } = row!;
    await storage.organizations.insert(
      org(`${ns}-${id}`, {
        ...rest,
        name: `${ns} ${name}`,
        parentId: parentId ? `${ns}-${parentId}` : null,
        externalId: externalId ? `${ns}-${externalId}` : null,
      }),
    );
  }
}

/** Runs a query with limit 1000 and checks it fits on one page. */
async function searchAll(storage: Storage, query: OrganizationSearchQuery): Promise<SearchPage<Organization>> {
  const page = await storage.organizations.search({ ...query, limit: 1000 });
  expect(page.nextCursor).toBeNull();
  expect(page.total).toBe(page.items.length);
  return page;
}

/** Walks every page of `query` with `limit`, checking totals, sizes and cursors; returns the items in order. */
async function walkPages(storage: Storage, query: OrganizationSearchQuery, limit: number): Promise<Organization[]> {
  const items: Organization[] = [];
  let cursor: string | null = null;
  let total: number | null = null;
  for (let guard = 0; guard < 1000; guard++) {
    const page: SearchPage<Organization> = await storage.organizations.search({ ...query, limit, cursor });
    total ??= page.total;
    expect(page.total, "total is the same on every page").toBe(total);
    items.push(...page.items);
    if (page.nextCursor === null) {
      expect(items.length, "the last page ends exactly at the total").toBe(total);
      return items;
    }
    expect(page.items.length, "every page but the last is full").toBe(limit);
    expect(typeof page.nextCursor).toBe("string");
    cursor = page.nextCursor;
  }
  return expect.fail("search pagination did not end");
}

/** `organizations.search`: each filter alone and combined, sorting, keyset cursors, totals. */
export const searchSuite: ConformanceSuite = {
  name: "search",
  define(ctx) {
    const ids = (ns: string, ...suffixes: string[]) => suffixes.map((suffix) => `${ns}-${suffix}`);
    const mine = (ns: string, items: readonly Organization[]) => idsOf(items).filter((id) => id.startsWith(`${ns}-`));

    ctx.test("text matches a case-insensitive substring of the name, the id or the external id", async () => {
      const ns = ctx.namespace();
      await plantSearchData(ctx.storage, ns);
      const search = (text: string) => searchAll(ctx.storage, { text });
      expect(idsOf((await search(ns)).items)).toEqual(ids(ns, "a", "B", "d", "d2", "c", "p1"));
      expect(idsOf((await search(`${ns.toUpperCase()} ALPHA w`)).items)).toEqual(ids(ns, "a"));
      // A substring without the namespace: among this test's organizations exactly the two widget makers match.
      const widgets = await walkPages(ctx.storage, { text: "WIDG" }, 1000);
      expect(mine(ns, widgets)).toEqual(ids(ns, "a", "c"));
      expect(widgets.every((o) => `${o.name} ${o.id} ${o.externalId ?? ""}`.toLowerCase().includes("widg"))).toBe(true);
      expect(idsOf((await search(`${ns}-b`)).items)).toEqual(ids(ns, "B"));
      expect(idsOf((await search(`${ns}-EXT-`)).items)).toEqual(ids(ns, "a", "c"));
      expect(idsOf((await search(`${ns}-ext-10`)).items)).toEqual(ids(ns, "a"));
      expect(idsOf((await search(`${ns} delta`)).items)).toEqual(ids(ns, "d", "d2"));
      expect(await search(`${ns}-nothing`)).toEqual({ items: [], nextCursor: null, total: 0 });
    });

    ctx.test("each filter alone returns exactly the organizations that satisfy it", async () => {
      const ns = ctx.namespace();
      await plantSearchData(ctx.storage, ns);
      const cases: [OrganizationSearchQuery, string[], (o: Organization) => boolean][] = [
        [{ types: ["oem", "sales"] }, ["B", "d2"], (o) => o.type === "oem" || o.type === "sales"],
        [{ tags: ["KEY"] }, ["a", "B"], (o) => o.tags.some((t) => t.toLowerCase() === "key")],
        [{ tags: ["key", "eu"] }, ["a"], (o) => ["key", "eu"].every((t) => o.tags.some((x) => x.toLowerCase() === t))],
        [{ states: ["service"] }, ["a", "B", "d"], (o) => o.states.includes("service")],
        [{ states: ["outreach", "service"] }, ["B", "d"], (o) => o.states.includes("service") && o.states.includes("outreach")],
        [{ status: "discontinued" }, ["d2", "c"], (o) => o.status === "discontinued"],
        [{ status: "active" }, ["a", "B", "d", "p1"], (o) => o.status === "active"],
        [{ parentId: `${ns}-p1` }, ["a", "B", "d2"], (o) => o.parentId === `${ns}-p1`],
        [{ parentId: null }, ["d", "c", "p1"], (o) => o.parentId === null],
      ];
      for (const [query, expected, predicate] of cases) {
        const items = await walkPages(ctx.storage, query, 1000);
        expect(mine(ns, items), JSON.stringify(query)).toEqual(ids(ns, ...expected));
        expect(items.every(predicate), `every result satisfies ${JSON.stringify(query)}`).toBe(true);
      }
    });

    ctx.test("filters combine with AND", async () => {
      const ns = ctx.namespace();
      await plantSearchData(ctx.storage, ns);
      const search = async (query: OrganizationSearchQuery) => idsOf((await searchAll(ctx.storage, { text: ns, ...query })).items);
      expect(await search({ types: ["customer"], status: "active", tags: ["Key"] })).toEqual(ids(ns, "a"));
      expect(await search({ types: ["customer"], status: "active" })).toEqual(ids(ns, "a", "d", "p1"));
      expect(await search({ parentId: `${ns}-p1`, states: ["service"] })).toEqual(ids(ns, "a", "B"));
      expect(await search({ parentId: `${ns}-p1`, status: "discontinued" })).toEqual(ids(ns, "d2"));
      expect(await search({ parentId: null, tags: ["eu"] })).toEqual(ids(ns, "c"));
      expect(await search({ tags: ["eu"], states: ["service"], types: ["customer", "oem"] })).toEqual(ids(ns, "a"));
      expect(await search({ tags: ["key"], status: "discontinued" })).toEqual([]);
      expect(mine(ns, await walkPages(ctx.storage, { text: "widg", status: "discontinued" }, 1000))).toEqual(ids(ns, "c"));
    });

    ctx.test("visibility keeps only the listed organizations and those whose states equal a listed set, in pages, cursors and total", async () => {
      const ns = ctx.namespace();
      await plantSearchData(ctx.storage, ns);
      const cases: [OrganizationVisibility, string[]][] = [
        [{ organizationIds: [], stateSets: [] }, []],
        [{ organizationIds: [`${ns}-c`, `${ns}-unknown`], stateSets: [] }, ["c"]],
        // Exactly {service}: not B (service+outreach) nor d (all three).
        [{ organizationIds: [], stateSets: [["service"]] }, ["a"]],
        // A set is a set: order and repeats do not matter.
        [{ organizationIds: [], stateSets: [["service", "outreach", "service"]] }, ["B"]],
        [{ organizationIds: [], stateSets: [[]] }, ["d2", "c", "p1"]],
        [{ organizationIds: [`${ns}-d`], stateSets: [["outreach", "service"], []] }, ["B", "d", "d2", "c", "p1"]],
      ];
      for (const [visibility, expected] of cases) {
        for (const limit of [1, 2, 1000]) {
          const items = await walkPages(ctx.storage, { text: ns, visibility }, limit);
          expect(idsOf(items), JSON.stringify(visibility)).toEqual(ids(ns, ...expected));
        }
      }
      // Combined with other filters (AND), and the cursor of a page only ever names a visible row.
      const visibility = { organizationIds: [`${ns}-a`], stateSets: [[]] };
      const page = await ctx.storage.organizations.search({ text: ns, status: "active", visibility, limit: 1 });
      expect(idsOf(page.items)).toEqual(ids(ns, "a"));
      expect(page.total).toBe(2);
      const next = await ctx.storage.organizations.search({ text: ns, status: "active", visibility, limit: 1, cursor: page.nextCursor });
      expect(idsOf(next.items)).toEqual(ids(ns, "p1"));
      expect(next.nextCursor).toBeNull();
      for (const bad of [null, "all", { organizationIds: "x", stateSets: [] }, { organizationIds: [], stateSets: [["service", 1]] }, { organizationIds: [] }]) {
        await expectOrgKitError(ctx.storage.organizations.search({ text: ns, visibility: bad as never }), "VALIDATION_FAILED");
      }
    });

    ctx.test("sorts by lower-cased name then id by default, and in reverse with desc", async () => {
      const ns = ctx.namespace();
      await plantSearchData(ctx.storage, ns);
      const asc = ids(ns, "a", "B", "d", "d2", "c", "p1");
      expect(idsOf((await searchAll(ctx.storage, { text: ns })).items)).toEqual(asc);
      expect(idsOf((await searchAll(ctx.storage, { text: ns, sort: "name", direction: "asc" })).items)).toEqual(asc);
      expect(idsOf((await searchAll(ctx.storage, { text: ns, sort: "name", direction: "desc" })).items)).toEqual([...asc].reverse());
    });

    ctx.test("sorts by createdAt and updatedAt with id breaking ties", async () => {
      const ns = ctx.namespace();
      await plantSearchData(ctx.storage, ns);
      const order = async (query: OrganizationSearchQuery) => idsOf((await searchAll(ctx.storage, { text: ns, ...query })).items);
      expect(await order({ sort: "createdAt" })).toEqual(ids(ns, "p1", "a", "B", "d", "c", "d2"));
      expect(await order({ sort: "createdAt", direction: "desc" })).toEqual(ids(ns, "d2", "c", "d", "B", "a", "p1"));
      expect(await order({ sort: "updatedAt" })).toEqual(ids(ns, "p1", "d2", "c", "B", "a", "d"));
      expect(await order({ sort: "updatedAt", direction: "desc" })).toEqual(ids(ns, "d", "a", "B", "c", "d2", "p1"));
    });

    ctx.test("keyset cursors walk every page with no duplicates or gaps and a stable total", async () => {
      const ns = ctx.namespace();
      await plantSearchData(ctx.storage, ns);
      const queries: OrganizationSearchQuery[] = [
        { text: ns },
        { text: ns, direction: "desc" },
        { text: ns, sort: "createdAt" },
        { text: ns, sort: "createdAt", direction: "desc" },
        { text: ns, sort: "updatedAt", direction: "desc" },
        { text: ns, status: "active", sort: "createdAt" },
        { text: ns, parentId: `${ns}-p1`, direction: "desc" },
      ];
      for (const query of queries) {
        const whole = idsOf((await searchAll(ctx.storage, query)).items);
        for (const limit of [1, 2, 3, 4, 6, 7]) {
          expect(idsOf(await walkPages(ctx.storage, query, limit)), `${JSON.stringify(query)} limit ${limit}`).toEqual(whole);
        }
      }
    });

    ctx.test("a cursor keeps its place when organizations are added before it", async () => {
      const ns = ctx.namespace();
      await plantSearchData(ctx.storage, ns);
      const first = await ctx.storage.organizations.search({ text: ns, limit: 2 });
      expect(idsOf(first.items)).toEqual(ids(ns, "a", "B"));
      expect(first.total).toBe(6);
      await ctx.storage.organizations.insert(org(`${ns}-0`, { name: `${ns} Aardvark` }));
      const second = await ctx.storage.organizations.search({ text: ns, limit: 2, cursor: first.nextCursor });
      expect(idsOf(second.items)).toEqual(ids(ns, "d", "d2"));
      expect(second.total).toBe(7);
    });

    ctx.test("default page size is 50", async () => {
      const ns = ctx.namespace();
      for (let i = 0; i < 51; i++) await ctx.storage.organizations.insert(org(`${ns}-${String(i).padStart(2, "0")}`, { name: `${ns} n${String(i).padStart(2, "0")}` }));
      const page = await ctx.storage.organizations.search({ text: ns });
      expect(page.items).toHaveLength(50);
      expect(page.total).toBe(51);
      expect(page.nextCursor).not.toBeNull();
      const rest = await ctx.storage.organizations.search({ text: ns, cursor: page.nextCursor });
      expect(idsOf(rest.items)).toEqual([`${ns}-50`]);
      expect(rest.nextCursor).toBeNull();
    });

    ctx.test("rejects a malformed cursor and page sizes outside 1–1000 with VALIDATION_FAILED", async () => {
      const ns = ctx.namespace();
      await plantSearchData(ctx.storage, ns);
      for (const cursor of ["not a cursor", "%%%", "eyJ4IjoxfQ"]) {
        await expectOrgKitError(ctx.storage.organizations.search({ text: ns, cursor }), "VALIDATION_FAILED");
      }
      for (const limit of [0, 1001, 1.5, -3]) {
        await expectOrgKitError(ctx.storage.organizations.search({ text: ns, limit }), "VALIDATION_FAILED");
      }
    });

    ctx.test("search results are detached", async () => {
      const ns = ctx.namespace();
      await plantSearchData(ctx.storage, ns);
      const page = await ctx.storage.organizations.search({ text: ns, limit: 3 });
      await expectDetached(page.items, async () => (await ctx.storage.organizations.search({ text: ns, limit: 3 })).items);
    });
  },
};
