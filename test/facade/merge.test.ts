/**
 * Merging duplicate organizations through the facade (`kit.organizations.merge` and
 * `previewMerge`), on memory, PGlite and (with ORGKIT_PG_URL) the server: what moves and
 * how (members with role, admin flag and provenance; resources; rules; children and their
 * subtrees; usergroup links; custom fields), the conflicts listed, the redirects of
 * lookups and imports, the change feed another instance follows, every refusal and bad
 * input (each writing nothing), and merges larger than one page of the set-wise methods,
 * with and without them.
 */
import { describe, expect, it } from "vitest";
import type { OrgKitErrorCode } from "../../src/errors.js";
import { createOrgKit, isOrgKitError, type OrgKitConfigInput } from "../../src/index.js";
import { buildMembership, buildOrganization, buildResource, buildUser } from "../../src/testing/builders.js";
import { admin, as, rejects, setup, system } from "./setup.js";
import { dumpThroughPorts, storageTargets } from "./storage-targets.js";
import type { Storage, StorageSession } from "../../src/storage/index.js";

const targets = storageTargets();

/** `storage` without the set-wise methods a merge uses (the service then moves one row per call). */
function withoutMergeMethods(storage: Storage): Storage {
  const strip = <S extends StorageSession>(session: S): S => {
    const { moveChildren: _c, ...organizations } = session.organizations;
    const { reassignOrganization: _m, ...memberships } = session.memberships;
    const { reassignOrganization: _r, ...resources } = session.resources;
    return { ...session, organizations, memberships, resources } as S;
  };
  return { ...strip(storage), transaction: (fn) => storage.transaction((session) => fn(strip(session))) };
}

/** Everything stored, and the change feed's revision: a refused merge must leave both as they were. */
async function snapshotOf(storage: Storage): Promise<string> {
  return `${await dumpThroughPorts(storage)}|${await storage.changes.latestRevision()}`;
}

/** Expects `promise` to fail with `code` and to have written nothing. */
async function refusedWritingNothing<C extends OrgKitErrorCode>(storage: Storage, promise: () => Promise<unknown>, code: C) {
  const before = await snapshotOf(storage);
  const error = await rejects(promise(), code);
  expect(await snapshotOf(storage), `a refused merge (${code}) wrote something`).toBe(before);
  return error;
}

/**
 * Acme (survivor) and Acme Inc. (duplicate), each with members, a rule, a resource and a
 * child; usergroups, tags and custom fields on both.
 */
const FIELDS: OrgKitConfigInput = { customFields: [{ key: "tier", type: "select", options: ["gold", "silver"] }, { key: "region", type: "text" }] };

async function acmeWorld(storage: Storage, config: OrgKitConfigInput = {}) {
  const { kit } = await setup({ ...FIELDS, ...config }, storage);
  await kit.usergroups.create(admin, { id: "premium", name: "Premium", permissions: ["chat.support"] });
  await kit.usergroups.create(admin, { id: "portal", name: "Portal", permissions: ["portal.use"] });
  const acme = await kit.organizations.create(admin, {
    id: "acme",
    name: "Acme",
    externalId: "CUST-1",
    tags: ["Key"],
    usergroupIds: ["portal"],
    allowedRoles: ["member"],
    customFields: { tier: "gold" },
  });
  const inc = await kit.organizations.create(admin, {
    id: "acme-inc",
    name: "Acme Inc.",
    externalId: "CUST-2",
    description: "The duplicate",
    tags: ["key", "EMEA"],
    usergroupIds: ["premium", "portal"],
    allowedRoles: ["member", "technician"],
    allowedApps: ["billing"],
    customFields: { tier: "silver", region: "EMEA" },
  });
  await kit.organizations.create(admin, { id: "acme-east", name: "Acme East", parentId: "acme" });
  await kit.organizations.create(admin, { id: "inc-berlin", name: "Inc Berlin", parentId: "acme-inc" });
  await kit.organizations.create(admin, { id: "inc-berlin-mitte", name: "Inc Berlin Mitte", parentId: "inc-berlin" });
  const incRule = await kit.rules.add(admin, "acme-inc", { kind: "domain", value: "acme-inc.example" });
  await kit.users.upsert(system, { id: "jane", emails: [{ value: "jane@acme-inc.example", verified: true }] }); // joins acme-inc by its rule
  await kit.users.upsert(system, { id: "otto" });
  await kit.users.upsert(system, { id: "both" });
  await kit.memberships.add(admin, { userId: "otto", organizationId: "acme-inc", role: "technician", admin: true });
  await kit.resources.assign(admin, { kind: "asset", id: "laptop-1", organizationId: "acme-inc" });
  await kit.resources.assign(admin, { kind: "asset", id: "laptop-2", organizationId: "acme" });
  return { kit, acme, inc, incRule: incRule.rule };
}

