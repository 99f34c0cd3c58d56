/**
 * Model-based property test: random sequences of use cases, by random actors, against
 * memory storage. After every step the stored state must satisfy the invariants, and a
 * step that succeeded must have been within the actor's rights per a simple reference
 * model of who may do what. Discontinuing and reactivating are commands of their own:
 * the model remembers the memberships an organization had when it was discontinued, and
 * reactivating must restore every one of them unchanged (issue 10, "Nothing is lost"),
 * unless an actor removed it, or its rule, in between. Every committed step leaves exactly
 * one change-feed entry carrying its audit events (none when it failed), and the kit's live
 * policy, refreshed from that feed, answers as a fresh compile (issue 12). Merging a
 * duplicate into a survivor is a command of its own too (see "Merging duplicates" below):
 * no member of the duplicate is lost, nothing stays with it, and it redirects.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createOrgKit, isOrgKitError, type Membership, type MembershipPolicy, type MemberRuleRecord, type OrgKit, type OrgKitConfigInput, type TxtResolver, type User } from "../../src/index.js";
import { compilePolicy } from "../../src/permissions/index.js";
import { memoryStorage } from "../../src/adapters/memory/index.js";
import { admin, as, setup, system } from "./setup.js";
import type { Storage } from "../../src/storage/index.js";

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
  // ----- domain proof (see the "with domain proof" block at the end)
  | { type: "challenge"; org: string }
  | { type: "prove"; org: string; publish: boolean }
  | UserLifecycleAction
  // Merging duplicates (see the block below).
  | { type: "merge"; duplicate: string; survivor: string }
  | InvitationAction // invitations: see the block at the end
  // --- configuration fingerprint: adopting the other membership policy (no actor here is a super admin) ---
  | { type: "adoptConfiguration"; dryRun: boolean };

interface Step {
  actor: ActorName;
  action: Action;
}

// ---------------------------------------------------------------------------------------
// Erasure and removal (users.erase, users.remove): platform admins only. An erased user
// keeps its id as a tombstone with no identity, so no rule matches it and it belongs
// nowhere, whatever comes after; a removed user is gone until an upsert makes it anew.

type UserLifecycleAction = { type: "erase"; user: string } | { type: "remove"; user: string };

const userLifecycleAction: fc.Arbitrary<UserLifecycleAction> = fc.oneof(
  fc.record({ type: fc.constant("erase" as const), user: fc.constantFrom(...USERS) }),
  fc.record({ type: fc.constant("remove" as const), user: fc.constantFrom(...USERS) }),
);

/** The invariants of a user that was erased (a tombstone) or removed (`null`). */
async function checkGoneUser(storage: Storage, id: string, stored: User | null, rules: readonly MemberRuleRecord[]): Promise<void> {
  expect(await storage.memberships.listByUser(id), `${id} is gone but belongs somewhere`).toEqual([]);
  if (stored === null) return;
  expect(stored).toMatchObject({ emails: [], phones: [], username: null, registered: false, usergroupIds: [], platformRole: null, profileId: null });
  // An erased user matches no rule.
  for (const rule of rules) {
    const matched = await storage.users.findMatching(rule, { after: null, limit: 1000 });
    expect(matched.map((u) => u.id), `erased ${id} matches rule ${rule.id}`).not.toContain(id);
  }
}

// ---------------------------------------------------------------------------------------

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
const step: fc.Arbitrary<Step> = fc.record({ actor: fc.constantFrom(...ACTORS), action: fc.oneof({ arbitrary: action, weight: 9 }, { arbitrary: userLifecycleAction, weight: 2 }) });
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
    { arbitrary: userLifecycleAction, weight: 1 }, // erasure and removal (block above)
  ),
});

