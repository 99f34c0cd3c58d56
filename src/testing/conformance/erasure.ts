import { expect } from "./test-api.js";
import type { ChangeEntry, NewChangeEntry } from "../../storage/ports.js";
import { ERASED_MARKER } from "../../storage/scrub.js";
import { createOrgKit } from "../../service/create-org-kit.js";
import { SYSTEM_ACTOR } from "../../service/actor.js";
import { expectOrgKitError } from "./assertions.js";
import type { ConformanceContext, ConformanceSuite } from "./context.js";
import { at, event, rule, SUITE_ACTOR, user } from "./fixtures.js";

/** Every stored row as text, read raw when the inspector can, else through the ports (the trail and the feed included). */
async function storedText(ctx: ConformanceContext): Promise<string> {
  if (ctx.inspect?.dump) return ctx.inspect.dump();
  const { storage } = ctx;
  const page = { after: null, limit: 1000 };
  return JSON.stringify([
    await storage.users.scan(page),
    await storage.organizations.scan(page),
    await storage.rules.scan(page),
    await storage.memberships.scan(page),
    await storage.events.list({ limit: 1000 }),
    await storage.changes.since(Math.max(0, (await storage.changes.latestRevision()) - 1000), 1000),
  ]);
}

const mentions = (text: string, value: string) => text.toLowerCase().includes(value.toLowerCase());

/** A feed entry carrying `events` and a policy change. */
function feedEntry(ns: string, events: ChangeEntry["events"]): NewChangeEntry {
  return {
    at: at(1),
    changes: [{ type: "usergroup.set", usergroup: { id: `${ns}-g`, name: `ann@${ns}.example`, permissions: [], builtIn: null } }],
    events,
  };
}

/**
 * Erasure (GDPR article 17) at the storage: `users.delete`, `events.listByUser`,
 * `events.scrub` and `changes.scrub`, and `users.erase` through the facade, whose erased
 * address must appear nowhere in the stored rows (read raw with the inspector's `dump`).
 */
