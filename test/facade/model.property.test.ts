/**
 * Model-based property test: random sequences of use cases, by random actors, against
 * memory storage. After every step the stored state must satisfy the invariants, and a
 * step that succeeded must have been within the actor's rights per a simple reference
 * model of who may do what. Discontinuing and reactivating are commands of their own:
 * the model remembers the memberships an organization had when it was discontinued, and
 * reactivating must restore every one of them unchanged (issue 10, "Nothing is lost"),
 * unless an actor removed it, or its rule, in between. Every committed step leaves exactly
 * one change-feed entry carrying its audit events (none when it failed), and the kit's live
 * policy, refreshed from that feed, answers as a fresh compile (issue 12).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createOrgKit, isOrgKitError, type Membership, type MembershipPolicy, type OrgKit, type Storage } from "../../src/index.js";
import { compilePolicy } from "../../src/permissions/index.js";
import { admin, as, setup, system } from "./setup.js";

const ORGS = ["o1", "o2", "o3", "o4"] as const;
const USERS = ["u1", "u2", "u3", "u4"] as const;
const DOMAINS = ["d1.example", "d2.example", "d3.example"] as const;
const ACTORS = ["admin", "orgadmin", "agent", "plain"] as const;
type ActorName = (typeof ACTORS)[number];

type Action =
  | { type: "setParent"; child: string; parent: string }
  | { type: "detach"; child: string }
  | { type: "addMembership"; user: string; org: string }
  | { type: "removeMembership"; user: string; org: string }
  | { type: "addRule"; org: string; domain: string }
  | { type: "removeRule"; org: string }
  | { type: "setEmail"; user: string; domain: string }
  | { type: "discontinue"; org: string }
  | { type: "reactivate"; org: string }
  // --- configuration fingerprint: adopting the other membership policy (no actor here is a super admin) ---
  | { type: "adoptConfiguration"; dryRun: boolean };

interface Step {
  actor: ActorName;
  action: Action;
}

const org = fc.constantFrom(...ORGS);
const user = fc.constantFrom(...USERS);
const domain = fc.constantFrom(...DOMAINS);
const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ type: fc.constant("setParent" as const), child: org, parent: org }),
  fc.record({ type: fc.constant("detach" as const), child: org }),
  fc.record({ type: fc.constant("addMembership" as const), user, org }),
  fc.record({ type: fc.constant("removeMembership" as const), user, org }),
  fc.record({ type: fc.constant("addRule" as const), org, domain }),
  fc.record({ type: fc.constant("removeRule" as const), org }),
  fc.record({ type: fc.constant("setEmail" as const), user, domain }),
  fc.record({ type: fc.constant("discontinue" as const), org }),
  fc.record({ type: fc.constant("reactivate" as const), org }),
  // --- configuration fingerprint ---
  fc.record({ type: fc.constant("adoptConfiguration" as const), dryRun: fc.boolean() }),
);
const step: fc.Arbitrary<Step> = fc.record({ actor: fc.constantFrom(...ACTORS), action });
/**
 * What a platform admin does to an organization's lifecycle and its users' identities,
 * drawn as often as all other steps together: losing a dormant membership takes a rule,
 * a discontinued organization and a re-link of one of its members, in that order.
 */
const lifecycleStep: fc.Arbitrary<Step> = fc.record({
  actor: fc.constant("admin" as const),
  action: fc.oneof(
    { arbitrary: fc.record({ type: fc.constant("discontinue" as const), org }), weight: 2 },
    { arbitrary: fc.record({ type: fc.constant("reactivate" as const), org }), weight: 2 },
    { arbitrary: fc.record({ type: fc.constant("setEmail" as const), user, domain }), weight: 3 },
    { arbitrary: fc.record({ type: fc.constant("addRule" as const), org, domain }), weight: 3 },
  ),
});