async function world(policy: MembershipPolicy, config: OrgKitConfigInput = {}) {
  const { kit, storage } = await setup({ membershipPolicy: policy, ...config }, memoryStorage(), proofDns.resolver);
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
  if (a.type === "setOrgAdmin" || a.type === "invite" || a.type === "revokeInvitation" || a.type === "acceptInvitation") return invitationAllowed(storage, actor, a);
  if (a.type === "adoptConfiguration") return false; // configuration fingerprint: only a super admin (or the system actor) may, and none of these is one
  if (actor === "admin") return true;
  if (actor === "plain") return false;
  const orgEdit = actor === "agent"; // every org in this test has no state flags: the profile's "none" cell decides
  switch (a.type) {
    case "setParent":
    case "detach":
    case "addRule":
    case "removeRule":
    // Domain proof needs what adding the rule needs: edit on the organization, and on the
    // active organizations whose rules the proof shadows (the agent edits every one here).
    case "challenge":
    case "prove":
      return orgEdit;
    case "discontinue":
    case "reactivate":
      return false;
    case "setEmail":
      return false;
    case "erase":
    case "remove":
    case "merge":
      return false; // platform administration
    case "addMembership":
    case "removeMembership": {
      if (actor !== "orgadmin") return false;
      // orgadmin administers o1 — or, after o1 was merged into another, that survivor (its admin flag moved along).
      const mine = await storage.memberships.get("orgadmin", a.org);
      const target = await storage.organizations.get(a.org);
      if (mine?.admin !== true || target?.status !== "active") return false;
      if (a.type === "removeMembership") return true;
      // An org admin manages existing users only when they are members of its organization:
      // it cannot pull in someone from outside (adding an existing member is then a CONFLICT, not FORBIDDEN).
      // A removed user is no one to refuse: adding it is NOT_FOUND.
      if ((await storage.users.get(a.user)) === null) return true;
      return (await storage.memberships.get(a.user, a.org)) !== null;
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
    // ----- domain proof
    case "challenge": {
      const rules = await storage.rules.listByOrganization(a.org);
      return void (await kit.rules.domainChallenge(who, a.org, rules[0]?.id ?? "none"));
    }
    case "prove": {
      const rules = await storage.rules.listByOrganization(a.org);
      proofDns.publishing = a.publish ? storage : null;
      try {
        const result = await kit.rules.proveDomain(who, a.org, rules[0]?.id ?? "none");
        if (result.proven && result.changed) proofDns.proofs++;
        return;
      } finally {
        proofDns.publishing = null;
      }
    }
    case "erase":
      return void (await kit.users.erase(who, a.user));
    case "remove":
      return void (await kit.users.remove(who, a.user));
    case "merge":
      return void (await kit.organizations.merge(who, a.duplicate, a.survivor));
    case "setOrgAdmin":
    case "invite":
    case "revokeInvitation":
    case "acceptInvitation":
      return performInvitation(kit, storage, who, a);
    case "adoptConfiguration":
      return void (await other!.configuration.adopt(who, { dryRun: a.dryRun }));
  }
}

/**
 * The model's DNS: while a `prove` step with `publish` runs, every challenge issued for the
 * domain asked about is published (the domain's owner published them all); otherwise nothing is.
 */
const proofDns: { publishing: Storage | null; proofs: number; resolver: TxtResolver } = {
  publishing: null,
  proofs: 0,
  resolver: {
    async resolveTxt(name) {
      const storage = proofDns.publishing;
      if (storage === null) return [];
      const domain = name.slice("_orgkit.".length);
      const rules = await storage.rules.findByKeys([{ kind: "domain", value: domain }]);
      const tokens = await Promise.all(rules.map((r) => storage.rules.getChallenge(r.id)));
      return tokens.flatMap((c) => (c ? [[`orgkit-verification=${c.token}`]] : []));
    },
  },
};

/**
 * Whether a rule links anyone: not an unproven domain rule under `proof: "required"`, and
 * not a domain rule whose domain another organization proved (the model's domains do not nest).
 */
function links(rule: MemberRuleRecord, rules: readonly MemberRuleRecord[], required: boolean): boolean {
  if (rule.kind !== "domain") return true;
  if (required && !rule.proof) return false;
  return !rules.some((other) => other.kind === "domain" && other.value === rule.value && other.proof && other.organizationId !== rule.organizationId);
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
    const found = await storage.users.get(id);
    if (found === null || found.erasedAt !== undefined) {
      await checkGoneUser(storage, id, found, rules);
      continue;
    }
    const stored = found;
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
      if (!dormant && !model.keptAcrossIdentityChange.has(pair(id, m.organizationId))) {
        expect(rule!.value).toBe(host);
        expect(links(rule!, rules, model.proofRequired), `${id} is in ${m.organizationId} by a rule that links nobody`).toBe(true);
      }
    }
    // Under "single", a user in no organization matches no active organization's rule (it would have joined).
    if (policy === "single" && memberships.length === 0 && !removedByHand.has(id)) {
      for (const rule of rules.filter((r) => r.value === host && links(r, rules, model.proofRequired))) {
        const owner = (await storage.organizations.get(rule.organizationId))!;
        expect(owner.status, `${id} matches ${rule.organizationId} but belongs nowhere`).not.toBe("active");
      }
    }
    // Under "multiple", every matching rule of an active organization has linked the user.
    // (A membership removed by hand stays removed until the user is next re-linked: not checked for those users.)
    if (policy === "multiple" && !removedByHand.has(id)) {
      for (const rule of rules.filter((r) => r.value === host && links(r, rules, model.proofRequired))) {
        const owner = (await storage.organizations.get(rule.organizationId))!;
        if (owner.status !== "active") continue;
        expect(memberships.some((m) => m.organizationId === rule.organizationId), `${id} not linked to ${rule.organizationId}`).toBe(true);
      }
    }
  }
  // 5. A domain is proven by one organization at most.
  for (const d of DOMAINS) {
    const provers = new Set(rules.filter((r) => r.kind === "domain" && r.value === d && r.proof).map((r) => r.organizationId));
    expect(provers.size, `${d} proven by ${[...provers].join(", ")}`).toBeLessThanOrEqual(1);
  }
  // 4. Nothing is lost: a discontinued organization's memberships stay exactly as they were kept.
  for (const [orgId, kept] of model.kept) await expectKept(storage, orgId, kept, "while the organization was discontinued");
  // 5. A merged organization is an empty redirect: discontinued, no members, rules, children or resources.
  for (const id of ORGS) {
    const organization = (await storage.organizations.get(id))!;
    if (organization.mergedInto === undefined) continue;
    expect(organization.status).toBe("discontinued");
    expect(await storage.memberships.listByOrganization(id, { limit: 10 }), `members left in merged ${id}`).toEqual([]);
    expect(await storage.rules.listByOrganization(id)).toEqual([]);
    expect(await storage.organizations.children(id)).toEqual([]);
  }
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
  /** `domainRules.proof` is `"required"`. */
  readonly proofRequired: boolean;
  /** Users whose rule membership was removed by hand. */
  readonly removedByHand: Set<string>;
  /**
   * Per discontinued organization, its memberships (by user id) as discontinuing kept
   * them, less those an actor has since removed (by hand, by a move under `"single"`, or
   * by removing their rule).
   */
  readonly kept: Map<string, Map<string, KeptMembership>>;
  /**
   * `user|organization` rule memberships kept dormant while the user's identity changed
   * (or while another organization proved the rule's domain): they may cite a rule the
   * user no longer matches, or that no longer links, until the user is next re-linked.
   */
  readonly keptAcrossIdentityChange: Set<string>;
}