export const erasureSuite: ConformanceSuite = {
  name: "erasure",
  define(ctx) {
    ctx.test("users.delete removes the user and the identities it was findable by; false when there is none", async () => {
      const ns = ctx.namespace();
      const ann = user(`${ns}-ann`, { emails: [`ann@${ns}.example`], username: `ann-${ns}`, phones: ["+14155550100"] });
      await ctx.storage.users.insert(ann);
      await ctx.storage.users.insert(user(`${ns}-bob`, { emails: [`bob@${ns}.example`] }));
      const countBefore = ctx.inspect ? await ctx.inspect.count("users") : 0;
      expect(await ctx.storage.users.delete(ann.id)).toBe(true);
      expect(await ctx.storage.users.get(ann.id)).toBeNull();
      for (const [kind, value] of [["email", `ann@${ns}.example`], ["username", `ann-${ns}`], ["domain", `${ns}.example`]] as const) {
        const found = await ctx.storage.users.findMatching({ kind, value, includeSubdomains: false }, { limit: 10 });
        expect(found.map((u) => u.id), `${kind} ${value}`).toEqual(kind === "domain" ? [`${ns}-bob`] : []);
      }
      expect(await ctx.storage.users.delete(ann.id)).toBe(false);
      if (ctx.inspect) {
        expect(await ctx.inspect.user(ann.id)).toBeNull();
        expect(await ctx.inspect.count("users")).toBe(countBefore - 1);
        if (ctx.inspect.dump) expect(mentions(await ctx.inspect.dump(), `ann@${ns}.example`)).toBe(false);
      }
      // The id is free again.
      await ctx.storage.users.insert(ann);
      expect(await ctx.storage.users.get(ann.id)).toEqual(ann);
    });

    ctx.test("users.delete in a rolled-back transaction deletes nothing", async () => {
      const ns = ctx.namespace();
      const ann = user(`${ns}-ann`, { emails: [`ann@${ns}.example`] });
      await ctx.storage.users.insert(ann);
      await expect(
        ctx.storage.transaction(async (session) => {
          expect(await session.users.delete(ann.id)).toBe(true);
          throw new Error("rolled back on purpose");
        }),
      ).rejects.toThrow("rolled back on purpose");
      expect(await ctx.storage.users.get(ann.id)).toEqual(ann);
      expect((await ctx.storage.users.findMatching({ kind: "email", value: `ann@${ns}.example`, includeSubdomains: false }, { limit: 5 })).map((u) => u.id)).toEqual([ann.id]);
    });

    ctx.test("events.listByUser lists what the user did and what is about it (data.userId), by sequence, a page at a time", async () => {
      const ns = ctx.namespace();
      const ann = `${ns}-ann`;
      const appended = await ctx.storage.events.append([
        event("a", null, { data: { userId: ann } }),
        event("b", null, { actor: { type: "user", id: ann }, data: { userId: `${ns}-bob` } }),
        event("c", null, { data: { userId: `${ns}-bob` } }),
        event("d", null, { actor: { type: "system", id: ann }, data: {} }), // a system actor is not the user
        event("e", null, { actor: { type: "user", id: ann }, data: { userId: ann } }),
        event("f", null, { data: { other: ann } }),
      ]);
      const mine = appended.filter((e) => ["a", "b", "e"].includes(e.type));
      expect(await ctx.storage.events.listByUser(ann, { limit: 10 })).toEqual(mine);
      expect(await ctx.storage.events.listByUser(ann, { limit: 2 })).toEqual(mine.slice(0, 2));
      expect(await ctx.storage.events.listByUser(ann, { after: mine[1]!.sequence, limit: 10 })).toEqual(mine.slice(2));
      expect((await ctx.storage.events.listByUser(`${ns}-bob`, { limit: 10 })).map((e) => e.type)).toEqual(["b", "c"]);
      expect(await ctx.storage.events.listByUser(`${ns}-nobody`, { limit: 10 })).toEqual([]);
      for (const limit of [0, 1001]) await expectOrgKitError(ctx.storage.events.listByUser(ann, { limit }), "VALIDATION_FAILED");
      await expectOrgKitError(ctx.storage.events.listByUser(42 as unknown as string, { limit: 1 }), "VALIDATION_FAILED");
    });

    ctx.test("events.scrub replaces each token occurrence of the values in event data, keeps references, and counts the events it changed", async () => {
      const ns = ctx.namespace();
      const email = `ann@${ns}.example`;
      const [named, sentence, untouched, longer, reference] = await ctx.storage.events.append([
        event("rule", null, { data: { userId: `${ns}-ann`, rule: { kind: "email", value: email }, list: [email, "kept"], n: 3 } }),
        event("linked", null, { data: { reason: `Linked by its email rule '${email.toUpperCase()}' (rule_1)`, ok: true } }),
        event("other", null, { data: { text: `bob@${ns}.example` } }),
        event("longer", null, { data: { a: `mary.${email}`, b: `${email}.org`, c: `x${email}` } }),
        event("reference", null, { data: { userId: email, organizationId: email, usergroupIds: [email] } }),
      ]);
      expect(await ctx.storage.events.scrub([email, ""])).toBe(2);
      const read = new Map((await ctx.storage.events.list({ after: named!.sequence - 1, limit: 10 })).map((e) => [e.sequence, e]));
      expect(read.get(named!.sequence)).toEqual({ ...named, data: { userId: `${ns}-ann`, rule: { kind: "email", value: ERASED_MARKER }, list: [ERASED_MARKER, "kept"], n: 3 } });
      expect(read.get(sentence!.sequence)!.data).toEqual({ reason: `Linked by its email rule '${ERASED_MARKER}' (rule_1)`, ok: true });
      expect(read.get(untouched!.sequence)).toEqual(untouched);
      expect(read.get(longer!.sequence)).toEqual(longer); // other addresses that contain it
      expect(read.get(reference!.sequence)).toEqual(reference); // ids are references, kept
      // Scrubbing again finds nothing to change.
      expect(await ctx.storage.events.scrub([email])).toBe(0);
      expect(await ctx.storage.events.scrub([])).toBe(0);
      for (const bad of ["x", [1], null]) await expectOrgKitError(ctx.storage.events.scrub(bad as unknown as string[]), "VALIDATION_FAILED");
    });

    ctx.test("events.scrub in a rolled-back transaction changes nothing, and another tenant's events are never touched", async () => {
      const ns = ctx.namespace();
      const email = `ann@${ns}.example`;
      const [appended] = await ctx.storage.events.append([event("x", null, { data: { email } })]);
      const neighbour = ctx.storage.forTenant?.(`${ns}-neighbour`);
      const [theirs] = neighbour ? await neighbour.events.append([event("x", null, { data: { email } })]) : [];
      await expect(
        ctx.storage.transaction(async (session) => {
          expect(await session.events.scrub([email])).toBe(1);
          throw new Error("rolled back on purpose");
        }),
      ).rejects.toThrow("rolled back on purpose");
      expect((await ctx.storage.events.list({ after: appended!.sequence - 1, limit: 1 }))[0]).toEqual(appended);
      expect(await ctx.storage.events.scrub([email])).toBe(1);
      if (neighbour) expect((await neighbour.events.list({ after: theirs!.sequence - 1, limit: 1 }))[0]).toEqual(theirs);
    });

    ctx.test("changes.scrub scrubs the events the entries carry as events.scrub does, and leaves their policy changes", async () => {
      const ns = ctx.namespace();
      const email = `ann@${ns}.example`;
      const carried = { sequence: 1, type: "membership.added", organizationId: `${ns}-o`, actor: SUITE_ACTOR, at: at(1), data: { userId: `${ns}-ann`, reason: `its email rule '${email}'` } };
      const plain = { ...carried, sequence: 2, data: { userId: `${ns}-bob` } };
      const r1 = await ctx.storage.changes.append(feedEntry(ns, [carried, plain]));
      const r2 = await ctx.storage.changes.append(feedEntry(`${ns}x`, [plain]));
      expect(await ctx.storage.changes.scrub([email])).toBe(1);
      const [first, second] = await ctx.storage.changes.since(r1 - 1, 2);
      expect(first).toEqual({ revision: r1, ...feedEntry(ns, [{ ...carried, data: { userId: `${ns}-ann`, reason: `its email rule '${ERASED_MARKER}'` } }, plain]) });
      expect(second).toEqual({ revision: r2, ...feedEntry(`${ns}x`, [plain]) });
      expect(await ctx.storage.changes.scrub([email])).toBe(0);
      await expectOrgKitError(ctx.storage.changes.scrub("x" as unknown as string[]), "VALIDATION_FAILED");
    });

    ctx.test("users.erase through the facade: the erased address, phone and username appear in no stored row", async () => {
      const ns = ctx.namespace();
      let n = 0;
      const kit = createOrgKit({ storage: ctx.storage, ids: (kind) => `${ns}${kind}${++n}`, config: { membershipPolicy: "multiple" } });
      const values = [`ann@${ns}.example`, "+14155550123", `ann-${ns}`];
      const acme = await kit.organizations.create(SYSTEM_ACTOR, { name: `${ns} Acme` });
      await kit.rules.add(SYSTEM_ACTOR, acme.id, { kind: "email", value: values[0]! });
      await kit.rules.add(SYSTEM_ACTOR, acme.id, { kind: "domain", value: `${ns}.example` });
      await ctx.storage.rules.insert(rule(`${ns}-stray`, `${ns}-gone`, { kind: "username", value: values[2]! })); // a rule of no organization
      await kit.users.upsert(SYSTEM_ACTOR, { id: `${ns}-ann`, emails: [{ value: values[0]!, verified: true }], phones: [values[1]!], username: values[2]! });
      await kit.users.upsert(SYSTEM_ACTOR, { id: `${ns}-bob`, emails: [{ value: `bob@${ns}.example`, verified: true }] });
      const before = await storedText(ctx);
      for (const value of values) expect(mentions(before, value), `${value} is stored before`).toBe(true);
      const erasure = await kit.users.erase(SYSTEM_ACTOR, `${ns}-ann`);
      expect(erasure.membershipsEnded.map((m) => m.organizationId)).toEqual([acme.id]);
      const after = await storedText(ctx);
      for (const value of values) expect(mentions(after, value), `${value} is still stored`).toBe(false);
      expect(erasure.rulesRemoved.map((r) => r.organizationId).sort()).toEqual([`${ns}-gone`, acme.id].sort());
      expect(await ctx.storage.users.get(`${ns}-ann`)).toMatchObject({ emails: [], phones: [], username: null, erasedAt: expect.any(String) });
      expect(await ctx.storage.memberships.get(`${ns}-bob`, acme.id)).not.toBeNull();
      expect((await ctx.storage.rules.listByOrganization(acme.id)).map((r) => r.kind)).toEqual(["domain"]);
    });
  },
};