async function world(policy: MembershipPolicy) {
  const { kit, storage } = await setup({ membershipPolicy: policy });
  for (const id of ORGS) await kit.organizations.create(admin, { id, name: id, allowedRoles: ["member"] });
  for (const [i, id] of USERS.entries()) await kit.users.upsert(system, { id, emails: [{ value: `${id}@${DOMAINS[i % DOMAINS.length]}`, verified: true }] });
  // One rule from the start, so that every sequence has rule memberships to keep or lose.
  await kit.rules.add(admin, "o2", { kind: "domain", value: DOMAINS[0] });
  // orgadmin administers o1; the agent's profile may read and edit organizations without states, never delete or add.
  await kit.users.upsert(admin, { id: "orgadmin" });
  await kit.memberships.add(admin, { userId: "orgadmin", organizationId: "o1", admin: true });
  await kit.profiles.create(admin, { id: "p", name: "Editors", organizations: { none: ["read", "edit"] } });
  await kit.users.upsert(admin, { id: "agent", kind: "agent", profileId: "p" });
  await kit.users.upsert(admin, { id: "plain" });
  // --- configuration fingerprint: a kit with the other membership policy on the same storage ---
  const other = createOrgKit({ storage, config: { membershipPolicy: policy === "single" ? "multiple" : "single" } });
  return { kit, storage, other };
}

/** What the reference model allows: the rights as DESIGN.md states them. */
async function allowed(storage: Storage, actor: ActorName, a: Action): Promise<boolean> {
  if (a.type === "adoptConfiguration") return false; // configuration fingerprint: only a super admin (or the system actor) may, and none of these is one
  if (actor === "admin") return true;
  if (actor === "plain") return false;
  const orgEdit = actor === "agent"; // every org in this test has no state flags: the profile's "none" cell decides
  switch (a.type) {
    case "setParent":
    case "detach":
    case "addRule":
    case "removeRule":
      return orgEdit;
    case "discontinue":
    case "reactivate":
      return false;
    case "setEmail":
      return false;
    case "addMembership":
    case "removeMembership": {
      if (actor !== "orgadmin") return false;
      const mine = await storage.memberships.get("orgadmin", "o1");
      const o1 = await storage.organizations.get("o1");
      if (a.org !== "o1" || mine?.admin !== true || o1?.status !== "active") return false;
      if (a.type === "removeMembership") return true;
      // An org admin manages existing users only when they are members of its organization:
      // it cannot pull in someone from outside (adding an existing member is then a CONFLICT, not FORBIDDEN).
      return (await storage.memberships.get(a.user, "o1")) !== null;
    }
  }
}

async function perform(kit: OrgKit, storage: Storage, { actor, action: a }: Step, other?: OrgKit): Promise<void> {
  const who = actor === "admin" ? admin : as(actor);
  switch (a.type) {
    case "setParent":
      return void (await kit.organizations.setParent(who, a.child, a.parent));
    case "detach":
      return void (await kit.organizations.detach(who, a.child));
    case "addMembership":
      return void (await kit.memberships.add(who, { userId: a.user, organizationId: a.org }));
    case "removeMembership":
      return void (await kit.memberships.remove(who, a.user, a.org));
    case "addRule":
      return void (await kit.rules.add(who, a.org, { kind: "domain", value: a.domain }));
    case "removeRule": {
      const rules = await storage.rules.listByOrganization(a.org);
      return void (await kit.rules.remove(who, a.org, rules[0]?.id ?? "none"));
    }
    case "setEmail":
      return void (await kit.users.upsert(who, { id: a.user, emails: [{ value: `${a.user}@${a.domain}`, verified: true }] }));
    case "discontinue":
      return void (await kit.organizations.discontinue(who, a.org));
    case "reactivate":
      return void (await kit.organizations.reactivate(who, a.org));
    case "adoptConfiguration":
      return void (await other!.configuration.adopt(who, { dryRun: a.dryRun }));
  }
}

