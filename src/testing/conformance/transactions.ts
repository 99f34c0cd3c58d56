import { expect } from "./test-api.js";
import { isOrgKitError } from "../../errors.js";
import type { Storage, StorageSession } from "../../storage/ports.js";
import { expectOrgKitError } from "./assertions.js";
import type { ConformanceSuite } from "./context.js";
import { event, idsOf, invitation, membership, org, profile, resource, rule, user, usergroup } from "./fixtures.js";
import type { RawTable } from "../../storage/raw-inspector.js";

const TABLES: readonly RawTable[] = ["organizations", "users", "memberships", "rules", "usergroups", "profiles", "resources", "events"];

async function countAll(ctx: { storage: Storage; inspect: { count(table: RawTable): Promise<number> } | null }): Promise<Record<string, number> | null> {
  if (!ctx.inspect) return null;
  const counts: Record<string, number> = {};
  // Invitations only where the adapter has them (the repository is optional).
  for (const table of ctx.storage.invitations ? [...TABLES, "invitations" as const] : TABLES) counts[table] = await ctx.inspect.count(table);
  return counts;
}

/** Runs `fn` in a transaction, retrying on CONFLICT (the ports allow a serialization failure under concurrency). */
async function withRetry<T>(storage: Storage, fn: (session: StorageSession) => Promise<T>, attempts = 50): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await storage.transaction(fn);
    } catch (error) {
      if (attempt >= attempts || !isOrgKitError(error, "CONFLICT")) throw error;
    }
  }
}

/** Outcome of a promise, without throwing. */
async function settle<T>(promise: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error };
  }
}

