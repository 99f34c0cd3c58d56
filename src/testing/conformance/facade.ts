import { expect } from "./test-api.js";
import { isOrgKitError, type OrgKitErrorCode } from "../../errors.js";
import { createOrgKit, type OrgKit } from "../../service/create-org-kit.js";
import type { OrgKitConfigInput } from "../../service/config.js";
import { SYSTEM_ACTOR } from "../../service/actor.js";
import type { ConformanceContext, ConformanceSuite } from "./context.js";

async function expectCode(promise: Promise<unknown>, code: OrgKitErrorCode): Promise<void> {
  try {
    await promise;
  } catch (error) {
    if (!isOrgKitError(error)) throw error;
    expect(error.code, error.message).toBe(code);
    return;
  }
  throw new Error(`expected ${code}, but the use case succeeded`);
}

/**
 * The use cases end to end through `createOrgKit` on the storage under test: the
 * facade relies on every port at once (transactions, hierarchy queries, rule lookups,
 * membership listings), so this catches an adapter whose parts each pass but do not
 * fit together. Every id, name and domain is namespaced, so it runs on a shared,
 * never-reset storage too.
 */
export const facadeSuite: ConformanceSuite = {
  name: "facade",
  define(context: ConformanceContext) {
    const kitFor = async (config: OrgKitConfigInput = {}): Promise<{ kit: OrgKit; ns: string; admin: { type: "user"; id: string } }> => {
      const ns = context.namespace();
      let n = 0;
      // One configuration per store: a kit configured otherwise than the default gets a
      // tenant of its own where the storage has tenants (else the storage must be reset
      // between tests, or it refuses with CONFIGURATION_MISMATCH).
      const configured = Object.keys(config).length > 0 && typeof context.storage.forTenant === "function";
      const storage = configured ? context.storage.forTenant!(`${ns}-tenant`) : context.storage;
      const kit = createOrgKit({ storage, ids: (kind) => `${ns}${kind}${++n}`, config });
      const admin = { type: "user" as const, id: `${ns}admin` };
      await kit.users.upsert(SYSTEM_ACTOR, { id: admin.id, kind: "agent", platformRole: "admin" });
      return { kit, ns, admin };
    };

    context.test("builds a tree, moves a subtree, refuses a cycle and a missing parent", async () => {
      const { kit, ns, admin } = await kitFor();
      const acme = await kit.organizations.create(admin, { name: `${ns} Acme` });
      const east = await kit.organizations.create(admin, { name: `${ns} East`, parentId: acme.id });
      const boston = await kit.organizations.create(admin, { name: `${ns} Boston`, parentId: east.id });
      const west = await kit.organizations.create(admin, { name: `${ns} West`, parentId: acme.id });
      await expectCode(kit.organizations.setParent(admin, east.id, boston.id), "HIERARCHY_CYCLE");
      await expectCode(kit.organizations.setParent(admin, east.id, `${ns}missing`), "PARENT_NOT_FOUND");
      await kit.organizations.setParent(admin, boston.id, west.id);
      const tree = await kit.organizations.tree(admin, acme.id);
      expect(tree!.children.map((c) => [c.organization.name, c.children.map((g) => g.organization.name)])).toEqual([
        [`${ns} East`, []],
        [`${ns} West`, [`${ns} Boston`]],
      ]);
      expect((await kit.organizations.ancestors(admin, boston.id)).map((o) => o.id)).toEqual([west.id, acme.id]);
    });

    context.test("links users by member rules and unlinks only what a removed rule created", async () => {
      const { kit, ns, admin } = await kitFor();
      const org = await kit.organizations.create(admin, { name: `${ns} Rules` });
      const domain = `${ns}.example`;
      const byDomain = await kit.rules.add(admin, org.id, { kind: "domain", value: domain, includeSubdomains: true });
      await kit.users.upsert(SYSTEM_ACTOR, { id: `${ns}a`, emails: [{ value: `a@mail.${domain}`, verified: true }] });
      await kit.users.upsert(SYSTEM_ACTOR, { id: `${ns}b`, emails: [{ value: `b@${domain}`, verified: true }] });
      await kit.users.upsert(SYSTEM_ACTOR, { id: `${ns}c`, emails: [{ value: `c@foo${domain}`, verified: true }] });
      await kit.users.upsert(SYSTEM_ACTOR, { id: `${ns}m` });
      await kit.memberships.add(admin, { userId: `${ns}m`, organizationId: org.id });
      const members = await kit.memberships.listByOrganization(admin, org.id);
      expect(members.map((m) => [m.userId, m.source.type])).toEqual([
        [`${ns}a`, "rule"],
        [`${ns}b`, "rule"],
        [`${ns}m`, "manual"],
      ]);
      await kit.rules.remove(admin, org.id, byDomain.rule.id);
      expect((await kit.memberships.listByOrganization(admin, org.id)).map((m) => m.userId)).toEqual([`${ns}m`]);
    });

    context.test("single policy: assigning moves a user, and a resource has one owner", async () => {
      const { kit, ns, admin } = await kitFor({ membershipPolicy: "single" });
      const a = await kit.organizations.create(admin, { name: `${ns} A` });
      const b = await kit.organizations.create(admin, { name: `${ns} B` });
      await kit.users.upsert(admin, { id: `${ns}u` });
      await kit.memberships.add(admin, { userId: `${ns}u`, organizationId: a.id });
      await kit.memberships.add(admin, { userId: `${ns}u`, organizationId: b.id });
      expect((await kit.memberships.listByUser(admin, `${ns}u`)).map((m) => m.organizationId)).toEqual([b.id]);
      await kit.resources.assign(admin, { kind: "asset", id: `${ns}x`, organizationId: a.id });
      await kit.resources.assign(admin, { kind: "asset", id: `${ns}x`, organizationId: b.id });
      expect(await kit.resources.listByOrganization(admin, a.id)).toEqual([]);
      expect((await kit.resources.get(admin, "asset", `${ns}x`))?.organizationId).toBe(b.id);
    });

    context.test("a failing use case writes nothing, also when it fails half-way", async () => {
      const { kit, ns, admin } = await kitFor();
      await kit.organizations.import(admin, [{ externalId: `${ns}P`, name: `${ns} Parent` }, { externalId: `${ns}C`, name: `${ns} Child`, parentExternalId: `${ns}P` }]);
      const organizations = await context.inspect?.count("organizations");
      const events = await context.storage.events.lastSequence();
      // The first row is created before the second closes a loop: the whole batch must roll back.
      await expectCode(
        kit.organizations.import(admin, [
          { externalId: `${ns}NEW`, name: `${ns} New` },
          { externalId: `${ns}P`, name: `${ns} Parent`, parentExternalId: `${ns}C` },
        ]),
        "HIERARCHY_CYCLE",
      );
      expect(await kit.organizations.getByExternalId(admin, `${ns}NEW`)).toBeNull();
      expect(await context.storage.events.lastSequence()).toBe(events);
      if (context.inspect) expect(await context.inspect.count("organizations")).toBe(organizations);
    });

    context.test("invitations: invite, accept once (the address verified, the membership sourced), a second acceptance refused", async () => {
      const { kit, ns, admin } = await kitFor({ membershipPolicy: "single" });
      const org = await kit.organizations.create(admin, { name: `${ns} Invited` });
      const { invitation, token } = await kit.invitations.create(admin, { organizationId: org.id, email: `guest@${ns}.example`, role: "guest" });
      const accepted = await kit.invitations.accept(token, `${ns}guest`);
      expect(accepted.user.verifiedEmails).toEqual([`guest@${ns}.example`]);
      expect(accepted.membership.source).toEqual({ type: "invitation", invitationId: invitation.id, invitedBy: admin, invitedAt: invitation.createdAt });
      expect(await kit.memberships.get(admin, `${ns}guest`, org.id)).toEqual(accepted.membership);
      const events = await context.storage.events.lastSequence();
      await expectCode(kit.invitations.accept(token, `${ns}other`), "INVITATION_USED");
      expect(await context.storage.events.lastSequence()).toBe(events);
      expect(await kit.users.get(admin, `${ns}other`)).toBeNull();
      expect((await kit.invitations.list(admin, org.id)).map((i) => [i.id, i.status])).toEqual([[invitation.id, "accepted"]]);
    });

    context.test("search, versions and the audit trail through the facade", async () => {
      const { kit, ns, admin } = await kitFor();
      for (const name of ["Gamma", "alpha", "Beta"]) await kit.organizations.create(admin, { name: `${ns} ${name}`, tags: ["Conf"] });
      const first = await kit.organizations.search(admin, { text: ns, limit: 2 });
      const second = await kit.organizations.search(admin, { text: ns, limit: 2, cursor: first.nextCursor });
      expect([...first.items, ...second.items].map((o) => o.name)).toEqual([`${ns} alpha`, `${ns} Beta`, `${ns} Gamma`]);
      expect(first.total).toBe(3);
      const alpha = first.items[0]!;
      await kit.organizations.rename(admin, alpha.id, `${ns} Alpha`, { expectedVersion: 1 });
      await expectCode(kit.organizations.rename(admin, alpha.id, `${ns} Alpha 2`, { expectedVersion: 1 }), "CONFLICT");
      const trail = await kit.events.list(admin, { organizationId: alpha.id });
      expect(trail.map((e) => e.type)).toEqual(["organization.created", "organization.renamed"]);
      expect(trail[1]!.actor).toEqual(admin);
    });
  },
};