async function checkInvariants(storage: Storage, model: Model): Promise<void> {
  const { policy, removedByHand } = model;
  // 1. The hierarchy is acyclic.
  for (const id of ORGS) {
    const seen = new Set<string>();
    for (let current: string | null = id; current !== null; ) {
      expect(seen.has(current), `cycle through ${current}`).toBe(false);
      seen.add(current);
      current = (await storage.organizations.get(current))!.parentId;
    }
  }
  const rules = (await Promise.all(ORGS.map((o) => storage.rules.listByOrganization(o)))).flat();
  for (const id of USERS) {
    const stored = (await storage.users.get(id))!;
    const host = stored.emails[0]!.split("@")[1]!;
    const memberships = await storage.memberships.listByUser(id);
    // 2. The one-organization rule.
    if (policy === "single") expect(memberships.length).toBeLessThanOrEqual(1);
    // 3. Rule-created memberships are backed by a rule of that organization, matching the user
    // unless the membership was kept dormant across a change of the user's identity.
    for (const m of memberships) {
      if (m.source.type !== "rule") continue;
      const ruleId = m.source.ruleId;
      const rule = rules.find((r) => r.id === ruleId);
      expect(rule, `membership of ${id} in ${m.organizationId} cites a missing rule`).toBeDefined();
      expect(rule!.organizationId).toBe(m.organizationId);
      const dormant = (await storage.organizations.get(m.organizationId))!.status === "discontinued";
      if (!dormant && !model.keptAcrossIdentityChange.has(pair(id, m.organizationId))) expect(rule!.value).toBe(host);
    }
    // Under "single", a user in no organization matches no active organization's rule (it would have joined).
    if (policy === "single" && memberships.length === 0 && !removedByHand.has(id)) {
      for (const rule of rules.filter((r) => r.value === host)) {
        const owner = (await storage.organizations.get(rule.organizationId))!;
        expect(owner.status, `${id} matches ${rule.organizationId} but belongs nowhere`).not.toBe("active");
      }
    }
    // Under "multiple", every matching rule of an active organization has linked the user.
    // (A membership removed by hand stays removed until the user is next re-linked: not checked for those users.)
    if (policy === "multiple" && !removedByHand.has(id)) {
      for (const rule of rules.filter((r) => r.value === host)) {
        const owner = (await storage.organizations.get(rule.organizationId))!;
        if (owner.status !== "active") continue;
        expect(memberships.some((m) => m.organizationId === rule.organizationId), `${id} not linked to ${rule.organizationId}`).toBe(true);
      }
    }
  }
  // 4. Nothing is lost: a discontinued organization's memberships stay exactly as they were kept.
  for (const [orgId, kept] of model.kept) await expectKept(storage, orgId, kept, "while the organization was discontinued");
}

/**
 * The change feed after a step that succeeded: one entry if it wrote anything (its events
 * are exactly the audit events the step appended), none if it changed nothing; and the
 * kit's live policy, refreshed from the feed, answers as a fresh compile of the snapshot.
 */
async function checkFeed({ kit, storage }: Real, eventsBefore: number, revisionBefore: number): Promise<void> {
  const appended = await storage.events.list({ after: eventsBefore, limit: 1000 });
  const entries = await storage.changes.since(revisionBefore, 10);
  if (appended.length === 0 && entries.length === 0) return; // a no-op (e.g. adding an existing membership)
  expect(entries, "one feed entry per committed write").toHaveLength(1);
  expect(entries[0]!.events).toEqual(appended);
  const live = await kit.policy();
  const fresh = compilePolicy((await kit.exportSnapshot()).snapshot);
  expect(live.version).toBe(entries[0]!.revision);
  for (const subject of [...USERS, "admin", "orgadmin", "agent", "plain"]) {
    for (const organization of ORGS) {
      for (const action of ["read", "edit", "delete"] as const) {
        expect(live.canOnOrganization(subject, action, organization), `${subject} ${action} ${organization}`).toBe(fresh.canOnOrganization(subject, action, organization));
      }
      expect(live.canManageUser(subject, null, organization)).toBe(fresh.canManageUser(subject, null, organization));
    }
  }
}

/** `user|organization`, a key of the model's sets. */
const pair = (userId: string, organizationId: string) => `${userId}|${organizationId}`;

/** A membership as discontinuing keeps it: what must come back unchanged. */
type KeptMembership = Pick<Membership, "role" | "admin" | "source" | "createdAt">;

function keptOf(m: Membership): KeptMembership {
  return { role: m.role, admin: m.admin, source: m.source, createdAt: m.createdAt };
}

