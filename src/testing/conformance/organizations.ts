import { expect } from "./test-api.js";
import { expectDetached, expectOrgKitError, expectStrictlyIncreasing, readAllPages, scribble } from "./assertions.js";
import type { ConformanceSuite } from "./context.js";
import { at, idsOf, mutableCopy, org } from "./fixtures.js";

/** `OrganizationRepository`: point reads, insert/update with uniqueness and versions, scan. */
export const organizationsSuite: ConformanceSuite = {
  name: "organizations",
  define(ctx) {
    ctx.test("unknown organizations read as null or nothing", async () => {
      const ns = ctx.namespace();
      const { organizations } = ctx.storage;
      expect(await organizations.get(`${ns}-missing`)).toBeNull();
      expect(await organizations.getByExternalId(`${ns}-missing`)).toBeNull();
      expect(await organizations.findActiveByName(`Org ${ns}-missing`)).toBeNull();
      expect(await organizations.getMany([`${ns}-missing`])).toEqual([]);
      expect(await organizations.getMany([])).toEqual([]);
    });

    ctx.test("insert stores the organization exactly as given", async () => {
      const ns = ctx.namespace();
      const parent = org(`${ns}-parent`);
      const child = org(`${ns}-child`, {
        externalId: `${ns}-EXT`,
        parentId: parent.id,
        type: "oem",
        tags: ["Key", "EU"],
        states: ["service", "outreach"],
        description: "Multi-line\ndescription with ünïcode ✓",
        address: { line1: "1 Main St", line2: "", city: "Springfield", region: "", country: "US", postalCode: "12345" },
        contact: { emails: ["info@example.com"], phones: ["+1 555 0100"], website: "https://example.com", social: { x: "@acme" } },
        memberRules: [{ id: `${ns}-rule`, kind: "domain", value: `${ns}.example`, includeSubdomains: true }],
        usergroupIds: ["ug_1"],
        allowedRoles: ["member", "Billing"],
        allowedApps: ["tickets"],
        customFields: { tier: "gold", seats: 42, vip: true },
        createdAt: at(5),
        updatedAt: at(9),
        version: 3,
      });
      await ctx.storage.organizations.insert(parent);
      await ctx.storage.organizations.insert(child);
      expect(await ctx.storage.organizations.get(child.id)).toEqual(child);
      expect(await ctx.storage.organizations.get(parent.id)).toEqual(parent);
      if (ctx.inspect) {
        const raw = await ctx.inspect.organization(child.id);
        expect(raw, "the raw inspector sees the inserted organization").not.toBeNull();
        expect(raw!.id).toBe(child.id);
        expect(raw!.name).toBe(child.name);
        expect(raw!.externalId).toBe(child.externalId);
        expect(raw!.parentId).toBe(parent.id);
        expect(raw!.status).toBe("active");
        expect(Number(raw!.version)).toBe(3);
      }
    });

    ctx.test("getMany returns the existing organizations in the order of the ids", async () => {
      const ns = ctx.namespace();
      const [a, b, c] = [org(`${ns}-a`), org(`${ns}-b`), org(`${ns}-c`)];
      for (const o of [a, b, c]) await ctx.storage.organizations.insert(o);
      const found = await ctx.storage.organizations.getMany([c.id, `${ns}-missing`, a.id, b.id]);
      expect(idsOf(found)).toEqual([c.id, a.id, b.id]);
      expect(found[0]).toEqual(c);
    });

    ctx.test("returned organizations are detached from the store", async () => {
      const ns = ctx.namespace();
      const a = org(`${ns}-a`, { externalId: `${ns}-ext`, tags: ["t"], customFields: { n: 1 } });
      await ctx.storage.organizations.insert(a);
      const { organizations } = ctx.storage;
      await expectDetached(await organizations.get(a.id), () => organizations.get(a.id));
      await expectDetached(await organizations.getMany([a.id]), () => organizations.getMany([a.id]));
      await expectDetached(await organizations.getByExternalId(`${ns}-ext`), () => organizations.getByExternalId(`${ns}-ext`));
      await expectDetached(await organizations.findActiveByName(a.name), () => organizations.findActiveByName(a.name));
      await expectDetached(await organizations.scan({ after: `${ns}-`, limit: 1 }), () => organizations.scan({ after: `${ns}-`, limit: 1 }));
      expect(await organizations.get(a.id)).toEqual(a);
    });

    ctx.test("changing an object after inserting or updating it changes nothing stored", async () => {
      const ns = ctx.namespace();
      const original = org(`${ns}-a`, { tags: ["one"] });
      const input = mutableCopy(original);
      await ctx.storage.organizations.insert(input);
      scribble(input);
      expect(await ctx.storage.organizations.get(original.id)).toEqual(original);
      const next = { ...original, description: "v2", version: 2 };
      const updateInput = mutableCopy(next);
      await ctx.storage.organizations.update(updateInput, 1);
      scribble(updateInput);
      expect(await ctx.storage.organizations.get(original.id)).toEqual(next);
    });

    ctx.test("insert of a taken id is CONFLICT (unique) and changes nothing", async () => {
      const ns = ctx.namespace();
      const a = org(`${ns}-a`);
      await ctx.storage.organizations.insert(a);
      await expectOrgKitError(ctx.storage.organizations.insert({ ...a, name: `Other ${ns}` }), "CONFLICT", "unique");
      expect(await ctx.storage.organizations.get(a.id)).toEqual(a);
      expect(await ctx.storage.organizations.findActiveByName(`Other ${ns}`)).toBeNull();
    });

    ctx.test("insert of a taken external id is CONFLICT (unique) and stores nothing", async () => {
      const ns = ctx.namespace();
      await ctx.storage.organizations.insert(org(`${ns}-a`, { externalId: `${ns}-ext` }));
      await expectOrgKitError(ctx.storage.organizations.insert(org(`${ns}-b`, { externalId: `${ns}-ext` })), "CONFLICT", "unique");
      expect(await ctx.storage.organizations.get(`${ns}-b`)).toBeNull();
      expect((await ctx.storage.organizations.getByExternalId(`${ns}-ext`))?.id).toBe(`${ns}-a`);
      if (ctx.inspect) expect(await ctx.inspect.organization(`${ns}-b`)).toBeNull();
    });

    ctx.test("getByExternalId finds by the host's id, exactly", async () => {
      const ns = ctx.namespace();
      const a = org(`${ns}-a`, { externalId: `${ns}-CUST-1` });
      await ctx.storage.organizations.insert(a);
      await ctx.storage.organizations.insert(org(`${ns}-b`));
      expect(await ctx.storage.organizations.getByExternalId(`${ns}-CUST-1`)).toEqual(a);
      expect(await ctx.storage.organizations.getByExternalId(`${ns}-CUST`)).toBeNull();
    });

    ctx.test("findActiveByName compares lower-cased names and ignores discontinued organizations", async () => {
      const ns = ctx.namespace();
      const active = org(`${ns}-a`, { name: `Acme ${ns} Manufacturing` });
      const gone = org(`${ns}-b`, { name: `Globex ${ns}`, status: "discontinued" });
      await ctx.storage.organizations.insert(active);
      await ctx.storage.organizations.insert(gone);
      expect(await ctx.storage.organizations.findActiveByName(`ACME ${ns.toUpperCase()} manufacturing`)).toEqual(active);
      expect(await ctx.storage.organizations.findActiveByName(`Acme ${ns}`)).toBeNull();
      expect(await ctx.storage.organizations.findActiveByName(`Globex ${ns}`)).toBeNull();
    });

    ctx.test("update replaces the organization when the expected version matches", async () => {
      const ns = ctx.namespace();
      const v1 = org(`${ns}-a`);
      await ctx.storage.organizations.insert(v1);
      const v2 = { ...v1, description: "second", tags: ["x"], updatedAt: at(60), version: 2 };
      await ctx.storage.organizations.update(v2, 1);
      expect(await ctx.storage.organizations.get(v1.id)).toEqual(v2);
      const v3 = { ...v2, status: "discontinued" as const, updatedAt: at(120), version: 3 };
      await ctx.storage.organizations.update(v3, 2);
      expect(await ctx.storage.organizations.get(v1.id)).toEqual(v3);
      if (ctx.inspect) {
        const raw = await ctx.inspect.organization(v1.id);
        expect(Number(raw?.version)).toBe(3);
        expect(raw?.status).toBe("discontinued");
      }
    });

    ctx.test("update with a stale expected version is CONFLICT (version) and changes nothing", async () => {
      const ns = ctx.namespace();
      const v1 = org(`${ns}-a`);
      await ctx.storage.organizations.insert(v1);
      await ctx.storage.organizations.update({ ...v1, description: "v2", version: 2 }, 1);
      await expectOrgKitError(ctx.storage.organizations.update({ ...v1, description: "lost", version: 2 }, 1), "CONFLICT", "version");
      await expectOrgKitError(ctx.storage.organizations.update({ ...v1, description: "ahead", version: 4 }, 3), "CONFLICT", "version");
      const stored = await ctx.storage.organizations.get(v1.id);
      expect(stored?.description).toBe("v2");
      expect(stored?.version).toBe(2);
    });

    ctx.test("update of a missing organization is NOT_FOUND", async () => {
      const ns = ctx.namespace();
      await expectOrgKitError(ctx.storage.organizations.update(org(`${ns}-missing`, { version: 2 }), 1), "NOT_FOUND");
      expect(await ctx.storage.organizations.get(`${ns}-missing`)).toBeNull();
    });

    ctx.test("update keeps the external id and name lookups in step", async () => {
      const ns = ctx.namespace();
      const v1 = org(`${ns}-a`, { name: `First ${ns}`, externalId: `${ns}-old` });
      await ctx.storage.organizations.insert(v1);
      const v2 = { ...v1, name: `Second ${ns}`, externalId: `${ns}-new`, version: 2 };
      await ctx.storage.organizations.update(v2, 1);
      expect(await ctx.storage.organizations.getByExternalId(`${ns}-old`)).toBeNull();
      expect(await ctx.storage.organizations.getByExternalId(`${ns}-new`)).toEqual(v2);
      expect(await ctx.storage.organizations.findActiveByName(`First ${ns}`)).toBeNull();
      expect(await ctx.storage.organizations.findActiveByName(`second ${ns}`)).toEqual(v2);
      // The released external id can be taken by another organization.
      await ctx.storage.organizations.insert(org(`${ns}-b`, { externalId: `${ns}-old` }));
      expect((await ctx.storage.organizations.getByExternalId(`${ns}-old`))?.id).toBe(`${ns}-b`);
      // Discontinuing removes it from the active-name lookup.
      await ctx.storage.organizations.update({ ...v2, status: "discontinued", version: 3 }, 2);
      expect(await ctx.storage.organizations.findActiveByName(`Second ${ns}`)).toBeNull();
    });

    ctx.test("update to an external id held by another organization is CONFLICT (unique)", async () => {
      const ns = ctx.namespace();
      const a = org(`${ns}-a`, { externalId: `${ns}-ext-a` });
      const b = org(`${ns}-b`, { externalId: `${ns}-ext-b` });
      await ctx.storage.organizations.insert(a);
      await ctx.storage.organizations.insert(b);
      await expectOrgKitError(ctx.storage.organizations.update({ ...b, externalId: `${ns}-ext-a`, version: 2 }, 1), "CONFLICT", "unique");
      expect(await ctx.storage.organizations.get(b.id)).toEqual(b);
      // Keeping its own external id is not a clash.
      await ctx.storage.organizations.update({ ...a, description: "same ext", version: 2 }, 1);
      expect((await ctx.storage.organizations.getByExternalId(`${ns}-ext-a`))?.version).toBe(2);
    });

    ctx.test("scan pages through every organization in id order", async () => {
      const ns = ctx.namespace();
      const mine = [`${ns}-b`, `${ns}-B`, `${ns}-a`, `${ns}-_`, `${ns}-a0`];
      for (const id of mine) await ctx.storage.organizations.insert(org(id));
      const all = await readAllPages((after, limit) => ctx.storage.organizations.scan({ after, limit }), (o) => o.id, 2);
      const ids = idsOf(all);
      expectStrictlyIncreasing(ids);
      expect(ids.filter((id) => id.startsWith(`${ns}-`))).toEqual([`${ns}-B`, `${ns}-_`, `${ns}-a`, `${ns}-a0`, `${ns}-b`]);
      const afterA = await ctx.storage.organizations.scan({ after: `${ns}-a`, limit: 2 });
      expect(idsOf(afterA)).toEqual([`${ns}-a0`, `${ns}-b`]);
    });

    ctx.test("scan rejects page sizes outside 1–1000", async () => {
      for (const limit of [0, 1001, 2.5, -1]) {
        await expectOrgKitError(ctx.storage.organizations.scan({ limit }), "VALIDATION_FAILED");
        await expectOrgKitError(ctx.storage.organizations.children(null, { limit }), "VALIDATION_FAILED");
      }
    });
  },
};