/** `Storage.transaction`: commit, rollback of every kind of write, rethrowing, isolation and concurrency. */
export const transactionsSuite: ConformanceSuite = {
  name: "transactions",
  define(ctx) {
    ctx.test("a transaction commits everything it wrote and resolves with the callback's value", async () => {
      const ns = ctx.namespace();
      const result = await ctx.storage.transaction(async (session) => {
        await session.organizations.insert(org(`${ns}-o`));
        await session.users.insert(user(`${ns}-u`));
        await session.memberships.put(membership(`${ns}-u`, `${ns}-o`));
        const [appended] = await session.events.append([event("test.committed", `${ns}-o`)]);
        return { sequence: appended!.sequence };
      });
      expect(result.sequence).toBeGreaterThan(0);
      expect((await ctx.storage.organizations.get(`${ns}-o`))?.id).toBe(`${ns}-o`);
      expect((await ctx.storage.users.get(`${ns}-u`))?.id).toBe(`${ns}-u`);
      expect(await ctx.storage.memberships.get(`${ns}-u`, `${ns}-o`)).not.toBeNull();
      expect((await ctx.storage.events.list({ organizationId: `${ns}-o`, limit: 5 })).map((e) => e.sequence)).toEqual([result.sequence]);
      if (ctx.inspect) {
        expect(await ctx.inspect.organization(`${ns}-o`)).not.toBeNull();
        expect(await ctx.inspect.membership(`${ns}-u`, `${ns}-o`)).not.toBeNull();
      }
    });

    ctx.test("reads inside a transaction see its own writes", async () => {
      const ns = ctx.namespace();
      await ctx.storage.transaction(async (session) => {
        await session.organizations.insert(org(`${ns}-p`, { externalId: `${ns}-ext` }));
        await session.organizations.insert(org(`${ns}-c`, { parentId: `${ns}-p` }));
        expect((await session.organizations.getByExternalId(`${ns}-ext`))?.id).toBe(`${ns}-p`);
        expect(idsOf(await session.organizations.children(`${ns}-p`))).toEqual([`${ns}-c`]);
        expect(idsOf(await session.organizations.ancestors(`${ns}-c`))).toEqual([`${ns}-p`]);
        expect((await session.organizations.search({ text: ns })).total).toBe(2);
        await session.users.insert(user(`${ns}-u`, { emails: [`u@${ns}.example`] }));
        expect(idsOf(await session.users.findMatching({ kind: "domain", value: `${ns}.example`, includeSubdomains: false }, { limit: 5 }))).toEqual([`${ns}-u`]);
      });
    });

    ctx.test("a throwing transaction leaves nothing behind and rethrows the same error", async () => {
      const ns = ctx.namespace();
      // What exists before: an organization, a user, a membership, a usergroup.
      const existing = org(`${ns}-old`, { externalId: `${ns}-old-ext`, name: `Old ${ns}` });
      await ctx.storage.organizations.insert(existing);
      const existingUser = user(`${ns}-old-user`, { emails: [`old@${ns}.example`] });
      await ctx.storage.users.insert(existingUser);
      const existingMembership = membership(existingUser.id, existing.id, { role: "manager" });
      await ctx.storage.memberships.put(existingMembership);
      const existingGroup = usergroup(`${ns}-old-group`);
      await ctx.storage.usergroups.insert(existingGroup);
      await ctx.storage.resources.put(resource("asset", `${ns}-old-asset`, existing.id));
      const existingInvitation = invitation(`${ns}-old-invitation`, existing.id, { address: `old@${ns}.example` });
      await ctx.storage.invitations?.insert(existingInvitation);
      const lastBefore = await ctx.storage.events.lastSequence();
      const countsBefore = await countAll(ctx);

      const failure = new Error(`boom ${ns}`);
      const outcome = await settle(
        ctx.storage.transaction(async (session) => {
          await session.organizations.insert(org(`${ns}-new`, { externalId: `${ns}-new-ext`, name: `New ${ns}`, parentId: existing.id }));
          await session.organizations.update({ ...existing, name: `Renamed ${ns}`, externalId: `${ns}-changed-ext`, status: "discontinued", version: 2 }, 1);
          await session.users.insert(user(`${ns}-new-user`, { emails: [`new@${ns}.example`], username: `new-${ns}` }));
          await session.users.update({ ...existingUser, emails: [`changed@${ns}.example`], version: 2 }, 1);
          await session.rules.insert(rule(`${ns}-new-rule`, `${ns}-new`, { kind: "domain", value: `${ns}.example`, exclusive: true }));
          await session.memberships.put(membership(`${ns}-new-user`, `${ns}-new`, { source: { type: "rule", ruleId: `${ns}-new-rule` } }));
          await session.memberships.put({ ...existingMembership, role: "member" });
          await session.memberships.delete(existingUser.id, existing.id);
          await session.resources.put(resource("asset", `${ns}-new-asset`, `${ns}-new`));
          await session.resources.put(resource("asset", `${ns}-old-asset`, `${ns}-new`));
          await session.usergroups.insert(usergroup(`${ns}-new-group`));
          await session.usergroups.update({ ...existingGroup, name: "changed", version: 2 }, 1);
          await session.usergroups.delete(existingGroup.id);
          await session.profiles.insert(profile(`${ns}-new-profile`));
          if (session.invitations) {
            await session.invitations.insert(invitation(`${ns}-new-invitation`, `${ns}-new`, { address: `new@${ns}.example` }));
            await session.invitations.deleteByAddress("email", `old@${ns}.example`);
          }
          await session.events.append([event("test.rolled_back", `${ns}-new`), event("test.rolled_back", existing.id)]);
          throw failure;
        }),
      );
      expect(outcome.ok).toBe(false);
      expect(!outcome.ok && outcome.error, "the very error thrown by the callback").toBe(failure);

      const s = ctx.storage;
      expect(await s.organizations.get(`${ns}-new`)).toBeNull();
      expect(await s.organizations.getByExternalId(`${ns}-new-ext`)).toBeNull();
      expect(await s.organizations.findActiveByName(`New ${ns}`)).toBeNull();
      expect(await s.organizations.get(existing.id)).toEqual(existing);
      expect(await s.organizations.getByExternalId(`${ns}-old-ext`)).toEqual(existing);
      expect(await s.organizations.getByExternalId(`${ns}-changed-ext`)).toBeNull();
      expect(await s.organizations.findActiveByName(`Old ${ns}`)).toEqual(existing);
      expect(await s.organizations.children(existing.id)).toEqual([]);
      expect((await s.organizations.search({ text: ns })).total).toBe(1);
      expect(await s.users.get(`${ns}-new-user`)).toBeNull();
      expect(await s.users.get(existingUser.id)).toEqual(existingUser);
      expect(idsOf(await s.users.findMatching({ kind: "domain", value: `${ns}.example`, includeSubdomains: false }, { limit: 10 }))).toEqual([existingUser.id]);
      expect(await s.users.findMatching({ kind: "email", value: `changed@${ns}.example`, includeSubdomains: false }, { limit: 10 })).toEqual([]);
      expect(await s.memberships.get(existingUser.id, existing.id)).toEqual(existingMembership);
      expect(await s.memberships.get(`${ns}-new-user`, `${ns}-new`)).toBeNull();
      expect(await s.memberships.listBySourceRule(`${ns}-new-rule`, { limit: 10 })).toEqual([]);
      expect(await s.memberships.countByOrganization(existing.id)).toBe(1);
      expect(await s.rules.get(`${ns}-new-rule`)).toBeNull();
      expect(await s.rules.findByKeys([{ kind: "domain", value: `${ns}.example` }])).toEqual([]);
      expect(await s.resources.get("asset", `${ns}-new-asset`)).toBeNull();
      expect((await s.resources.get("asset", `${ns}-old-asset`))?.organizationId).toBe(existing.id);
      expect(await s.resources.listByOrganization(`${ns}-new`, { limit: 10 })).toEqual([]);
      expect(await s.usergroups.get(existingGroup.id)).toEqual(existingGroup);
      expect(await s.usergroups.get(`${ns}-new-group`)).toBeNull();
      expect(await s.profiles.get(`${ns}-new-profile`)).toBeNull();
      if (s.invitations) {
        expect(await s.invitations.get(existingInvitation.id)).toEqual(existingInvitation);
        expect(await s.invitations.get(`${ns}-new-invitation`)).toBeNull();
      }
      expect(await s.events.lastSequence()).toBe(lastBefore);
      expect(await s.events.list({ after: lastBefore, limit: 10 })).toEqual([]);
      expect(await s.events.list({ organizationId: existing.id, limit: 10 })).toEqual([]);
      if (ctx.inspect) {
        expect(await countAll(ctx), "raw row counts are unchanged").toEqual(countsBefore);
        expect(await ctx.inspect.organization(`${ns}-new`)).toBeNull();
        expect(await ctx.inspect.user(`${ns}-new-user`)).toBeNull();
        expect(Number((await ctx.inspect.organization(existing.id))?.version)).toBe(1);
        expect((await ctx.inspect.membership(existingUser.id, existing.id))?.role).toBe("manager");
      }
      // The rolled-back exclusive claim is free again.
      await ctx.storage.rules.insert(rule(`${ns}-later-rule`, existing.id, { kind: "domain", value: `${ns}.example`, exclusive: true }));
    });

    ctx.test("a storage error inside a transaction rolls back the earlier writes and propagates", async () => {
      const ns = ctx.namespace();
      await ctx.storage.organizations.insert(org(`${ns}-taken`));
      const error = await expectOrgKitError(
        ctx.storage.transaction(async (session) => {
          await session.organizations.insert(org(`${ns}-first`));
          await session.events.append([event("test.first", `${ns}-first`)]);
          await session.organizations.insert(org(`${ns}-taken`));
        }),
        "CONFLICT",
        "unique",
      );
      expect(error.details.reason).toBe("unique");
      expect(await ctx.storage.organizations.get(`${ns}-first`)).toBeNull();
      expect(await ctx.storage.events.list({ organizationId: `${ns}-first`, limit: 10 })).toEqual([]);
    });

    ctx.test("values that are not Error objects are rethrown unchanged", async () => {
      const ns = ctx.namespace();
      const thrown = { reason: "not an Error", ns };
      const outcome = await settle(
        ctx.storage.transaction(async (session) => {
          await session.organizations.insert(org(`${ns}-o`));
          throw thrown;
        }),
      );
      expect(!outcome.ok && outcome.error).toBe(thrown);
      expect(await ctx.storage.organizations.get(`${ns}-o`)).toBeNull();
    });

    ctx.test("uncommitted writes are never visible outside the transaction", async () => {
      const ns = ctx.namespace();
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let written!: () => void;
      const wrote = new Promise<void>((resolve) => (written = resolve));
      const tx = settle(
        ctx.storage.transaction(async (session) => {
          await session.organizations.insert(org(`${ns}-o`));
          written();
          await gate;
          throw new Error("abort");
        }),
      );
      await wrote;
      // Started while the transaction is open; an adapter may answer now (read committed) or after it ends.
      const outside = ctx.storage.organizations.get(`${ns}-o`);
      await new Promise((resolve) => setTimeout(resolve, 10));
      release();
      expect(await outside).toBeNull();
      expect((await tx).ok).toBe(false);
      expect(await ctx.storage.organizations.get(`${ns}-o`)).toBeNull();
    });

    ctx.test("concurrent read-modify-write transactions lose no update", async () => {
      const ns = ctx.namespace();
      const start = org(`${ns}-counter`, { description: "0" });
      await ctx.storage.organizations.insert(start);
      const workers = 8;
      await Promise.all(
        Array.from({ length: workers }, () =>
          withRetry(ctx.storage, async (session) => {
            const current = (await session.organizations.get(start.id))!;
            const next = { ...current, description: String(Number(current.description) + 1), version: current.version + 1 };
            await session.organizations.update(next, current.version);
            await session.events.append([event("test.incremented", start.id, { data: { to: next.description } })]);
          }),
        ),
      );
      const final = await ctx.storage.organizations.get(start.id);
      expect(final?.description).toBe(String(workers));
      expect(final?.version).toBe(workers + 1);
      const events = await ctx.storage.events.list({ organizationId: start.id, limit: 100 });
      expect(events.map((e) => e.data.to)).toEqual(Array.from({ length: workers }, (_, i) => String(i + 1)));
    });

    ctx.test("concurrent transactions all commit, with distinct event sequences", async () => {
      const ns = ctx.namespace();
      const count = 10;
      const results = await Promise.all(
        Array.from({ length: count }, (_, i) =>
          withRetry(ctx.storage, async (session) => {
            await session.organizations.insert(org(`${ns}-${String(i).padStart(2, "0")}`));
            const [appended] = await session.events.append([event("test.created", `${ns}-${String(i).padStart(2, "0")}`)]);
            return appended!.sequence;
          }),
        ),
      );
      expect(new Set(results).size).toBe(count);
      expect((await ctx.storage.organizations.search({ text: ns, limit: 100 })).total).toBe(count);
    });

    ctx.test("concurrent exclusive claims of one value: exactly one wins", async () => {
      const ns = ctx.namespace();
      await ctx.storage.organizations.insert(org(`${ns}-o1`));
      await ctx.storage.organizations.insert(org(`${ns}-o2`));
      const claim = (id: string, owner: string) =>
        settle(
          ctx.storage.transaction(async (session) => {
            const existing = await session.rules.findByKeys([{ kind: "domain", value: `${ns}.example` }]);
            if (existing.some((r) => r.exclusive)) throw new Error("already claimed");
            await session.rules.insert(rule(id, owner, { kind: "domain", value: `${ns}.example`, exclusive: true }));
          }),
        );
      const outcomes = await Promise.all([claim(`${ns}-r1`, `${ns}-o1`), claim(`${ns}-r2`, `${ns}-o2`)]);
      expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
      const loser = outcomes.find((o) => !o.ok);
      expect(loser && !loser.ok && (isOrgKitError(loser.error, "CONFLICT") || (loser.error as Error).message === "already claimed")).toBe(true);
      expect(await ctx.storage.rules.findByKeys([{ kind: "domain", value: `${ns}.example` }])).toHaveLength(1);
    });

    ctx.test("writes made outside a transaction are committed at once", async () => {
      const ns = ctx.namespace();
      await ctx.storage.organizations.insert(org(`${ns}-o`));
      await ctx.storage.events.append([event("test.direct", `${ns}-o`)]);
      const seen = await ctx.storage.transaction(async (session) => ({
        organization: await session.organizations.get(`${ns}-o`),
        events: await session.events.list({ organizationId: `${ns}-o`, limit: 5 }),
      }));
      expect(seen.organization?.id).toBe(`${ns}-o`);
      expect(seen.events.map((e) => e.type)).toEqual(["test.direct"]);
      if (ctx.inspect) expect(await ctx.inspect.organization(`${ns}-o`)).not.toBeNull();
    });
  },
};