function emptyModel(policy: MembershipPolicy, proofRequired = false): Model {
  return { policy, proofRequired, removedByHand: new Set(), kept: new Map(), keptAcrossIdentityChange: new Set() };
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
    if (a.type === "setEmail") return (await storage.users.get(a.user))?.emails[0] ?? null; // null: a removed (or erased) user
    // The organization the invitation `acceptInvitation` picks leads to.
    if (a.type === "acceptInvitation") return (await pickInvitation(storage, a.pick))?.organizationId ?? null;
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
        await afterRelink(model, storage, a.user);
        return;
      }
      case "erase":
        // Its memberships ended, dormant ones too.
        for (const kept of model.kept.values()) kept.delete(a.user);
        return;
      case "acceptInvitation":
        return applyAcceptance(model, storage, a, prepared);
      case "setOrgAdmin":
        return applySetOrgAdmin(model, storage);
      default:
        return;
    }
  }

  toString(): string {
    return `${this.step.actor}: ${JSON.stringify(this.step.action)}`;
  }
}

/** After a re-link of `userId`: its rule memberships in active organizations are settled; dormant ones stay as they were. */
async function afterRelink(model: Model, storage: Storage, userId: string): Promise<void> {
  for (const m of await storage.memberships.listByUser(userId)) {
    const dormant = (await storage.organizations.get(m.organizationId))!.status === "discontinued";
    if (dormant) model.keptAcrossIdentityChange.add(pair(userId, m.organizationId));
    else model.keptAcrossIdentityChange.delete(pair(userId, m.organizationId));
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
    // Woken unchanged, a membership may cite a rule another organization's proof shadows since: it ends at the next re-link.
    const rules = (await Promise.all(ORGS.map((o) => storage.rules.listByOrganization(o)))).flat();
    for (const userId of model.kept.get(orgId)?.keys() ?? []) {
      const m = await storage.memberships.get(userId, orgId);
      const rule = m?.source.type === "rule" ? rules.find((r) => m.source.type === "rule" && r.id === m.source.ruleId) : undefined;
      if (rule && !links(rule, rules, model.proofRequired)) model.keptAcrossIdentityChange.add(pair(userId, orgId));
    }
    model.kept.delete(orgId);
  }
}