/** Adapters that enforce unique active names (the default of `memoryStorage`): skip this sub-suite otherwise. */
export const uniqueNamesSuite: ConformanceSuite = {
  name: "unique-names",
  define(ctx) {
    ctx.test("insert of a second active organization with the same lower-cased name is CONFLICT (unique)", async () => {
      const ns = ctx.namespace();
      await ctx.storage.organizations.insert(org(`${ns}-a`, { name: `Acme ${ns}` }));
      const error = await expectOrgKitError(ctx.storage.organizations.insert(org(`${ns}-b`, { name: `ACME ${ns.toUpperCase()}` })), "CONFLICT", "unique");
      expect(error.details.reason).toBe("unique");
      expect(await ctx.storage.organizations.get(`${ns}-b`)).toBeNull();
    });

    ctx.test("discontinued organizations do not hold their name", async () => {
      const ns = ctx.namespace();
      await ctx.storage.organizations.insert(org(`${ns}-old`, { name: `Acme ${ns}`, status: "discontinued" }));
      await ctx.storage.organizations.insert(org(`${ns}-new`, { name: `acme ${ns}` }));
      expect((await ctx.storage.organizations.findActiveByName(`Acme ${ns}`))?.id).toBe(`${ns}-new`);
    });

    ctx.test("reactivating or renaming into an active name is CONFLICT (unique)", async () => {
      const ns = ctx.namespace();
      const old = org(`${ns}-old`, { name: `Acme ${ns}`, status: "discontinued" });
      const current = org(`${ns}-new`, { name: `ACME ${ns}` });
      const other = org(`${ns}-other`, { name: `Other ${ns}` });
      for (const o of [old, current, other]) await ctx.storage.organizations.insert(o);
      await expectOrgKitError(ctx.storage.organizations.update({ ...old, status: "active", version: 2 }, 1), "CONFLICT", "unique");
      await expectOrgKitError(ctx.storage.organizations.update({ ...other, name: `acme ${ns}`, version: 2 }, 1), "CONFLICT", "unique");
      expect(await ctx.storage.organizations.get(old.id)).toEqual(old);
      expect(await ctx.storage.organizations.get(other.id)).toEqual(other);
      // Keeping one's own name (in another case) is fine.
      await ctx.storage.organizations.update({ ...current, name: `Acme ${ns}`, version: 2 }, 1);
      expect((await ctx.storage.organizations.findActiveByName(`acme ${ns}`))?.version).toBe(2);
    });
  },
};