describe.each(targets)("merging organizations on $name", ({ storage: makeStorage }) => {
  it("moves members (role, admin flag, provenance), resources, rules, children, links and fields to the survivor; the duplicate redirects", async () => {
    const storage = await makeStorage();
    const { kit, incRule } = await acmeWorld(storage, { membershipPolicy: "multiple" });
    await kit.memberships.add(admin, { userId: "both", organizationId: "acme", role: "manager" });
    await kit.memberships.add(admin, { userId: "both", organizationId: "acme-inc", role: "member", admin: true });
    const janeBefore = (await kit.memberships.get(admin, "jane", "acme-inc"))!;

    const result = await kit.organizations.merge(admin, "acme-inc", "acme");

    expect(result.preview).toBe(false);
    expect(result.moved).toEqual({ memberships: 2, membershipsKept: 1, resources: 1, children: 1, usersRelinked: 0 });
    // The survivor's values win; what it lacked is added (tags compared case-insensitively).
    expect(result.survivor).toMatchObject({
      id: "acme",
      name: "Acme",
      externalId: "CUST-1",
      tags: ["Key", "EMEA"],
      usergroupIds: ["portal", "premium"],
      allowedRoles: ["member", "technician"],
      allowedApps: ["billing"],
      customFields: { tier: "gold", region: "EMEA" },
      version: 2,
    });
    expect(result.survivor.memberRules.map((r) => r.id)).toEqual([incRule.id]);
    expect(result.added).toEqual({ memberRules: [expect.objectContaining({ id: incRule.id })], usergroupIds: ["premium"], tags: ["EMEA"], allowedRoles: ["technician"], allowedApps: ["billing"], customFields: ["region"] });
    expect(result.conflicts).toEqual([
      { kind: "customField", key: "tier", survivor: "gold", duplicate: "silver" },
      { kind: "membership", userId: "both", survivor: { role: "manager", admin: false }, duplicate: { role: "member", admin: true } },
    ]);
    expect(result.conflictCount).toBe(2);
    expect(result.duplicate).toMatchObject({ id: "acme-inc", status: "discontinued", mergedInto: "acme", memberRules: [], externalId: "CUST-2", description: "The duplicate" });

    // Members: role, admin flag, source and createdAt kept; a user in both keeps the survivor's membership.
    const jane = (await kit.memberships.get(admin, "jane", "acme"))!;
    expect(jane).toMatchObject({ role: "member", admin: false, source: { type: "rule", ruleId: incRule.id }, createdAt: janeBefore.createdAt });
    expect(await kit.memberships.get(admin, "otto", "acme")).toMatchObject({ role: "technician", admin: true, source: { type: "manual" } });
    expect(await kit.memberships.get(admin, "both", "acme")).toMatchObject({ role: "manager", admin: false });
    expect(await storage.memberships.listByOrganization("acme-inc", { limit: 10 })).toEqual([]);
    // The rule that created jane's membership is the survivor's now, and explains it.
    expect((await kit.rules.list(admin, "acme")).map((r) => r.id)).toEqual([incRule.id]);
    expect((await kit.memberships.explain(admin, "jane", "acme")).reason).toContain("acme-inc.example");
    // Resources, children (with their subtrees) and the hierarchy reads.
    expect(await kit.resources.get(admin, "asset", "laptop-1")).toMatchObject({ organizationId: "acme" });
    expect((await kit.organizations.get(admin, "inc-berlin"))!.parentId).toBe("acme");
    expect((await kit.organizations.ancestors(admin, "inc-berlin-mitte")).map((o) => o.id)).toEqual(["inc-berlin", "acme"]);
    expect((await storage.organizations.descendants("acme")).map((o) => o.id).sort()).toEqual(["acme-east", "inc-berlin", "inc-berlin-mitte"]);
    expect(await storage.organizations.children("acme-inc")).toEqual([]);
    // Lookups lead to the survivor; followMerges: false shows the duplicate itself.
    expect((await kit.organizations.get(admin, "acme-inc"))!.id).toBe("acme");
    expect((await kit.organizations.getByExternalId(admin, "CUST-2"))!.id).toBe("acme");
    expect(await kit.organizations.get(admin, "acme-inc", { followMerges: false })).toEqual(result.duplicate);
    expect(await kit.organizations.get(admin, "acme")).toEqual(result.survivor);
    // A new user matching the moved rule joins the survivor.
    await kit.users.upsert(system, { id: "newbie", emails: [{ value: "newbie@acme-inc.example", verified: true }] });
    expect((await kit.memberships.listByUser(admin, "newbie")).map((m) => m.organizationId)).toEqual(["acme"]);
  });

  it("audits the merge: organization.merged and organization.absorbed with what moved, and an event per membership, resource and child", async () => {
    const storage = await makeStorage();
    const { kit } = await acmeWorld(storage);
    const before = await storage.events.lastSequence();
    await kit.organizations.merge(admin, "acme-inc", "acme");
    const events = await storage.events.list({ after: before, limit: 100 });
    const summary = events.map((e) => `${e.type} ${e.organizationId}`);
    expect(summary).toEqual([
      "organization.parent_set inc-berlin",
      "membership.removed acme-inc",
      "membership.added acme",
      "membership.removed acme-inc",
      "membership.added acme",
      "resource.unassigned acme-inc",
      "resource.assigned acme",
      "organization.absorbed acme",
      "organization.merged acme-inc",
    ]);
    const merged = events.at(-1)!;
    expect(merged.data).toMatchObject({ into: "acme", version: 2 + 1, moved: { memberships: 2, membershipsKept: 0, resources: 1, children: 1, usersRelinked: 0 } });
    expect(events.find((e) => e.type === "membership.added" && e.data.userId === "otto")!.data).toEqual({ userId: "otto", role: "technician", admin: true, source: { type: "manual" }, reason: "merged", from: "acme-inc" });
    expect(events.find((e) => e.type === "organization.parent_set")!.data).toMatchObject({ from: "acme-inc", to: "acme" });
    // One feed entry carries the audit events and every policy change.
    const [entry] = await storage.changes.since((await storage.changes.latestRevision()) - 1, 10);
    expect(entry!.events).toEqual(events);
    const types = entry!.changes.map((c) => c.type);
    expect(types.filter((t) => t === "membership.remove")).toHaveLength(2);
    expect(types.filter((t) => t === "membership.set")).toHaveLength(2);
    expect(types.filter((t) => t === "resource.set")).toHaveLength(1);
    expect(types.filter((t) => t === "organization.set")).toHaveLength(3);
  });

  it("another instance following the change feed sees the moved members, links and resources at once", async () => {
    const storage = await makeStorage();
    const { kit } = await acmeWorld(storage);
    await kit.usergroups.unlinkOrganization(admin, "acme-inc", "premium");
    await kit.usergroups.linkOrganization(admin, "acme", "premium");
    const other = createOrgKit({ storage, config: FIELDS }); // configured as the store records (one configuration per store)
    const policy = await other.policy();
    expect(policy.can("otto", "chat.support")).toBe(false);
    expect(policy.canManageUser("otto", null, "acme")).toBe(false);
    await kit.organizations.merge(admin, "acme-inc", "acme");
    const after = await other.policy({ atLeast: kit.revision() });
    expect(after.can("otto", "chat.support")).toBe(true); // through the survivor's linked group
    expect(after.can("jane", "chat.support")).toBe(true);
    expect(after.canManageUser("otto", null, "acme")).toBe(true); // otto was an org admin of the duplicate
    expect(after.canManageUser("otto", null, "acme-inc")).toBe(false);
    expect(after.check({ check: "canAccessResource", subject: "jane", resource: { kind: "asset", id: "laptop-1" } })).toBe(true);
  });

  it("previewMerge answers what merge does, and writes nothing", async () => {
    const storage = await makeStorage();
    const { kit } = await acmeWorld(storage, { membershipPolicy: "multiple" });
    await kit.memberships.add(admin, { userId: "both", organizationId: "acme", role: "manager" });
    await kit.memberships.add(admin, { userId: "both", organizationId: "acme-inc" });
    const before = await snapshotOf(storage);
    const preview = await kit.organizations.previewMerge(admin, "acme-inc", "acme", { conflictLimit: 1 });
    expect(await snapshotOf(storage)).toBe(before);
    expect(preview.preview).toBe(true);
    expect(preview.conflicts).toHaveLength(1);
    expect(preview.conflictCount).toBe(2);
    const result = await kit.organizations.merge(admin, "acme-inc", "acme", { conflictLimit: 1 });
    // The same, but for the time (the test clock moves on between calls).
    const timeless = (r: typeof result) => JSON.parse(JSON.stringify(r).replaceAll(/"updatedAt":"[^"]+"/g, '"updatedAt":"…"'));
    expect(timeless({ ...preview, preview: false })).toEqual(timeless(result));
  });

  it('"single": the duplicate\'s users move, and nobody ends in two organizations', async () => {
    const storage = await makeStorage();
    const { kit } = await acmeWorld(storage, { membershipPolicy: "single" });
    await kit.memberships.add(admin, { userId: "both", organizationId: "acme" });
    const result = await kit.organizations.merge(admin, "acme-inc", "acme");
    expect(result.moved).toMatchObject({ memberships: 2, membershipsKept: 0 });
    for (const userId of ["jane", "otto", "both"]) {
      expect((await storage.memberships.listByUser(userId)).map((m) => m.organizationId)).toEqual(["acme"]);
    }
  });

  it("an identical claim on both sides: the survivor's rule stays and the memberships the duplicate's created cite it", async () => {
    const storage = await makeStorage();
    const { kit } = await setup({ membershipPolicy: "multiple", ruleConflict: "allow" }, storage);
    await kit.organizations.create(admin, { id: "s", name: "Survivor" });
    await kit.organizations.create(admin, { id: "d", name: "Duplicate" });
    const kept = (await kit.rules.add(admin, "s", { kind: "domain", value: "shared.example" })).rule;
    const dropped = (await kit.rules.add(admin, "d", { kind: "domain", value: "shared.example" })).rule;
    await kit.users.upsert(system, { id: "ann", emails: [{ value: "ann@shared.example", verified: true }] });
    await kit.users.upsert(system, { id: "bob", emails: [{ value: "bob@shared.example", verified: true }] });
    await kit.memberships.remove(admin, "ann", "s"); // ann is then only in d, by d's rule
    const result = await kit.organizations.merge(admin, "d", "s");
    expect(result.replacedRules).toEqual({ [dropped.id]: kept.id });
    expect(result.conflicts).toEqual([{ kind: "memberRule", survivor: expect.objectContaining({ id: kept.id }), duplicate: expect.objectContaining({ id: dropped.id }) }]);
    expect(result.moved).toMatchObject({ memberships: 1, membershipsKept: 1 });
    expect(await kit.memberships.get(admin, "ann", "s")).toMatchObject({ source: { type: "rule", ruleId: kept.id } });
    expect(await storage.rules.get(dropped.id)).toBeNull();
    expect((await kit.rules.list(admin, "s")).map((r) => r.id)).toEqual([kept.id]);
    expect(result.survivor.memberRules.map((r) => r.id)).toEqual([kept.id]);
  });

  it("a discontinued duplicate: its dormant members move and wake, and its rules run again in the survivor", async () => {
    const storage = await makeStorage();
    const { kit } = await acmeWorld(storage, { membershipPolicy: "multiple" });
    await kit.organizations.discontinue(admin, "acme-inc");
    // Signed up while the duplicate was discontinued: its rule linked nobody.
    await kit.users.upsert(system, { id: "late", emails: [{ value: "late@acme-inc.example", verified: true }] });
    expect(await storage.memberships.listByUser("late")).toEqual([]);
    const result = await kit.organizations.merge(admin, "acme-inc", "acme");
    expect(result.moved).toMatchObject({ memberships: 2, usersRelinked: 2 });
    expect((await storage.memberships.listByUser("late")).map((m) => m.organizationId)).toEqual(["acme"]);
    expect(await kit.memberships.get(admin, "otto", "acme")).toMatchObject({ role: "technician", admin: true });
    expect((await kit.policy()).canManageUser("otto", null, "acme")).toBe(true);
  });

  it("chains resolve to the end: A merged into B, then B into C", async () => {
    const storage = await makeStorage();
    const { kit } = await setup({}, storage);
    for (const id of ["a", "b", "c"]) await kit.organizations.create(admin, { id, name: id.toUpperCase(), externalId: `X-${id}` });
    await kit.organizations.merge(admin, "a", "b");
    await kit.organizations.merge(admin, "b", "c");
    expect((await kit.organizations.get(admin, "a"))!.id).toBe("c");
    expect((await kit.organizations.getByExternalId(admin, "X-a"))!.id).toBe("c");
    expect((await kit.organizations.get(admin, "a", { followMerges: false }))!.mergedInto).toBe("b");
    // An import row naming the first duplicate updates the end of the chain; nothing is created or reactivated.
    const imported = await kit.organizations.import(admin, [{ externalId: "X-a", name: "C", description: "via A" }]);
    expect(imported.rows).toEqual([expect.objectContaining({ status: "updated", id: "c" })]);
    expect((await storage.organizations.get("c"))!.description).toBe("via A");
    expect(await storage.organizations.get("a")).toMatchObject({ status: "discontinued", mergedInto: "b" });
    // A child named under a duplicate lands under the survivor.
    await kit.organizations.import(admin, [{ externalId: "X-kid", name: "Kid", parentExternalId: "X-b" }]);
    expect((await kit.organizations.getByExternalId(admin, "X-kid"))!.parentId).toBe("c");
    // Two rows naming one organization (through a merge): the later row fails.
    const twice = await kit.organizations.import(admin, [
      { externalId: "X-c", name: "C", summary: "one" },
      { externalId: "X-b", name: "C", summary: "two" },
    ], { mode: "per-row" });
    expect(twice.rows.map((r) => r.status)).toEqual(["updated", "failed"]);
    expect(twice.rows[1]!.error).toMatchObject({ code: "VALIDATION_FAILED", issues: [expect.objectContaining({ path: "rows.1.externalId", code: "duplicate" })] });
    // The duplicate's external id stays taken: the duplicate cannot be created again.
    await rejects(kit.organizations.create(admin, { name: "A again", externalId: "X-a" }), "CONFLICT");
  });

  it("a merged organization takes no more changes; assignments to it are refused with the survivor named", async () => {
    const storage = await makeStorage();
    const { kit } = await acmeWorld(storage);
    await kit.organizations.merge(admin, "acme-inc", "acme");
    const writes: (() => Promise<unknown>)[] = [
      () => kit.organizations.update(admin, "acme-inc", { description: "x" }),
      () => kit.organizations.rename(admin, "acme-inc", "Acme Incorporated"),
      () => kit.organizations.setParent(admin, "acme-inc", "acme-east"),
      () => kit.organizations.detach(admin, "acme-inc"),
      () => kit.organizations.discontinue(admin, "acme-inc"),
      () => kit.organizations.reactivate(admin, "acme-inc"),
    ];
    for (const write of writes) {
      const error = await refusedWritingNothing(storage, write, "CONFLICT");
      expect(error.details).toMatchObject({ reason: "merged", id: "acme-inc", mergedInto: "acme" });
    }
    for (const write of [
      () => kit.memberships.add(admin, { userId: "both", organizationId: "acme-inc" }),
      () => kit.resources.assign(admin, { kind: "asset", id: "laptop-9", organizationId: "acme-inc" }),
      () => kit.rules.add(admin, "acme-inc", { kind: "domain", value: "again.example" }),
    ]) {
      expect((await refusedWritingNothing(storage, write, "ORGANIZATION_DISCONTINUED")).details).toEqual({ id: "acme-inc", mergedInto: "acme" });
    }
    await refusedWritingNothing(storage, () => kit.organizations.create(admin, { name: "Under the duplicate", parentId: "acme-inc" }), "ORGANIZATION_DISCONTINUED");
  });

  describe("refusals, each writing nothing", () => {
    it("bad input: VALIDATION_FAILED with paths (the same organization twice: after authorization, as every other refusal)", async () => {
      const storage = await makeStorage();
      const { kit } = await acmeWorld(storage);
      const cases: [() => Promise<unknown>, string][] = [
        [() => kit.organizations.merge(admin, "acme", "acme"), "survivorId"],
        [() => kit.organizations.merge(admin, "", "acme"), "duplicateId"],
        [() => kit.organizations.merge(admin, "acme-inc", " acme"), "survivorId"],
        [() => kit.organizations.merge(admin, 42 as never, "acme"), "duplicateId"],
        [() => kit.organizations.merge(admin, "acme-inc", "acme", { expectedDuplicateVersion: 0 }), "options.expectedDuplicateVersion"],
        [() => kit.organizations.merge(admin, "acme-inc", "acme", { expectedSurvivorVersion: 1.5 }), "options.expectedSurvivorVersion"],
        [() => kit.organizations.merge(admin, "acme-inc", "acme", { conflictLimit: 0 }), "options.conflictLimit"],
        [() => kit.organizations.merge(admin, "acme-inc", "acme", { force: true } as never), "options"],
        [() => kit.organizations.previewMerge(admin, "acme", "acme"), "survivorId"],
        [() => kit.organizations.get(admin, "acme", { followMerges: "yes" } as never), "options.followMerges"],
      ];
      for (const [call, path] of cases) {
        const error = await refusedWritingNothing(storage, call, "VALIDATION_FAILED");
        expect(error.details.issues.map((i) => i.path)).toContain(path);
      }
      await refusedWritingNothing(storage, () => kit.organizations.merge({ type: "robot" } as never, "acme-inc", "acme"), "VALIDATION_FAILED");
      await refusedWritingNothing(storage, () => kit.organizations.merge(as("jane"), "acme", "acme"), "FORBIDDEN");
    });

    it("FORBIDDEN for anyone but platform admins (and the system actor), whatever they may do to both organizations; unknown ids too", async () => {
      const storage = await makeStorage();
      const { kit } = await acmeWorld(storage);
      await kit.profiles.create(admin, { id: "everything", name: "Everything", add: true, organizations: { none: ["read", "edit", "delete"] } });
      await kit.users.upsert(admin, { id: "staff", kind: "agent", profileId: "everything" });
      await kit.users.upsert(admin, { id: "orgadmin" });
      await kit.memberships.add(admin, { userId: "orgadmin", organizationId: "acme", admin: true });
      await kit.memberships.add(admin, { userId: "orgadmin", organizationId: "acme-inc", admin: true });
      for (const actor of ["staff", "orgadmin", "jane", "nobody"]) {
        for (const [dup, survivor] of [["acme-inc", "acme"], ["missing", "acme"], ["acme-inc", "missing"]] as const) {
          const error = await refusedWritingNothing(storage, () => kit.organizations.merge(as(actor), dup, survivor), "FORBIDDEN");
          expect(error.details.check).toBe("canAdministerPlatform");
          await refusedWritingNothing(storage, () => kit.organizations.previewMerge(as(actor), dup, survivor), "FORBIDDEN");
        }
      }
      // A platform admin learns which id is missing.
      expect((await refusedWritingNothing(storage, () => kit.organizations.merge(admin, "missing", "acme"), "NOT_FOUND")).details).toMatchObject({ id: "missing" });
      expect((await refusedWritingNothing(storage, () => kit.organizations.merge(admin, "acme-inc", "missing"), "NOT_FOUND")).details).toMatchObject({ id: "missing" });
      await kit.organizations.merge(system, "acme-inc", "acme");
    });

    it("a duplicate merged already, a discontinued or merged survivor, stale versions", async () => {
      const storage = await makeStorage();
      const { kit } = await acmeWorld(storage);
      await kit.organizations.create(admin, { id: "third", name: "Third" });
      await kit.organizations.create(admin, { id: "closed", name: "Closed" });
      await kit.organizations.discontinue(admin, "closed");
      expect((await refusedWritingNothing(storage, () => kit.organizations.merge(admin, "acme-inc", "closed"), "ORGANIZATION_DISCONTINUED")).details).toEqual({ id: "closed" });
      const stale = await refusedWritingNothing(storage, () => kit.organizations.merge(admin, "acme-inc", "acme", { expectedDuplicateVersion: 1 }), "CONFLICT");
      expect(stale.details).toMatchObject({ reason: "version", id: "acme-inc", expectedVersion: 1, actualVersion: 2 });
      const staleSurvivor = await refusedWritingNothing(storage, () => kit.organizations.merge(admin, "acme-inc", "acme", { expectedSurvivorVersion: 2 }), "CONFLICT");
      expect(staleSurvivor.details).toMatchObject({ reason: "version", id: "acme", actualVersion: 1 });
      await refusedWritingNothing(storage, () => kit.organizations.previewMerge(admin, "acme-inc", "acme", { expectedSurvivorVersion: 2 }), "CONFLICT");
      await kit.organizations.merge(admin, "acme-inc", "acme", { expectedDuplicateVersion: 2, expectedSurvivorVersion: 1 });
      const again = await refusedWritingNothing(storage, () => kit.organizations.merge(admin, "acme-inc", "third"), "CONFLICT");
      expect(again.details).toEqual({ reason: "merged", id: "acme-inc", mergedInto: "acme" });
      const intoMerged = await refusedWritingNothing(storage, () => kit.organizations.merge(admin, "third", "acme-inc"), "ORGANIZATION_DISCONTINUED");
      expect(intoMerged.details).toEqual({ id: "acme-inc", mergedInto: "acme" });
    });

    it("HIERARCHY_CYCLE when the survivor is in the duplicate's subtree, MAX_DEPTH_EXCEEDED when the children would nest too deep", async () => {
      const storage = await makeStorage();
      const { kit } = await acmeWorld(storage, { maxDepth: 3 });
      // The survivor one and two levels below the duplicate.
      const child = await refusedWritingNothing(storage, () => kit.organizations.merge(admin, "acme-inc", "inc-berlin"), "HIERARCHY_CYCLE");
      expect(child.details).toMatchObject({ duplicateId: "acme-inc", survivorId: "inc-berlin", path: ["acme-inc", "inc-berlin"] });
      const grandchild = await refusedWritingNothing(storage, () => kit.organizations.merge(admin, "acme-inc", "inc-berlin-mitte"), "HIERARCHY_CYCLE");
      expect(grandchild.details.path).toEqual(["acme-inc", "inc-berlin", "inc-berlin-mitte"]);
      // acme-east is at depth 1; inc-berlin's subtree (height 1) would reach 2 + 1 = 3: allowed. One level lower is not.
      await kit.organizations.create(admin, { id: "east-boston", name: "East Boston", parentId: "acme-east" });
      const deep = await refusedWritingNothing(storage, () => kit.organizations.merge(admin, "acme-inc", "east-boston"), "MAX_DEPTH_EXCEEDED");
      expect(deep.details).toMatchObject({ duplicateId: "acme-inc", survivorId: "east-boston", maxDepth: 3, depth: 4 });
      await kit.organizations.merge(admin, "acme-inc", "acme-east");
      expect((await kit.organizations.ancestors(admin, "inc-berlin-mitte")).map((o) => o.id)).toEqual(["inc-berlin", "acme-east", "acme"]);
      // The survivor may be an ancestor of the duplicate: its children move up.
      await kit.organizations.create(admin, { id: "low", name: "Low", parentId: "acme-east" });
      await kit.organizations.create(admin, { id: "lower", name: "Lower", parentId: "low" });
      await kit.organizations.merge(admin, "low", "acme");
      expect((await kit.organizations.get(admin, "lower"))!.parentId).toBe("acme");
    });

    it("RULE_CONFLICT when both claim one value with different subdomain settings", async () => {
      const storage = await makeStorage();
      const { kit } = await setup({ ruleConflict: "allow" }, storage);
      await kit.organizations.create(admin, { id: "s", name: "S" });
      await kit.organizations.create(admin, { id: "d", name: "D" });
      await kit.rules.add(admin, "s", { kind: "domain", value: "shared.example" });
      await kit.rules.add(admin, "d", { kind: "domain", value: "shared.example", includeSubdomains: true });
      const error = await refusedWritingNothing(storage, () => kit.organizations.merge(admin, "d", "s"), "RULE_CONFLICT");
      expect(error.details).toMatchObject({ kind: "domain", value: "shared.example" });
      await refusedWritingNothing(storage, () => kit.organizations.previewMerge(admin, "d", "s"), "RULE_CONFLICT");
    });

    it("a failure after the first writes (a storage fault mid-merge) leaves nothing behind", async () => {
      const storage = await makeStorage();
      await acmeWorld(storage);
      // Resources move last: fail there, after the organizations, rules, children and members were written.
      const failing: Storage = {
        ...storage,
        transaction: (fn) =>
          storage.transaction((session) =>
            fn({
              ...session,
              resources: new Proxy(session.resources, {
                get(target, key) {
                  if (key === "reassignOrganization" || key === "put") return async () => Promise.reject(new Error("connection lost"));
                  return Reflect.get(target, key, target);
                },
              }),
            }),
          ),
      };
      const faulty = createOrgKit({ storage: failing, config: FIELDS });
      const before = await snapshotOf(storage);
      await expect(faulty.organizations.merge(admin, "acme-inc", "acme")).rejects.toThrow("connection lost");
      expect(await snapshotOf(storage)).toBe(before);
    });
  });

  it("moves more than a page (1,000) of members, resources and children, with the set-wise methods and without", async () => {
    for (const mode of ["set-wise", "one by one"] as const) {
      const base = await makeStorage();
      const storage = mode === "set-wise" ? base : withoutMergeMethods(base);
      const { kit } = await setup({ membershipPolicy: "multiple" }, storage);
      await kit.organizations.create(admin, { id: "s", name: "S" });
      await kit.organizations.create(admin, { id: "d", name: "D" });
      const members = 1003;
      const at = new Date().toISOString();
      await base.transaction(async (session) => {
        for (let i = 0; i < members; i++) await session.users.insert(buildUser({ id: `u${String(i).padStart(5, "0")}` }));
        for (let i = 0; i < members; i++) {
          const userId = `u${String(i).padStart(5, "0")}`;
          await session.memberships.put(buildMembership({ userId, organizationId: "d", role: i % 2 ? "member" : "manager", createdAt: at, updatedAt: at }));
          // Every 100th user also belongs to the survivor.
          if (i % 100 === 0) await session.memberships.put(buildMembership({ userId, organizationId: "s", createdAt: at, updatedAt: at }));
        }
        for (let i = 0; i < 1002; i++) await session.resources.put(buildResource({ kind: "asset", id: `a${i}`, organizationId: "d" }));
        await session.organizations.insertMany!(Array.from({ length: 1001 }, (_, i) => buildOrganization({ id: `c${i}`, name: `Child ${i}`, parentId: "d" })));
        await session.organizations.insert(buildOrganization({ id: "gc", name: "Grandchild", parentId: "c1000" }));
      });
      const result = await kit.organizations.merge(admin, "d", "s");
      expect(result.moved, mode).toEqual({ memberships: members - 11, membershipsKept: 11, resources: 1002, children: 1001, usersRelinked: 0 });
      expect(result.conflictCount).toBe(11); // the users in both, managers in the duplicate: u00000, u00100, …, u01000
      expect(await base.memberships.countByOrganization("s")).toBe(members);
      expect(await base.memberships.countByOrganization("d")).toBe(0);
      expect(await base.resources.listByOrganization("d", { limit: 10 })).toEqual([]);
      expect((await base.resources.listByOrganization("s", { limit: 1000 })).length).toBe(1000);
      expect(await base.organizations.children("d")).toEqual([]);
      expect((await base.organizations.children("s")).length).toBe(1001);
      expect((await base.organizations.ancestors("gc")).map((o) => o.id)).toEqual(["c1000", "s"]);
      expect(await base.memberships.get("u00001", "s")).toMatchObject({ role: "member", createdAt: at });
      expect(await base.memberships.get("u00002", "s")).toMatchObject({ role: "manager" });
      const policy = await kit.policy();
      expect(policy.check({ check: "canAccessResource", subject: "u00003", resource: { kind: "asset", id: "a1001" } })).toBe(true);
    }
  });

  it("concurrent merges and moves through the facade: no cycle, no member lost", async () => {
    const storage = await makeStorage();
    const { kit } = await setup({ membershipPolicy: "single" }, storage);
    for (let round = 0; round < 3; round++) {
      const [d, s, c] = [`d${round}`, `s${round}`, `c${round}`];
      await kit.organizations.create(admin, { id: d, name: `D ${round}` });
      await kit.organizations.create(admin, { id: s, name: `S ${round}` });
      await kit.organizations.create(admin, { id: c, name: `C ${round}`, parentId: d });
      await kit.users.upsert(system, { id: `m${round}` });
      // The survivor moving under the duplicate's child, a member joining the duplicate, and the merge, at once.
      const outcomes = await Promise.allSettled([
        kit.organizations.setParent(admin, s, c),
        kit.memberships.add(admin, { userId: `m${round}`, organizationId: d }),
        kit.organizations.merge(admin, d, s),
      ]);
      for (const outcome of outcomes) if (outcome.status === "rejected" && !isOrgKitError(outcome.reason)) throw outcome.reason;
      const stored = new Map((await storage.organizations.getMany([d, s, c])).map((o) => [o.id, o]));
      expect(stored.get(c)!.parentId === s && stored.get(s)!.parentId === c, "a cycle").toBe(false);
      const memberships = await storage.memberships.listByUser(`m${round}`);
      if (stored.get(d)!.mergedInto === s) {
        expect(await storage.memberships.listByOrganization(d, { limit: 10 })).toEqual([]);
        if (outcomes[1]!.status === "fulfilled") expect(memberships.map((m) => m.organizationId)).toEqual([s]);
      } else if (outcomes[1]!.status === "fulfilled") expect(memberships.map((m) => m.organizationId)).toEqual([d]);
    }
  });
});