// ---------------------------------------------------------------------------------------
// Merging duplicates (organizations.merge), mostly by the platform admin.

const mergeStep: fc.Arbitrary<Step> = fc.record({
  actor: fc.oneof({ arbitrary: fc.constant("admin" as const), weight: 3 }, { arbitrary: fc.constantFrom(...ACTORS), weight: 1 }),
  // The same organization twice too: a platform admin gets VALIDATION_FAILED, anyone else FORBIDDEN.
  action: fc.record({ type: fc.constant("merge" as const), duplicate: org, survivor: org }),
});

/** What the duplicate held before the merge. */
interface BeforeMerge {
  readonly memberships: readonly Membership[];
  readonly survivorMembers: ReadonlySet<string>;
}

/**
 * A merge: no member of the duplicate is lost (each now belongs to the survivor: moved with
 * its role, admin flag, `createdAt` and source — a rule of the survivor now — or keeping
 * the survivor's own membership); what the model remembers of the duplicate's members
 * (dormant ones, identities changed meanwhile) follows them to the survivor.
 */
class Merge extends UseCase {
  private before: BeforeMerge | null = null;

  protected override async prepare(_model: Model, { storage }: Real): Promise<string | null> {
    const a = this.step.action as Extract<Action, { type: "merge" }>;
    const survivorMembers = await storage.memberships.listByOrganization(a.survivor, { after: null, limit: 1000 });
    this.before = {
      memberships: await storage.memberships.listByOrganization(a.duplicate, { after: null, limit: 1000 }),
      survivorMembers: new Set(survivorMembers.map((m) => m.userId)),
    };
    return null;
  }

