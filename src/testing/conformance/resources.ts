import { expect } from "./test-api.js";
import type { ResourceOwnership } from "../../domain/membership/model.js";
import { expectDetached, expectOrgKitError, expectStrictlyIncreasing, readAllPages, scribble } from "./assertions.js";
import type { ConformanceSuite } from "./context.js";
import { at, mutableCopy, org, resource } from "./fixtures.js";

const keyOf = (r: ResourceOwnership) => `${r.kind}\u0000${r.id}`;
const labels = (items: readonly ResourceOwnership[]) => items.map((r) => `${r.kind}:${r.id}`);

/** `ResourceRepository`: one owner per (kind, id), listings by organization and scan with `kind ␀ id` cursors. */
export const resourcesSuite: ConformanceSuite = {
  name: "resources",
  define(ctx) {
    ctx.test("unknown resources read as null or nothing", async () => {
      const ns = ctx.namespace();
      expect(await ctx.storage.resources.get("asset", `${ns}-missing`)).toBeNull();
      expect(await ctx.storage.resources.delete("asset", `${ns}-missing`)).toBe(false);
      expect(await ctx.storage.resources.listByOrganization(`${ns}-o`, { limit: 10 })).toEqual([]);
    });

    ctx.test("put stores the owner; put again reassigns it to the new organization only", async () => {
      const ns = ctx.namespace();
      await ctx.storage.organizations.insert(org(`${ns}-o1`));
      await ctx.storage.organizations.insert(org(`${ns}-o2`));
      const first = resource("asset", `${ns}-laptop`, `${ns}-o1`, { assignedAt: at(1) });
      const input = mutableCopy(first);
      await ctx.storage.resources.put(input);
      scribble(input);
      expect(await ctx.storage.resources.get("asset", `${ns}-laptop`)).toEqual(first);
      // The same id under another kind is another resource.
      expect(await ctx.storage.resources.get("system", `${ns}-laptop`)).toBeNull();
      const moved = { ...first, organizationId: `${ns}-o2`, assignedAt: at(2) };
      await ctx.storage.resources.put(moved);
      expect(await ctx.storage.resources.get("asset", `${ns}-laptop`)).toEqual(moved);
      expect(await ctx.storage.resources.listByOrganization(`${ns}-o1`, { limit: 10 })).toEqual([]);
      expect(await ctx.storage.resources.listByOrganization(`${ns}-o2`, { limit: 10 })).toEqual([moved]);
      await expectDetached(await ctx.storage.resources.get("asset", `${ns}-laptop`), () => ctx.storage.resources.get("asset", `${ns}-laptop`));
      await expectDetached(await ctx.storage.resources.listByOrganization(`${ns}-o2`, { limit: 10 }), () =>
        ctx.storage.resources.listByOrganization(`${ns}-o2`, { limit: 10 }),
      );
    });

    ctx.test("listByOrganization is ordered by (kind, id) and paginated with kind ␀ id", async () => {
      const ns = ctx.namespace();
      await ctx.storage.organizations.insert(org(`${ns}-o`));
      await ctx.storage.organizations.insert(org(`${ns}-other`));
      const owned: [string, string][] = [
        ["system", `${ns}-a`],
        ["asset", `${ns}-b`],
        ["Asset", `${ns}-z`],
        ["asset", `${ns}-B`],
        ["asset-x", `${ns}-a`],
        ["asset", `${ns}-a`],
      ];
      for (const [kind, id] of owned) await ctx.storage.resources.put(resource(kind, id, `${ns}-o`));
      await ctx.storage.resources.put(resource("asset", `${ns}-c`, `${ns}-other`));
      const expected = [`Asset:${ns}-z`, `asset:${ns}-B`, `asset:${ns}-a`, `asset:${ns}-b`, `asset-x:${ns}-a`, `system:${ns}-a`];
      expect(labels(await ctx.storage.resources.listByOrganization(`${ns}-o`, { limit: 100 }))).toEqual(expected);
      for (const limit of [1, 2, 4]) {
        const all = await readAllPages((after, pageLimit) => ctx.storage.resources.listByOrganization(`${ns}-o`, { after, limit: pageLimit }), keyOf, limit);
        expect(labels(all), `limit ${limit}`).toEqual(expected);
      }
      expect(labels(await ctx.storage.resources.listByOrganization(`${ns}-o`, { after: `asset\u0000${ns}-a`, limit: 2 }))).toEqual(expected.slice(3, 5));
    });

    ctx.test("delete removes the resource from every listing", async () => {
      const ns = ctx.namespace();
      await ctx.storage.organizations.insert(org(`${ns}-o`));
      await ctx.storage.resources.put(resource("asset", `${ns}-a`, `${ns}-o`));
      await ctx.storage.resources.put(resource("asset", `${ns}-b`, `${ns}-o`));
      expect(await ctx.storage.resources.delete("asset", `${ns}-a`)).toBe(true);
      expect(await ctx.storage.resources.delete("asset", `${ns}-a`)).toBe(false);
      expect(await ctx.storage.resources.get("asset", `${ns}-a`)).toBeNull();
      expect(labels(await ctx.storage.resources.listByOrganization(`${ns}-o`, { limit: 10 }))).toEqual([`asset:${ns}-b`]);
      const all = await readAllPages((after, limit) => ctx.storage.resources.scan({ after, limit }), keyOf, 1000);
      expect(labels(all.filter((r) => r.organizationId === `${ns}-o`))).toEqual([`asset:${ns}-b`]);
    });

    ctx.test("scan pages through every resource by (kind, id)", async () => {
      const ns = ctx.namespace();
      await ctx.storage.organizations.insert(org(`${ns}-o`));
      const mine: [string, string][] = [
        ["system", `${ns}-a`],
        ["asset", `${ns}-b`],
        ["asset", `${ns}-B`],
      ];
      for (const [kind, id] of mine) await ctx.storage.resources.put(resource(kind, id, `${ns}-o`));
      for (const limit of [1, 2, 1000]) {
        const all = await readAllPages((after, pageLimit) => ctx.storage.resources.scan({ after, limit: pageLimit }), keyOf, limit);
        expectStrictlyIncreasing(all.map(keyOf));
        expect(labels(all.filter((r) => r.organizationId === `${ns}-o`))).toEqual([`asset:${ns}-B`, `asset:${ns}-b`, `system:${ns}-a`]);
      }
      for (const limit of [0, 1001]) {
        await expectOrgKitError(ctx.storage.resources.scan({ limit }), "VALIDATION_FAILED");
        await expectOrgKitError(ctx.storage.resources.listByOrganization(`${ns}-o`, { limit }), "VALIDATION_FAILED");
      }
    });
  },
};