/** Every membership `kept` is stored unchanged; `when` says at which point, for the message. */
async function expectKept(storage: Storage, orgId: string, kept: ReadonlyMap<string, KeptMembership>, when: string): Promise<void> {
  for (const [userId, membership] of kept) {
    const stored = await storage.memberships.get(userId, orgId);
    expect(stored && keptOf(stored), `the membership of ${userId} in ${orgId} was lost or changed ${when}`).toEqual(membership);
  }
}

/** The reference model. */
interface Model {
  /** The membership policy in force. */
  readonly policy: MembershipPolicy;
  /** Users whose rule membership was removed by hand. */
  readonly removedByHand: Set<string>;
  /**
   * Per discontinued organization, its memberships (by user id) as discontinuing kept
   * them, less those an actor has since removed (by hand, by a move under `"single"`, or
   * by removing their rule).
   */
  readonly kept: Map<string, Map<string, KeptMembership>>;
  /**
   * `user|organization` rule memberships kept dormant while the user's identity changed:
   * they may cite a rule the user no longer matches until the user is next re-linked.
   */
  readonly keptAcrossIdentityChange: Set<string>;
}

function emptyModel(policy: MembershipPolicy): Model {
  return { policy, removedByHand: new Set(), kept: new Map(), keptAcrossIdentityChange: new Set() };
}

/** The system under test. */
interface Real {
  readonly kit: OrgKit;
  readonly storage: Storage;
  /** A kit with the other membership policy on the same storage (configuration fingerprint). */
  readonly other: OrgKit;
}

/**
 * One use case by one actor, as a fast-check command: run it, then check rights and
 * invariants. `prepare` reads what the model needs before the step; `apply` updates the
 * model after a step that succeeded.
 */
class UseCase implements fc.AsyncCommand<Model, Real> {
  constructor(readonly step: Step) {}

  check(): boolean {
    return true;
  }

  async run(model: Model, real: Real): Promise<void> {
    const { kit, storage } = real;
    const s = this.step;
    const permitted = await allowed(storage, s.actor, s.action);
    const before = await storage.events.lastSequence();
    const revisionBefore = await storage.changes.latestRevision();
    const prepared = await this.prepare(model, real);
    try {
      await perform(kit, storage, s, real.other);
      await checkFeed(real, before, revisionBefore);
      expect(permitted, `${s.actor} did ${JSON.stringify(s.action)} without the right`).toBe(true);
      await this.apply(model, real, prepared);
      for (const key of model.keptAcrossIdentityChange) {
        const [userId, orgId] = key.split("|") as [string, string];
        if (!(await storage.memberships.get(userId, orgId))) model.keptAcrossIdentityChange.delete(key); // ended: a new one is checked in full
      }
    } catch (error) {
      if (!isOrgKitError(error)) throw error;
      if (!permitted) expect(error.code).toBe("FORBIDDEN");
      else expect(error.code).not.toBe("FORBIDDEN");
      expect(await storage.events.lastSequence(), "a failed use case wrote events").toBe(before);
      expect(await storage.changes.latestRevision(), "a failed use case left a feed entry").toBe(revisionBefore);
    }
    await checkInvariants(storage, model);
  }

  protected async prepare(_model: Model, { storage }: Real): Promise<string | null> {
    const a = this.step.action;
    // The rule `removeRule` will remove, and the user's email before `setEmail`.
    if (a.type === "removeRule") return (await storage.rules.listByOrganization(a.org))[0]?.id ?? null;
    if (a.type === "setEmail") return (await storage.users.get(a.user))!.emails[0] ?? null;
    return null;
  }

  protected async apply(model: Model, { storage }: Real, prepared: string | null): Promise<void> {
    const a = this.step.action;
    switch (a.type) {
      case "removeMembership":
        model.removedByHand.add(a.user);
        model.kept.get(a.org)?.delete(a.user);
        return;
      case "addMembership":
        // Under "single" adding moves the user: its other memberships, dormant ones too, end by hand.
        if (model.policy === "single") for (const [orgId, kept] of model.kept) if (orgId !== a.org) kept.delete(a.user);
        return;
      case "removeRule": {
        const kept = model.kept.get(a.org);
        if (kept) for (const [userId, m] of kept) if (m.source.type === "rule" && m.source.ruleId === prepared) kept.delete(userId);
        return;
      }
      case "setEmail": {
        if (prepared === `${a.user}@${a.domain}`) return; // no change of identity, no re-link
        // The re-link settled the user's rule memberships in active organizations; dormant ones stay as they were.
        for (const m of await storage.memberships.listByUser(a.user)) {
          const dormant = (await storage.organizations.get(m.organizationId))!.status === "discontinued";
          if (dormant) model.keptAcrossIdentityChange.add(pair(a.user, m.organizationId));
          else model.keptAcrossIdentityChange.delete(pair(a.user, m.organizationId));
        }
        return;
      }
      default:
        return;
    }
  }