  protected override async apply(model: Model, { kit, storage }: Real): Promise<void> {
    const a = this.step.action as Extract<Action, { type: "merge" }>;
    const before = this.before!;
    expect((await storage.organizations.get(a.duplicate))!.mergedInto).toBe(a.survivor);
    expect((await kit.organizations.get(admin, a.duplicate))!.id, "get(duplicate) leads to the survivor").toBe(a.survivor);
    for (const m of before.memberships) {
      const now = await storage.memberships.get(m.userId, a.survivor);
      expect(now, `${m.userId}, a member of ${a.duplicate}, was lost by the merge`).not.toBeNull();
      if (before.survivorMembers.has(m.userId)) continue; // kept the survivor's own
      // (Identical claims on both sides cannot arise here: the world rejects a claimed value.)
      expect(keptOf(now!), `${m.userId}'s membership changed on its way to ${a.survivor}`).toEqual(keptOf(m));
      if (m.source.type === "rule") expect((await storage.rules.get(m.source.ruleId))!.organizationId, "the rule moved with it").toBe(a.survivor);
      const key = pair(m.userId, a.duplicate);
      if (model.keptAcrossIdentityChange.delete(key)) model.keptAcrossIdentityChange.add(pair(m.userId, a.survivor));
    }
    // The duplicate's dormant memberships are the survivor's live ones now (the survivor is active: nothing of it is kept).
    model.kept.delete(a.duplicate);
    for (const key of [...model.keptAcrossIdentityChange]) if (key.endsWith(`|${a.duplicate}`)) model.keptAcrossIdentityChange.delete(key);
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
  if (step.action.type === "merge") return new Merge(step);
  return new UseCase(step);
}

describe.each(["single", "multiple"] as const)("random use-case sequences (%s policy)", (policy) => {
  it("keep the invariants and never let an actor exceed its rights", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.commands(
          [step.map(commandOf), fc.oneof({ arbitrary: lifecycleStep, weight: 5 }, { arbitrary: mergeStep, weight: 1 }).map(commandOf), invitationStep.map(commandOf), fc.constant(new SystemAdoption())],
          { maxCommands: 30, size: "max" },
        ),
        async (commands) => {
          const real = await world(policy);
          await fc.asyncModelRun(() => ({ model: emptyModel(policy), real }), commands);
        },
      ),
      { numRuns: 60 },
    );
  });
});

// ---------------------------------------------------------------------------------------
// Domain proof: the same model with `challenge` and `prove` steps (a fake resolver that
// publishes every challenge of the domain when the step says so), under "required" proof
// (unproven domain rules link nobody; two organizations may hold one domain's rule) and
// under "optional" proof with shared claims ("allow"), where a proof shadows the other
// organizations' rules of its domain. Invariants: a domain is proven by one organization
// at most, and rule memberships come from rules that link.

const proofStep: fc.Arbitrary<Step> = fc.record({
  actor: fc.constantFrom(...ACTORS),
  action: fc.oneof(
    { arbitrary: fc.record({ type: fc.constant("challenge" as const), org }), weight: 2 },
    // o2 has a rule from the start, with a challenge issued (see the world): proofs do happen.
    { arbitrary: fc.record({ type: fc.constant("prove" as const), org: fc.constantFrom("o2", "o2", ...ORGS), publish: fc.boolean() }), weight: 4 },
    { arbitrary: fc.record({ type: fc.constant("addRule" as const), org, domain }), weight: 3 },
  ),
});

describe.each([
  { policy: "single", proof: "required", ruleConflict: "reject" },
  { policy: "multiple", proof: "required", ruleConflict: "reject" },
  { policy: "single", proof: "optional", ruleConflict: "allow" },
  { policy: "multiple", proof: "optional", ruleConflict: "allow" },
] as const)("random use-case sequences with domain proof ($policy policy, $proof proof, $ruleConflict)", ({ policy, proof, ruleConflict }) => {
  it("keep the invariants, one prover per domain, and never let an actor exceed its rights", async () => {
    const before = proofDns.proofs;
    await fc.assert(
      fc.asyncProperty(fc.commands([step.map(commandOf), lifecycleStep.map(commandOf), proofStep.map(commandOf)], { maxCommands: 30, size: "max" }), async (commands) => {
        const real = await world(policy, { domainRules: { proof }, ruleConflict });
        const [first] = await real.storage.rules.listByOrganization("o2");
        await real.kit.rules.domainChallenge(admin, "o2", first!.id);
        await fc.asyncModelRun(() => ({ model: emptyModel(policy, proof === "required"), real }), commands);
      }),
      { numRuns: 30 },
    );
    // The sequences do prove domains (a challenge, then a published record), not only fail to.
    expect(proofDns.proofs).toBeGreaterThan(before);
  });
});

// ---------------------------------------------------------------------------------------
// Invitations: invite / revoke / accept, by the same actors. An invitation goes to one of
// a few addresses at invited.example (a domain no rule ever claims, so the verified address
// a user gains never links it to anything by rule), and is accepted by one of the users.
// The reference rights: inviting and revoking as adding a member (platform admins; the org
// admin in its own active organization); accepting needs no actor, but the sender's rights
// as they are *now* (else FORBIDDEN), and fails with a code of its own (never FORBIDDEN)
// when the token is unknown, used, revoked or replaced, or the organization discontinued.
// ---------------------------------------------------------------------------------------

/**
 * The invitation commands. `pick` chooses among the stored invitations (see
 * `pickInvitation`). `setOrgAdmin` takes orgadmin's admin flag in o1 away or gives it
 * back, so that invitations it sent outlive its rights.
 */
type InvitationAction =
  | { type: "setOrgAdmin"; admin: boolean }
  | { type: "invite"; org: string; address: number }
  | { type: "revokeInvitation"; pick: number }
  | { type: "acceptInvitation"; pick: number; user: string };

/** Mostly those who may invite (orgadmin most of all, whose rights come and go), sometimes those who may not. */
const inviter = fc.oneof({ arbitrary: fc.constant("orgadmin" as const), weight: 3 }, { arbitrary: fc.constant("admin" as const), weight: 2 }, { arbitrary: fc.constantFrom("agent" as const, "plain" as const), weight: 1 });
/** Mostly o1, where orgadmin may invite. */
const invitedOrg = fc.oneof({ arbitrary: fc.constant("o1"), weight: 2 }, { arbitrary: org, weight: 1 });
/** Mostly the platform admin, who may change orgadmin's flag. */
const designator = fc.oneof({ arbitrary: fc.constant("admin" as const), weight: 3 }, { arbitrary: fc.constantFrom("orgadmin" as const, "agent" as const, "plain" as const), weight: 1 });

const invitationStep: fc.Arbitrary<Step> = fc.oneof(
  { arbitrary: fc.record({ actor: inviter, action: fc.record({ type: fc.constant("invite" as const), org: invitedOrg, address: fc.integer({ min: 0, max: 2 }) }) }), weight: 3 },
  { arbitrary: fc.record({ actor: inviter, action: fc.record({ type: fc.constant("revokeInvitation" as const), pick: fc.nat(20) }) }), weight: 1 },
  { arbitrary: fc.record({ actor: designator, action: fc.record({ type: fc.constant("setOrgAdmin" as const), admin: fc.boolean() }) }), weight: 2 },
  // Accepting takes no actor: the step's is never used.
  { arbitrary: fc.record({ actor: fc.constant("plain" as const), action: fc.record({ type: fc.constant("acceptInvitation" as const), pick: fc.nat(20), user }) }), weight: 4 },
);

/** The tokens `invite` was given, per storage (the system under test hands each out once). */
const invitationTokens = new WeakMap<Storage, Map<string, string>>();

/** The invitation `pick` chooses: mostly (pick < 15) among the pending ones when there are any, else among all. */
async function pickInvitation(storage: Storage, pick: number) {
  const all = await storage.invitations!.scan({ after: null, limit: 1000 });
  const pending = all.filter((i) => i.status === "pending");
  const among = pick < 15 && pending.length > 0 ? pending : all;
  return among.length === 0 ? null : among[pick % among.length]!;
}

/**
 * Whether `actor` may manage the users of `orgId` now: platform admins, or orgadmin where
 * it holds the admin flag in an active organization — o1, or the survivor o1 was merged
 * into (its admin flag moved along).
 */
async function managesUsersOf(storage: Storage, actor: ActorName, orgId: string): Promise<boolean> {
  if (actor === "admin") return true;
  if (actor !== "orgadmin") return false;
  const mine = await storage.memberships.get("orgadmin", orgId);
  return mine?.admin === true && (await storage.organizations.get(orgId))?.status === "active";
}