  toString(): string {
    return `${this.step.actor}: ${JSON.stringify(this.step.action)}`;
  }
}

/** Discontinuing: the model remembers the organization's memberships as they are kept. */
class Discontinue extends UseCase {
  protected override async apply(model: Model, { storage }: Real): Promise<void> {
    const orgId = (this.step.action as Extract<Action, { type: "discontinue" }>).org;
    const memberships = await storage.memberships.listByOrganization(orgId, { after: null, limit: 1000 });
    model.kept.set(orgId, new Map(memberships.map((m) => [m.userId, keptOf(m)])));
  }
}

/** Reactivating must restore every membership that discontinuing kept, unchanged. */
class Reactivate extends UseCase {
  protected override async apply(model: Model, { storage }: Real): Promise<void> {
    const orgId = (this.step.action as Extract<Action, { type: "reactivate" }>).org;
    await expectKept(storage, orgId, model.kept.get(orgId) ?? new Map(), "by reactivation");
    model.kept.delete(orgId);
  }
}

// --- configuration fingerprint -------------------------------------------------------------
/**
 * The system actor asks to adopt the other membership policy: a dry run must fit exactly
 * when the data does (`"single"`: no user in two organizations, dormant memberships too),
 * and write nothing either way; adopting the kit's own configuration again is a no-op.
 * The step's kit keeps working afterwards (the recorded configuration is unchanged).
 */
class SystemAdoption implements fc.AsyncCommand<Model, Real> {
  check(): boolean {
    return true;
  }

  async run(model: Model, { kit, storage, other }: Real): Promise<void> {
    const before = await storage.events.lastSequence();
    const revisionBefore = await storage.changes.latestRevision();
    const recorded = (await storage.settings!.get("configuration"))!.value["fingerprint"];
    let fits = true;
    if (model.policy === "multiple") for (const id of [...USERS, "orgadmin", "agent", "plain", "admin"]) if ((await storage.memberships.listByUser(id)).length > 1) fits = false;
    const outcome = await other.configuration.adopt(system, { dryRun: true }).then(
      (result) => ({ ok: true as const, result }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    if (fits) expect(outcome.ok && !outcome.result.adopted, JSON.stringify(outcome)).toBe(true);
    else expect(!outcome.ok && isOrgKitError(outcome.error, "CONFIGURATION_INCOMPATIBLE"), String(!outcome.ok && outcome.error)).toBe(true);
    expect(await kit.configuration.adopt(system)).toMatchObject({ adopted: false, differences: [] });
    expect(await storage.events.lastSequence()).toBe(before);
    expect(await storage.changes.latestRevision()).toBe(revisionBefore);
    expect((await storage.settings!.get("configuration"))!.value["fingerprint"]).toBe(recorded);
    await kit.ready();
  }

  toString(): string {
    return "system: adopt the other membership policy (dry run), and its own configuration";
  }
}
// --- end configuration fingerprint ---------------------------------------------------------

function commandOf(step: Step): UseCase {
  if (step.action.type === "discontinue") return new Discontinue(step);
  if (step.action.type === "reactivate") return new Reactivate(step);
  return new UseCase(step);
}

describe.each(["single", "multiple"] as const)("random use-case sequences (%s policy)", (policy) => {
  it("keep the invariants and never let an actor exceed its rights", async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands([step.map(commandOf), lifecycleStep.map(commandOf), fc.constant(new SystemAdoption())], { maxCommands: 30, size: "max" }), async (commands) => {
        const real = await world(policy);
        await fc.asyncModelRun(() => ({ model: emptyModel(policy), real }), commands);
      }),
      { numRuns: 60 },
    );
  });
});