async function invitationAllowed(storage: Storage, actor: ActorName, a: InvitationAction): Promise<boolean> {
  switch (a.type) {
    case "setOrgAdmin":
      return actor === "admin"; // designating admins is platform work
    case "invite":
      return managesUsersOf(storage, actor, a.org);
    case "revokeInvitation": {
      const invitation = await pickInvitation(storage, a.pick);
      // An unknown id: NOT_FOUND for a platform admin, refused for anyone else.
      return invitation === null ? actor === "admin" : managesUsersOf(storage, actor, invitation.organizationId);
    }
    case "acceptInvitation": {
      const invitation = await pickInvitation(storage, a.pick);
      if (invitation === null || invitation.status !== "pending") return true; // a code of its own, never FORBIDDEN
      if ((await storage.organizations.get(invitation.organizationId))!.status !== "active") return true; // ORGANIZATION_DISCONTINUED
      const sender = invitation.invitedBy.id as ActorName;
      return managesUsersOf(storage, sender, invitation.organizationId);
    }
  }
}

async function performInvitation(kit: OrgKit, storage: Storage, who: ReturnType<typeof as> | typeof admin, a: InvitationAction): Promise<void> {
  switch (a.type) {
    case "setOrgAdmin":
      return void (await kit.memberships.setAdmin(who, "orgadmin", "o1", a.admin));
    case "invite": {
      const { invitation, token } = await kit.invitations.create(who, { organizationId: a.org, email: `guest${a.address}@invited.example` });
      let tokens = invitationTokens.get(storage);
      if (!tokens) invitationTokens.set(storage, (tokens = new Map()));
      tokens.set(invitation.id, token);
      return;
    }
    case "revokeInvitation":
      return void (await kit.invitations.revoke(who, (await pickInvitation(storage, a.pick))?.id ?? "inv_none"));
    case "acceptInvitation": {
      const invitation = await pickInvitation(storage, a.pick);
      const token = (invitation && invitationTokens.get(storage)?.get(invitation.id)) ?? `orgkit_inv_${"x".repeat(43)}`;
      return void (await kit.invitations.accept(token, a.user));
    }
  }
}

/** A platform admin changed orgadmin's admin flag: a kept (dormant) membership is kept with the new flag. */
async function applySetOrgAdmin(model: Model, storage: Storage): Promise<void> {
  const kept = model.kept.get("o1");
  if (kept?.has("orgadmin")) kept.set("orgadmin", keptOf((await storage.memberships.get("orgadmin", "o1"))!));
}

/**
 * After an acceptance into `organizationId`: under `"single"` the user moved, so its other
 * memberships (dormant ones too) ended by its own consent; the verified address re-linked it.
 */
async function applyAcceptance(model: Model, storage: Storage, a: Extract<InvitationAction, { type: "acceptInvitation" }>, organizationId: string | null): Promise<void> {
  expect((await storage.memberships.get(a.user, organizationId!))?.source.type, "an accepted invitation leaves an invited membership").toBe("invitation");
  if (model.policy === "single") for (const [orgId, kept] of model.kept) if (orgId !== organizationId) kept.delete(a.user);
  await afterRelink(model, storage, a.user);
}

// Sequences weighted towards invitations (half their steps), so that acceptances meet
// moves, discontinued organizations, revoked rights and re-links often.
describe.each(["single", "multiple"] as const)("random use-case sequences with many invitations (%s policy)", (policy) => {
  it("keep the invariants and never let an actor exceed its rights", async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands([invitationStep.map(commandOf), invitationStep.map(commandOf), step.map(commandOf), lifecycleStep.map(commandOf)], { maxCommands: 30, size: "max" }), async (commands) => {
        const real = await world(policy);
        await fc.asyncModelRun(() => ({ model: emptyModel(policy), real }), commands);
      }),
      { numRuns: 40 },
    );
  });
});
