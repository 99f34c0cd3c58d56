/**
 * Issue 11, "one decision path": every use case of the facade is authorized exactly as
 * the evaluator decides the equivalent permission request(s). This file is the table of
 * those equivalences, shared by the adversarial matrix (`adversarial-matrix.test.ts`) and
 * the differential property (`decision-differential.property.test.ts`), plus the runner
 * that plays one cell — one use case, by one actor, on one target — and classifies it.
 *
 * Each use case states:
 * - `requests`: the equivalent evaluator request(s), as a person reads them;
 * - `allowed(policy, cell, facts)`: the same, asked of `policy.check` on the policy taken
 *   before the call (`await kit.policy()`); nothing else decides;
 * - `precondition`: what the world state refuses even when authorized (a discontinued
 *   organization, a missing membership…), with the error code or a no-op; such cells are
 *   "domain refusals", not wrong denials;
 * - `refusals`: the codes an unauthorized write may carry (`FORBIDDEN`; `PARENT_NOT_FOUND`
 *   where the facade hides an organization the actor may not read);
 * - for reads, what the actor must get (`expect`) and how the answer is compared
 *   (`observe`): both become lists of tokens, so "more than the evaluator allows" (a
 *   leak: wrong allow) and "less" (wrong denial) are told apart;
 * - `undo`: the system actor's compensation, so a world can be reused cell after cell.
 */
import {
  SYSTEM_ACTOR,
  isOrgKitError,
  type Membership,
  type MemberRuleRecord,
  type OrgKit,
  type OrgKitErrorCode,
  type Organization,
  type OrganizationTreeNode,
  type ResourceOwnership,
  type StaffProfileRecord,
  type User,
  type UsergroupRecord,
} from "../../src/index.js";
import { CHECK_NAMES, type PermissionRequest, type Policy } from "../../src/permissions/index.js";
import type { Storage } from "../../src/storage/index.js";

const system = SYSTEM_ACTOR;
const as = (id: string) => ({ type: "user", id }) as const;

// ---------------------------------------------------------------------------------------
// Facts: the world as stored, read through the ports (the same read as the "nothing
// written" dump, so one read serves both).

/** Everything stored, as data, plus the dump string it was read as. */
export interface Facts {
  readonly dump: string;
  readonly organizations: ReadonlyMap<string, Organization>;
  readonly users: ReadonlyMap<string, User>;
  readonly memberships: readonly Membership[];
  readonly rules: readonly MemberRuleRecord[];
  readonly resources: readonly ResourceOwnership[];
  readonly usergroups: readonly UsergroupRecord[];
  readonly profiles: readonly StaffProfileRecord[];
}

/**
 * Reads the whole store through its ports: what `dumpThroughPorts` reads, except that the
 * audit trail is represented by its last sequence. Events are append-only, so any event
 * written changes it; and `dumpThroughPorts` lists only the first 1000 events, which a
 * long run passes (reading them was also most of the dump's cost on PGlite).
 */
export async function readFacts(storage: Storage): Promise<Facts> {
  const page = { after: null, limit: 1000 };
  const organizations = await storage.organizations.scan(page);
  const users = await storage.users.scan(page);
  const memberships = await storage.memberships.scan(page);
  const rules = await storage.rules.scan(page);
  const resources = await storage.resources.scan(page);
  const usergroups = await storage.usergroups.list();
  const profiles = await storage.profiles.list();
  const lastSequence = await storage.events.lastSequence();
  const dump = JSON.stringify([organizations, users, memberships, rules, resources, usergroups, profiles, lastSequence]);
  return {
    dump,
    organizations: new Map(organizations.map((o) => [o.id, o])),
    users: new Map(users.map((u) => [u.id, u])),
    memberships,
    rules,
    resources,
    usergroups,
    profiles,
  };
}

const membershipOf = (f: Facts, userId: string, organizationId: string) =>
  f.memberships.find((m) => m.userId === userId && m.organizationId === organizationId) ?? null;

/** `organizationId` and its descendants, from the stored parent links. */
function subtree(f: Facts, organizationId: string): Set<string> {
  const out = new Set([organizationId]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const o of f.organizations.values()) {
      if (o.parentId !== null && out.has(o.parentId) && !out.has(o.id)) {
        out.add(o.id);
        grew = true;
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// The evaluator requests, always through `policy.check` (a request as data).

const HAS_PLATFORM_CHECKS = (CHECK_NAMES as readonly string[]).includes("canAdministerPlatform");

/** Requests, each asked of `policy.check`. */
export const ask = {
  read: (p: Policy, actor: string, organization: string) => p.check({ check: "canOnOrganization", subject: actor, action: "read", organization }),
  edit: (p: Policy, actor: string, organization: string) => p.check({ check: "canOnOrganization", subject: actor, action: "edit", organization }),
  delete: (p: Policy, actor: string, organization: string) => p.check({ check: "canOnOrganization", subject: actor, action: "delete", organization }),
  add: (p: Policy, actor: string) => p.check({ check: "canAddOrganization", subject: actor }),
  manage: (p: Policy, actor: string, targetUserId: string | null, organizationId: string) =>
    p.check({ check: "canManageUser", subject: actor, targetUserId, organizationId }),
  role: (p: Policy, actor: string, organizationId: string, role: string) => p.check({ check: "canAssignRole", subject: actor, organizationId, role }),
  resource: (p: Policy, actor: string, resource: { kind: string; id: string }) =>
    p.check({ check: "canAccessResource", subject: actor, resource: { kind: resource.kind, id: resource.id } }),
  /** `canAdministerPlatform` (platform admins); before that check existed, the platform-role grant of `explain`. */
  platform: (p: Policy, actor: string) =>
    HAS_PLATFORM_CHECKS
      ? p.check({ check: "canAdministerPlatform", subject: actor } as unknown as PermissionRequest)
      : p.explain({ check: "canAddOrganization", subject: actor }).grants.some((g) => g.type === "platform-role"),
  /** `canGrantPlatformRoles` (super admins). */
  grantRoles: (p: Policy, actor: string) =>
    HAS_PLATFORM_CHECKS
      ? p.check({ check: "canGrantPlatformRoles", subject: actor } as unknown as PermissionRequest)
      : p.explain({ check: "canAddOrganization", subject: actor }).grants.some((g) => g.type === "platform-role" && g.role === "super_admin"),
  /** Administers the organization (its audit trail, its rules): platform admin, or may manage its users, or may edit it. */
  administers: (p: Policy, actor: string, organization: string) =>
    ask.platform(p, actor) || ask.manage(p, actor, null, organization) || ask.edit(p, actor, organization),
  /**
   * `action` on `organization` as it would be after the change (a new child, new states…),
   * asked of the policy with that change applied.
   */
  after: (p: Policy, actor: string, action: "read" | "edit", organization: { id: string; parentId: string | null; states: readonly string[]; status?: "active" | "discontinued" }) =>
    (organization.parentId === null || p.organization(organization.parentId).known) &&
    p.withChanges([{ type: "organization.set", organization: { status: "active", ...organization } }]).check({
      check: "canOnOrganization",
      subject: actor,
      action,
      organization: organization.id,
    }),
  readAfter: (p: Policy, actor: string, organization: { id: string; parentId: string | null; states: readonly string[] }) => ask.after(p, actor, "read", organization),
};

// ---------------------------------------------------------------------------------------
// The cell: one use case, by one actor, about one target.

/** The arguments of one call. */
export interface Cell {
  /** The acting user's id (may be unknown to the store). */
  readonly actor: string;
  /** The target organization. */
  readonly org: string;
  /** The user the use case manages or reads (the matrix: a plain member of `org`). */
  readonly user: string;
  /** A user to add to `org` (the matrix: a user with no membership). */
  readonly outsider: string;
  /** A member rule (the matrix: one of `org`'s). */
  readonly rule: string | null;
  /** A resource (the matrix: one `org` owns). */
  readonly resource: { readonly kind: string; readonly id: string } | null;
  /** `setParent(org → anchor)`. */
  readonly anchor: string;
  /** `setParent(mover → org)`. */
  readonly mover: string;
  /** An existing usergroup. */
  readonly usergroup: string;
  /** A usergroup to delete. */
  readonly spareUsergroup: string;
  /** A staff profile to update, delete or hand out. */
  readonly spareProfile: string;
  /** A domain some organization's rule claims: `rules.add[address inside a claimed domain]` claims an address in it. */
  readonly claimedDomain: string;
  /** A unique token for what the call creates (ids, names, domains). */
  readonly fresh: string;
}

/** What the world does to an authorized call: refuse with one of `codes`, or do nothing (`noop`). */
export type DomainOutcome = { readonly codes: readonly OrgKitErrorCode[] } | "noop";

interface Context {
  readonly kit: OrgKit;
  readonly cell: Cell;
  readonly facts: Facts;
  readonly policy: Policy;
}

interface BaseUseCase {
  /** The facade method and the variant (`organizations.setParent[mover → org]`). */
  readonly name: string;
  /** The equivalent evaluator request(s), for people. */
  readonly requests: string;
  /** Not about an organization: the matrix runs it once per actor. */
  readonly untargeted?: boolean;
  /** The evaluator's decision, asked of the policy taken before the call. */
  allowed(p: Policy, c: Cell, f: Facts): boolean;
  /** What the world refuses even when authorized. */
  precondition?(f: Facts, c: Cell): DomainOutcome | null;
  /** Calls the facade; `f` are the facts before the call (for what the call must repeat, such as a name). */
  run(kit: OrgKit, c: Cell, f: Facts): Promise<unknown>;
}

/** A use case that writes. */
export interface WriteUseCase extends BaseUseCase {
  readonly kind: "write";
  /** The codes a refusal may carry when the evaluator denies. */
  readonly refusals: readonly OrgKitErrorCode[];
  /** Puts back what the call changed (system actor), given the facts before the call. */
  undo?(kit: OrgKit, c: Cell, before: Facts, result: unknown): Promise<void>;
}

/** A read: answers the data when allowed, else an empty answer (`null`, `[]`, an empty page). */
export interface ReadUseCase extends BaseUseCase {
  readonly kind: "read";
  /** The answer the actor must get, as tokens (each token a piece of data). */
  expect(ctx: Context): Promise<string[]> | string[];
  /** The answer it got, as tokens. */
  observe(result: unknown): string[];
}

/** A read that throws `FORBIDDEN` when denied (previews, explanations, platform listings). */
export interface GuardedReadUseCase extends BaseUseCase {
  readonly kind: "guarded-read";
}

export type UseCase = WriteUseCase | ReadUseCase | GuardedReadUseCase;

/** JSON with sorted keys, so two stores' objects compare by content. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

const one = (value: unknown): string[] => (value === null || value === undefined ? [] : [canonical(value)]);
const many = (values: readonly unknown[]): string[] => values.map(canonical);
/** A count as tokens, so a total larger than allowed reads as a leak and a smaller one as a denial. */
const count = (n: number): string[] => Array.from({ length: n }, (_, i) => `#${i + 1}`);

const discontinued = (f: Facts, id: string) => f.organizations.get(id)?.status === "discontinued";
const whenDiscontinued = (f: Facts, id: string): DomainOutcome | null => (discontinued(f, id) ? { codes: ["ORGANIZATION_DISCONTINUED"] } : null);
const either = (...outcomes: (DomainOutcome | null)[]): DomainOutcome | null => outcomes.find((o) => o !== null) ?? null;

/** Nesting `child` (a new organization when `null`) under `parent`: what the hierarchy refuses. */
function nesting(f: Facts, child: string | null, parent: string): DomainOutcome | null {
  if (!f.organizations.has(parent)) return { codes: ["PARENT_NOT_FOUND"] };
  if (child !== null && subtree(f, child).has(parent)) return { codes: ["HIERARCHY_CYCLE"] };
  return whenDiscontinued(f, parent);
}

/**
 * The new organization a create or import makes under `c.org`: in the target's own state
 * combination, so "the actor may hold it" is a question about a combination that exists.
 */
const newChild = (c: Cell, f: Facts) => ({ id: `new-${c.fresh}`, parentId: c.org, states: f.organizations.get(c.org)?.states ?? [] });

/** The states `organizations.update[states]` moves an organization into. */
const NEW_STATES = ["outreach"] as const;

/**
 * The organizations (other than `org`) whose rules a claim of the address overlaps: an
 * email rule for that very address, or a domain rule for its host (or a parent domain
 * with subdomains).
 */
function overlapped(f: Facts, org: string, address: string): string[] {
  const host = address.slice(address.lastIndexOf("@") + 1);
  const owners = f.rules
    .filter((r) => r.organizationId !== org)
    .filter((r) => (r.kind === "email" ? r.value === address : r.kind === "domain" && (r.value === host || (r.includeSubdomains && host.endsWith(`.${r.value}`)))))
    .map((r) => r.organizationId);
  return [...new Set(owners)];
}
const claimedAddress = (c: Cell) => `c${c.fresh.replace(/[^a-z0-9]/gi, "")}@${c.claimedDomain}`;

/** Upserting an existing user with `organizationId`: a non-member joins (with role `member`), so that is asked too. */
function upsertWithin(p: Policy, c: Cell, f: Facts): boolean {
  return ask.manage(p, c.actor, c.user, c.org) && (membershipOf(f, c.user, c.org) !== null || ask.role(p, c.actor, c.org, "member"));
}
const upsertWithinPrecondition = (f: Facts, c: Cell): DomainOutcome | null =>
  membershipOf(f, c.user, c.org) === null ? whenDiscontinued(f, c.org) : null;

/** Puts a user's fields back as they were (identity, role, profile, registration). */
async function restoreUser(kit: OrgKit, before: User | undefined): Promise<void> {
  if (!before) return;
  await kit.users.upsert(system, {
    id: before.id,
    emails: before.emails.map((value) => ({ value, verified: before.verifiedEmails.includes(value) })),
    registered: before.registered,
    platformRole: before.platformRole,
    profileId: before.profileId,
  });
}

/** Puts an organization's parent back. */
async function restoreParent(kit: OrgKit, before: Facts, id: string): Promise<void> {
  const parentId = before.organizations.get(id)?.parentId ?? null;
  if (parentId === null) await kit.organizations.detach(system, id);
  else await kit.organizations.setParent(system, id, parentId);
}

/** The tree the actor must see: readable children of readable nodes, by name. */
function treeTokens(node: OrganizationTreeNode | null): string[] {
  if (node === null) return [];
  const out = [canonical(node.organization)];
  const walk = (n: OrganizationTreeNode) => {
    for (const child of n.children) {
      out.push(`${n.organization.id} > ${child.organization.id}`);
      walk(child);
    }
  };
  walk(node);
  return out;
}

function expectedTree(p: Policy, actor: string, f: Facts, rootId: string): string[] {
  const root = f.organizations.get(rootId);
  if (!root || !ask.read(p, actor, rootId)) return [];
  const byName = (a: Organization, b: Organization) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()) || (a.id < b.id ? -1 : 1);
  const out = [canonical(root)];
  const walk = (id: string) => {
    const children = [...f.organizations.values()].filter((o) => o.parentId === id).sort(byName);
    for (const child of children) {
      if (!ask.read(p, actor, child.id)) continue;
      out.push(`${id} > ${child.id}`);
      walk(child.id);
    }
  };
  walk(rootId);
  return out;
}

function ancestorsOf(f: Facts, id: string): Organization[] {
  const out: Organization[] = [];
  for (let at = f.organizations.get(id)?.parentId ?? null; at !== null; ) {
    const o = f.organizations.get(at);
    if (!o) break;
    out.push(o);
    at = o.parentId;
  }
  return out;
}

const byUserId = (a: Membership, b: Membership) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0);

// ---------------------------------------------------------------------------------------
// The table.

/** Every use case of the facade that takes an actor, with its equivalent evaluator request(s). */
export const USE_CASES: readonly UseCase[] = [
  // ----- organizations: reads
  {
    name: "organizations.get",
    kind: "read",
    requests: "canOnOrganization(actor, read, org) → the organization, else null",
    allowed: (p, c) => ask.read(p, c.actor, c.org),
    run: (kit, c) => kit.organizations.get(as(c.actor), c.org),
    expect: ({ policy, cell, facts }) => (ask.read(policy, cell.actor, cell.org) ? one(facts.organizations.get(cell.org)) : []),
    observe: one,
  },
  {
    name: "organizations.getByExternalId",
    kind: "read",
    requests: "canOnOrganization(actor, read, org) → the organization, else null",
    allowed: (p, c) => ask.read(p, c.actor, c.org),
    run: (kit, c) => kit.organizations.getByExternalId(as(c.actor), `xo-${c.org}`),
    expect: ({ policy, cell, facts }) => (ask.read(policy, cell.actor, cell.org) ? one(facts.organizations.get(cell.org)) : []),
    observe: one,
  },
  {
    name: "organizations.tree",
    kind: "read",
    requests: "canOnOrganization(actor, read, org) → the subtree of readable organizations reachable through readable ones, else null",
    allowed: (p, c) => ask.read(p, c.actor, c.org),
    run: (kit, c) => kit.organizations.tree(as(c.actor), c.org),
    expect: ({ policy, cell, facts }) => expectedTree(policy, cell.actor, facts, cell.org),
    observe: (r) => treeTokens(r as OrganizationTreeNode | null),
  },
  {
    name: "organizations.ancestors",
    kind: "read",
    requests: "canOnOrganization(actor, read, org) → each ancestor a with canOnOrganization(actor, read, a), nearest first; else []",
    allowed: (p, c) => ask.read(p, c.actor, c.org),
    run: (kit, c) => kit.organizations.ancestors(as(c.actor), c.org),
    expect: ({ policy, cell, facts }) =>
      ask.read(policy, cell.actor, cell.org) ? many(ancestorsOf(facts, cell.org).filter((a) => ask.read(policy, cell.actor, a.id))) : [],
    observe: (r) => many(r as Organization[]),
  },
  {
    name: "organizations.search[text = org's external id]",
    kind: "read",
    requests: "canOnOrganization(actor, read, org) → a page of [org], total 1; else an empty page, total 0",
    allowed: (p, c) => ask.read(p, c.actor, c.org),
    run: (kit, c) => kit.organizations.search(as(c.actor), { text: `xo-${c.org}`, limit: 1000 }),
    expect: ({ policy, cell, facts }) => {
      const hits = [...facts.organizations.values()].filter((o) => o.externalId === `xo-${cell.org}` && ask.read(policy, cell.actor, o.id));
      return [...hits.map((o) => o.id), ...count(hits.length)];
    },
    observe: (r) => {
      const page = r as { items: Organization[]; total: number };
      return [...page.items.map((o) => o.id), ...count(page.total)];
    },
  },
  {
    name: "organizations.search[all]",
    kind: "read",
    untargeted: true,
    requests: "every organization o with canOnOrganization(actor, read, o); total counts them",
    allowed: () => true,
    run: (kit, c) => kit.organizations.search(as(c.actor), { limit: 1000 }),
    expect: ({ policy, cell, facts }) => {
      const hits = [...facts.organizations.values()].filter((o) => ask.read(policy, cell.actor, o.id));
      return [...hits.map((o) => o.id).sort(), ...count(hits.length)];
    },
    // The order is the search's sort (by name), not a question of rights: compared as a set.
    observe: (r) => {
      const page = r as { items: Organization[]; total: number };
      return [...page.items.map((o) => o.id).sort(), ...count(page.total)];
    },
  },

  // ----- organizations: writes
  {
    name: "organizations.create[child of org]",
    kind: "write",
    requests: "canAddOrganization(actor) ∧ canOnOrganization(actor, read, org) ∧ canOnOrganization(actor, read, <the new child, in org's states>)",
    refusals: ["FORBIDDEN", "PARENT_NOT_FOUND"],
    allowed: (p, c, f) => ask.add(p, c.actor) && ask.read(p, c.actor, c.org) && ask.readAfter(p, c.actor, newChild(c, f)),
    precondition: (f, c) => nesting(f, null, c.org),
    run: (kit, c, f) => kit.organizations.create(as(c.actor), { id: `new-${c.fresh}`, name: `New ${c.fresh}`, parentId: c.org, states: [...newChild(c, f).states] }),
  },
  {
    name: "organizations.create[child of org, linked to a usergroup]",
    kind: "write",
    requests: "organizations.create[child of org] ∧ canAdministerPlatform(actor)",
    refusals: ["FORBIDDEN", "PARENT_NOT_FOUND"],
    allowed: (p, c, f) => ask.add(p, c.actor) && ask.read(p, c.actor, c.org) && ask.readAfter(p, c.actor, newChild(c, f)) && ask.platform(p, c.actor),
    precondition: (f, c) => either(nesting(f, null, c.org), f.usergroups.some((g) => g.id === c.usergroup) ? null : { codes: ["NOT_FOUND"] }),
    run: (kit, c, f) =>
      kit.organizations.create(as(c.actor), { id: `new-${c.fresh}`, name: `New ${c.fresh}`, parentId: c.org, states: [...newChild(c, f).states], usergroupIds: [c.usergroup] }),
  },
  {
    name: "organizations.update",
    kind: "write",
    requests: "canOnOrganization(actor, edit, org)",
    refusals: ["FORBIDDEN"],
    allowed: (p, c) => ask.edit(p, c.actor, c.org),
    run: (kit, c) => kit.organizations.update(as(c.actor), c.org, { description: `described ${c.fresh}` }),
  },
  {
    name: "organizations.update[states]",
    kind: "write",
    requests: "canOnOrganization(actor, edit, org) ∧ canOnOrganization(actor, edit, <org in the new states>)",
    refusals: ["FORBIDDEN"],
    allowed: (p, c, f) => {
      const o = f.organizations.get(c.org);
      return ask.edit(p, c.actor, c.org) && o !== undefined && ask.after(p, c.actor, "edit", { id: o.id, parentId: o.parentId, states: NEW_STATES, status: o.status });
    },
    run: (kit, c) => kit.organizations.update(as(c.actor), c.org, { states: [...NEW_STATES] }),
    undo: async (kit, c, before) => void (await kit.organizations.update(system, c.org, { states: [...before.organizations.get(c.org)!.states] })),
  },
  {
    name: "organizations.update[allowedRoles]",
    kind: "write",
    requests: "canOnOrganization(actor, edit, org) ∧ canAdministerPlatform(actor)",
    refusals: ["FORBIDDEN"],
    allowed: (p, c) => ask.edit(p, c.actor, c.org) && ask.platform(p, c.actor),
    run: (kit, c, f) => kit.organizations.update(as(c.actor), c.org, { allowedRoles: [...(f.organizations.get(c.org)?.allowedRoles ?? []), `role-${c.fresh}`] }),
    undo: async (kit, c, before) => void (await kit.organizations.update(system, c.org, { allowedRoles: [...before.organizations.get(c.org)!.allowedRoles] })),
  },
  {
    name: "organizations.rename",
    kind: "write",
    requests: "canOnOrganization(actor, edit, org)",
    refusals: ["FORBIDDEN"],
    allowed: (p, c) => ask.edit(p, c.actor, c.org),
    run: (kit, c) => kit.organizations.rename(as(c.actor), c.org, `Renamed ${c.fresh}`),
    undo: async (kit, c, before) => void (await kit.organizations.rename(system, c.org, before.organizations.get(c.org)!.name)),
  },
  {
    name: "organizations.setParent[org → anchor]",
    kind: "write",
    requests: "canOnOrganization(actor, edit, org) ∧ canOnOrganization(actor, read, anchor)",
    refusals: ["FORBIDDEN", "PARENT_NOT_FOUND"],
    allowed: (p, c) => ask.edit(p, c.actor, c.org) && ask.read(p, c.actor, c.anchor),
    precondition: (f, c) => nesting(f, c.org, c.anchor),
    run: (kit, c) => kit.organizations.setParent(as(c.actor), c.org, c.anchor),
    undo: (kit, c, before) => restoreParent(kit, before, c.org),
  },
  {
    name: "organizations.setParent[mover → org]",
    kind: "write",
    requests: "canOnOrganization(actor, edit, mover) ∧ canOnOrganization(actor, read, org)",
    refusals: ["FORBIDDEN", "PARENT_NOT_FOUND"],
    allowed: (p, c) => ask.edit(p, c.actor, c.mover) && ask.read(p, c.actor, c.org),
    precondition: (f, c) => nesting(f, c.mover, c.org),
    run: (kit, c) => kit.organizations.setParent(as(c.actor), c.mover, c.org),
    undo: (kit, c, before) => restoreParent(kit, before, c.mover),
  },
  {
    name: "organizations.detach",
    kind: "write",
    requests: "canOnOrganization(actor, edit, org)",
    refusals: ["FORBIDDEN"],
    allowed: (p, c) => ask.edit(p, c.actor, c.org),
    run: (kit, c) => kit.organizations.detach(as(c.actor), c.org),
    undo: (kit, c, before) => restoreParent(kit, before, c.org),
  },
  {
    name: "organizations.discontinue",
    kind: "write",
    requests: "canOnOrganization(actor, delete, org)",
    refusals: ["FORBIDDEN"],
    allowed: (p, c) => ask.delete(p, c.actor, c.org),
    precondition: (f, c) => whenDiscontinued(f, c.org),
    run: (kit, c) => kit.organizations.discontinue(as(c.actor), c.org),
    undo: async (kit, c) => void (await kit.organizations.reactivate(system, c.org)),
  },
  {
    name: "organizations.reactivate",
    kind: "write",
    requests: "canOnOrganization(actor, delete, org)",
    refusals: ["FORBIDDEN"],
    allowed: (p, c) => ask.delete(p, c.actor, c.org),
    precondition: (f, c) => {
      const o = f.organizations.get(c.org);
      if (o?.status !== "discontinued") return { codes: ["CONFLICT"] };
      const clash = [...f.organizations.values()].some((x) => x.id !== o.id && x.status === "active" && x.name.toLowerCase() === o.name.toLowerCase());
      return clash ? { codes: ["CONFLICT"] } : null;
    },
    run: (kit, c) => kit.organizations.reactivate(as(c.actor), c.org),
    undo: async (kit, c) => void (await kit.organizations.discontinue(system, c.org)),
  },
  {
    name: "organizations.import[update org]",
    kind: "write",
    requests: "canOnOrganization(actor, read, org) ∧ canOnOrganization(actor, edit, org)",
    refusals: ["FORBIDDEN"],
    allowed: (p, c) => ask.read(p, c.actor, c.org) && ask.edit(p, c.actor, c.org),
    run: (kit, c, f) => kit.organizations.import(as(c.actor), [{ externalId: `xo-${c.org}`, name: f.organizations.get(c.org)?.name ?? c.org, description: `imported ${c.fresh}` }]),
  },
  {
    name: "organizations.import[new child of org]",
    kind: "write",
    requests: "as organizations.create[child of org]",
    refusals: ["FORBIDDEN", "PARENT_NOT_FOUND"],
    allowed: (p, c, f) => ask.add(p, c.actor) && ask.read(p, c.actor, c.org) && ask.readAfter(p, c.actor, { ...newChild(c, f), id: `imported-${c.fresh}` }),
    precondition: (f, c) => nesting(f, null, c.org),
    run: (kit, c, f) =>
      kit.organizations.import(as(c.actor), [
        { externalId: `imp-${c.fresh}`, name: `Imported ${c.fresh}`, parentExternalId: `xo-${c.org}`, states: [...newChild(c, f).states] },
      ]),
  },

  // ----- organizations: merging duplicates (the merge itself cannot be undone: its rights are the preview's, tested in merge.test.ts)
  {
    name: "organizations.previewMerge[org into anchor]",
    kind: "guarded-read",
    requests: "canAdministerPlatform(actor) (FORBIDDEN when denied)",
    allowed: (p, c) => ask.platform(p, c.actor),
    precondition: (f, c) => {
      const [duplicate, survivor] = [f.organizations.get(c.org), f.organizations.get(c.anchor)];
      if (c.org === c.anchor) return { codes: ["VALIDATION_FAILED"] };
      if (!duplicate || !survivor) return { codes: ["NOT_FOUND"] };
      if (duplicate.mergedInto !== undefined) return { codes: ["CONFLICT"] };
      if (survivor.status === "discontinued") return { codes: ["ORGANIZATION_DISCONTINUED"] };
      if (subtree(f, c.org).has(c.anchor)) return { codes: ["HIERARCHY_CYCLE"] };
      const clash = f.rules.some(
        (d) => d.organizationId === c.org && f.rules.some((s) => s.organizationId === c.anchor && s.kind === d.kind && s.value === d.value && s.includeSubdomains !== d.includeSubdomains),
      );
      return clash ? { codes: ["RULE_CONFLICT"] } : null;
    },
    run: (kit, c) => kit.organizations.previewMerge(as(c.actor), c.org, c.anchor),
  },

  // ----- users
  {
    name: "users.upsert[new user joins org]",
    kind: "write",
    requests: "canManageUser(actor, null, org) ∧ canAssignRole(actor, org, member)",
    refusals: ["FORBIDDEN"],
    allowed: (p, c) => ask.manage(p, c.actor, null, c.org) && ask.role(p, c.actor, c.org, "member"),
    precondition: (f, c) => whenDiscontinued(f, c.org),
    run: (kit, c) => kit.users.upsert(as(c.actor), { id: `nu-${c.fresh}` }, { organizationId: c.org }),
  },
  {
    name: "users.upsert[new user joins org as manager]",
    kind: "write",
    requests: "canManageUser(actor, null, org) ∧ canAssignRole(actor, org, manager)",
    refusals: ["FORBIDDEN"],
    allowed: (p, c) => ask.manage(p, c.actor, null, c.org) && ask.role(p, c.actor, c.org, "manager"),
    precondition: (f, c) => whenDiscontinued(f, c.org),
    run: (kit, c) => kit.users.upsert(as(c.actor), { id: `nm-${c.fresh}` }, { organizationId: c.org, role: "manager" }),
  },
  {
    name: "users.upsert[new user, no organization]",
    kind: "write",
    untargeted: true,
    requests: "canAdministerPlatform(actor)",
    refusals: ["FORBIDDEN"],
    allowed: (p, c) => ask.platform(p, c.actor),
    run: (kit, c) => kit.users.upsert(as(c.actor), { id: `nn-${c.fresh}` }),
  },
  {
    name: "users.upsert[edit user within org]",
    kind: "write",
    requests: "canManageUser(actor, user, org) (∧ canAssignRole(actor, org, member) when user is not a member yet)",
    refusals: ["FORBIDDEN"],
    allowed: upsertWithin,
    precondition: upsertWithinPrecondition,
    run: async (kit, c) => {
      const registered = (await kit.users.get(system, c.user))?.registered ?? false;
      return kit.users.upsert(as(c.actor), { id: c.user, registered: !registered }, { organizationId: c.org });
    },
    undo: (kit, c, before) => restoreUser(kit, before.users.get(c.user)),
  },
  {
    name: "users.upsert[set profile within org]",
    kind: "write",
    requests: "canAdministerPlatform(actor) (when the profile changes) ∧ users.upsert[edit user within org]",
    refusals: ["FORBIDDEN"],
    allowed: (p, c, f) => (f.users.get(c.user)?.profileId === c.spareProfile || ask.platform(p, c.actor)) && upsertWithin(p, c, f),
    precondition: (f, c) => either(upsertWithinPrecondition(f, c), f.profiles.some((x) => x.id === c.spareProfile) ? null : { codes: ["NOT_FOUND"] }),
    run: (kit, c) => kit.users.upsert(as(c.actor), { id: c.user, profileId: c.spareProfile }, { organizationId: c.org }),
    undo: (kit, c, before) => restoreUser(kit, before.users.get(c.user)),
  },
  {
    name: "users.upsert[grant platform role within org]",
    kind: "write",
    requests: "canGrantPlatformRoles(actor) (when the role changes) ∧ users.upsert[edit user within org]",
    refusals: ["FORBIDDEN"],
    allowed: (p, c, f) => (f.users.get(c.user)?.platformRole === "admin" || ask.grantRoles(p, c.actor)) && upsertWithin(p, c, f),
    precondition: upsertWithinPrecondition,
    run: (kit, c) => kit.users.upsert(as(c.actor), { id: c.user, platformRole: "admin" }, { organizationId: c.org }),
    undo: (kit, c, before) => restoreUser(kit, before.users.get(c.user)),
  },
  {
    name: "users.upsert[verified email within org]",
    kind: "write",
    requests: "canAdministerPlatform(actor) ∧ users.upsert[edit user within org]",
    refusals: ["FORBIDDEN"],
    allowed: (p, c, f) => ask.platform(p, c.actor) && upsertWithin(p, c, f),
    precondition: upsertWithinPrecondition,
    run: (kit, c) => kit.users.upsert(as(c.actor), { id: c.user, emails: [{ value: `${c.user}@v${c.fresh}.example`, verified: true }] }, { organizationId: c.org }),
    undo: (kit, c, before) => restoreUser(kit, before.users.get(c.user)),
  },
  {
    name: "users.get",
    kind: "read",
    requests: "actor = user ∨ canAdministerPlatform(actor) ∨ ∃ membership of user in o: canManageUser(actor, null, o) → the user, else null",
    allowed: (p, c, f) => mayReadUser(p, c.actor, c.user, f),
    run: (kit, c) => kit.users.get(as(c.actor), c.user),
    expect: ({ policy, cell, facts }) => (mayReadUser(policy, cell.actor, cell.user, facts) ? one(facts.users.get(cell.user)) : []),
    observe: one,
  },

  // ----- users: list, export, remove, erase (erasure's own cases never erase the world's users)
  {
    name: "users.list[organization]",
    kind: "read",
    requests: "canManageUser(actor, null, org) → its members' user records, by id; else an empty page",
    allowed: (p, c) => ask.manage(p, c.actor, null, c.org),
    run: (kit, c) => kit.users.list(as(c.actor), { organizationId: c.org, limit: 1000 }),
    expect: ({ policy, cell, facts }) =>
      ask.manage(policy, cell.actor, null, cell.org)
        ? many(facts.memberships.filter((m) => m.organizationId === cell.org).sort(byUserId).flatMap((m) => (facts.users.has(m.userId) ? [facts.users.get(m.userId)] : [])))
        : [],
    observe: (r) => many((r as { items: User[] }).items),
  },
  {
    name: "users.list[every user]",
    kind: "guarded-read",
    untargeted: true,
    requests: "canAdministerPlatform(actor) (FORBIDDEN when denied)",
    allowed: (p, c) => ask.platform(p, c.actor),
    run: (kit, c) => kit.users.list(as(c.actor), { limit: 10 }),
  },
  {
    name: "users.export",
    kind: "guarded-read",
    requests: "canAdministerPlatform(actor) (FORBIDDEN when denied; the user itself included)",
    allowed: (p, c) => ask.platform(p, c.actor),
    run: (kit, c) => kit.users.export(as(c.actor), c.user),
  },
  {
    name: "users.remove[member]",
    kind: "write",
    requests: "canAdministerPlatform(actor) (∧ canGrantPlatformRoles(actor) when user has a platform role); a member has history: then CONFLICT",
    refusals: ["FORBIDDEN"],
    allowed: (p, c, f) => ask.platform(p, c.actor) && (!f.users.get(c.user)?.platformRole || ask.grantRoles(p, c.actor)),
    precondition: () => ({ codes: ["CONFLICT"] }),
    run: (kit, c) => kit.users.remove(as(c.actor), c.user),
  },
  {
    name: "users.remove[unknown user]",
    kind: "write",
    untargeted: true,
    requests: "canAdministerPlatform(actor); then nothing to remove",
    refusals: ["FORBIDDEN"],
    allowed: (p, c) => ask.platform(p, c.actor),
    precondition: () => "noop",
    run: (kit, c) => kit.users.remove(as(c.actor), `ghost-${c.fresh}`),
  },
  {
    name: "users.erase[unknown user]",
    kind: "write",
    untargeted: true,
    requests: "canAdministerPlatform(actor); then NOT_FOUND (a refusal never tells whether the id exists)",
    refusals: ["FORBIDDEN"],
    allowed: (p, c) => ask.platform(p, c.actor),
    precondition: () => ({ codes: ["NOT_FOUND"] }),
    run: (kit, c) => kit.users.erase(as(c.actor), `ghost-${c.fresh}`),
  },

  // ----- memberships
  {
    name: "memberships.add[outsider]",
    kind: "write",
    requests: "canManageUser(actor, outsider, org) ∧ canAssignRole(actor, org, member)",
    refusals: ["FORBIDDEN"],
    allowed: (p, c) => ask.manage(p, c.actor, c.outsider, c.org) && ask.role(p, c.actor, c.org, "member"),
    precondition: (f, c) => either(whenDiscontinued(f, c.org), membershipOf(f, c.outsider, c.org) ? { codes: ["CONFLICT"] } : null),
    run: (kit, c) => kit.memberships.add(as(c.actor), { userId: c.outsider, organizationId: c.org }),
    undo: async (kit, c) => void (await kit.memberships.remove(system, c.outsider, c.org)),
  },
  {
    name: "memberships.add[outsider as org admin]",
    kind: "write",
    requests: "canAdministerPlatform(actor) ∧ canManageUser(actor, outsider, org) ∧ canAssignRole(actor, org, member)",
    refusals: ["FORBIDDEN"],
    allowed: (p, c) => ask.platform(p, c.actor) && ask.manage(p, c.actor, c.outsider, c.org) && ask.role(p, c.actor, c.org, "member"),
    precondition: (f, c) => either(whenDiscontinued(f, c.org), membershipOf(f, c.outsider, c.org) ? { codes: ["CONFLICT"] } : null),
    run: (kit, c) => kit.memberships.add(as(c.actor), { userId: c.outsider, organizationId: c.org, admin: true }),
    undo: async (kit, c) => void (await kit.memberships.remove(system, c.outsider, c.org)),
  },
  {
    name: "memberships.remove",
    kind: "write",
    requests: "canManageUser(actor, user, org)",
    refusals: ["FORBIDDEN"],
    allowed: (p, c) => ask.manage(p, c.actor, c.user, c.org),
    precondition: (f, c) => (membershipOf(f, c.user, c.org) ? null : "noop"),
    run: (kit, c) => kit.memberships.remove(as(c.actor), c.user, c.org),
    undo: async (kit, c, before) => {
      const m = membershipOf(before, c.user, c.org);
      if (!m) return;
      // Back as it was: the system actor may add to a discontinued organization only by reactivating it.
      const wasDiscontinued = discontinued(before, c.org);
      if (wasDiscontinued) await kit.organizations.reactivate(system, c.org);
      await kit.memberships.add(system, { userId: m.userId, organizationId: m.organizationId, role: m.role, admin: m.admin });
      if (wasDiscontinued) await kit.organizations.discontinue(system, c.org);
    },
  },
  {
    name: "memberships.setRole[technician]",
    kind: "write",
    requests: "canManageUser(actor, user, org) ∧ canAssignRole(actor, org, technician)",
    refusals: ["FORBIDDEN"],
    allowed: (p, c) => ask.manage(p, c.actor, c.user, c.org) && ask.role(p, c.actor, c.org, "technician"),
    precondition: (f, c) => (membershipOf(f, c.user, c.org) ? null : { codes: ["NOT_FOUND"] }),
    run: (kit, c) => kit.memberships.setRole(as(c.actor), c.user, c.org, "technician"),
    undo: async (kit, c, before) => void (await kit.memberships.setRole(system, c.user, c.org, membershipOf(before, c.user, c.org)!.role)),
  },
  {
    name: "memberships.setRole[manager]",
    kind: "write",
    requests: "canManageUser(actor, user, org) ∧ canAssignRole(actor, org, manager)",
    refusals: ["FORBIDDEN"],
    allowed: (p, c) => ask.manage(p, c.actor, c.user, c.org) && ask.role(p, c.actor, c.org, "manager"),
    precondition: (f, c) => (membershipOf(f, c.user, c.org) ? null : { codes: ["NOT_FOUND"] }),
    run: (kit, c) => kit.memberships.setRole(as(c.actor), c.user, c.org, "manager"),
    undo: async (kit, c, before) => void (await kit.memberships.setRole(system, c.user, c.org, membershipOf(before, c.user, c.org)!.role)),
  },
  {
    name: "memberships.setAdmin[true]",
    kind: "write",
    requests: "canAdministerPlatform(actor) ∧ canManageUser(actor, user, org)",
    refusals: ["FORBIDDEN"],
    allowed: (p, c) => ask.platform(p, c.actor) && ask.manage(p, c.actor, c.user, c.org),
    precondition: (f, c) => (membershipOf(f, c.user, c.org) ? null : { codes: ["NOT_FOUND"] }),
    run: (kit, c) => kit.memberships.setAdmin(as(c.actor), c.user, c.org, true),
    undo: async (kit, c, before) => void (await kit.memberships.setAdmin(system, c.user, c.org, membershipOf(before, c.user, c.org)!.admin)),
  },
  {
    name: "memberships.get",
    kind: "read",
    requests: "actor = user ∨ canOnOrganization(actor, read, org) ∨ canManageUser(actor, null, org) → the membership (or null), else null",
    allowed: (p, c) => mayViewMembership(p, c),
    run: (kit, c) => kit.memberships.get(as(c.actor), c.user, c.org),
    expect: ({ policy, cell, facts }) => (mayViewMembership(policy, cell) ? one(membershipOf(facts, cell.user, cell.org)) : []),
    observe: one,
  },
  {
    name: "memberships.listByOrganization",
    kind: "read",
    requests: "canOnOrganization(actor, read, org) → its memberships, else []",
    allowed: (p, c) => ask.read(p, c.actor, c.org),
    run: (kit, c) => kit.memberships.listByOrganization(as(c.actor), c.org, { limit: 1000 }),
    expect: ({ policy, cell, facts }) =>
      ask.read(policy, cell.actor, cell.org) ? many(facts.memberships.filter((m) => m.organizationId === cell.org).sort(byUserId)) : [],
    observe: (r) => many(r as Membership[]),
  },
  {
    name: "memberships.listByUser",
    kind: "read",
    requests: "actor = user ∨ canAdministerPlatform(actor) → all; else each membership in o with canManageUser(actor, null, o)",
    allowed: (p, c, f) => mayReadUser(p, c.actor, c.user, f),
    run: (kit, c) => kit.memberships.listByUser(as(c.actor), c.user),
    expect: ({ policy, cell, facts }) => {
      const all = facts.memberships.filter((m) => m.userId === cell.user);
      const everything = cell.actor === cell.user || ask.platform(policy, cell.actor);
      return many(everything ? all : all.filter((m) => ask.manage(policy, cell.actor, null, m.organizationId))).sort();
    },
    observe: (r) => many(r as Membership[]).sort(),
  },
  {
    name: "memberships.explain",
    kind: "guarded-read",
    requests: "as memberships.get (FORBIDDEN when denied)",
    allowed: (p, c) => mayViewMembership(p, c),
    run: (kit, c) => kit.memberships.explain(as(c.actor), c.user, c.org),
  },

  // ----- member rules
  {
    name: "rules.add[fresh domain]",
    kind: "write",
    requests: "canOnOrganization(actor, edit, org)",
    refusals: ["FORBIDDEN"],
    allowed: (p, c) => ask.edit(p, c.actor, c.org),
    precondition: (f, c) => whenDiscontinued(f, c.org),
    run: (kit, c) => kit.rules.add(as(c.actor), c.org, { id: `rule-${c.fresh}`, kind: "domain", value: `r${c.fresh}.example` }),
    undo: async (kit, c) => void (await kit.rules.remove(system, c.org, `rule-${c.fresh}`)),
  },
  {
    name: "rules.add[address inside a claimed domain]",
    kind: "write",
    requests: "canOnOrganization(actor, edit, org) ∧ canOnOrganization(actor, edit, o) for every other organization o whose rule the address overlaps",
    refusals: ["FORBIDDEN"],
    allowed: (p, c, f) => ask.edit(p, c.actor, c.org) && overlapped(f, c.org, claimedAddress(c)).every((o) => ask.edit(p, c.actor, o)),
    precondition: (f, c) => whenDiscontinued(f, c.org),
    run: (kit, c) => kit.rules.add(as(c.actor), c.org, { id: `claim-${c.fresh}`, kind: "email", value: claimedAddress(c) }),
    undo: async (kit, c) => void (await kit.rules.remove(system, c.org, `claim-${c.fresh}`)),
  },
  {
    name: "rules.remove",
    kind: "write",
    requests: "canOnOrganization(actor, edit, org)",
    refusals: ["FORBIDDEN"],
    allowed: (p, c) => ask.edit(p, c.actor, c.org),
    precondition: (f, c) => (f.rules.some((r) => r.id === c.rule && r.organizationId === c.org) ? null : { codes: ["NOT_FOUND"] }),
    run: (kit, c) => kit.rules.remove(as(c.actor), c.org, c.rule ?? "no-rule"),
    undo: async (kit, c, before) => {
      const r = before.rules.find((x) => x.id === c.rule)!;
      // A discontinued organization takes no new rules: put it back while active.
      const wasDiscontinued = discontinued(before, c.org);
      if (wasDiscontinued) await kit.organizations.reactivate(system, c.org);
      await kit.rules.add(system, c.org, { id: r.id, kind: r.kind, value: r.value, includeSubdomains: r.includeSubdomains });
      if (wasDiscontinued) await kit.organizations.discontinue(system, c.org);
    },
  },
  {
    name: "rules.list",
    kind: "read",
    requests: "canAdministerPlatform(actor) ∨ canManageUser(actor, null, org) ∨ canOnOrganization(actor, edit, org) → its rules, else []",
    allowed: (p, c) => ask.administers(p, c.actor, c.org),
    run: (kit, c) => kit.rules.list(as(c.actor), c.org),
    expect: ({ policy, cell, facts }) => (ask.administers(policy, cell.actor, cell.org) ? many(facts.rules.filter((r) => r.organizationId === cell.org)).sort() : []),
    observe: (r) => many(r as MemberRuleRecord[]).sort(),
  },
  {
    name: "rules.previewAdd",
    kind: "guarded-read",
    requests: "canOnOrganization(actor, edit, org) (FORBIDDEN when denied)",
    allowed: (p, c) => ask.edit(p, c.actor, c.org),
    run: (kit, c) => kit.rules.previewAdd(as(c.actor), c.org, { kind: "domain", value: `p${c.fresh}.example` }),
  },
  // ----- domain proof (the target's rule is a domain rule; no other organization's rule shares its domain)
  {
    name: "rules.domainChallenge",
    kind: "write",
    requests: "canOnOrganization(actor, edit, org)",
    refusals: ["FORBIDDEN"],
    allowed: (p, c) => ask.edit(p, c.actor, c.org),
    precondition: (f, c) => either(f.rules.some((r) => r.id === c.rule && r.organizationId === c.org) ? null : { codes: ["NOT_FOUND"] }, whenDiscontinued(f, c.org)),
    run: (kit, c) => kit.rules.domainChallenge(as(c.actor), c.org, c.rule ?? "no-rule"),
  },
  {
    name: "rules.proveDomain[affiliation]",
    kind: "write",
    requests: "canOnOrganization(actor, edit, org) ∧ canOnOrganization(actor, edit, o) for every active o whose linking domain rule the proof shadows (none here)",
    refusals: ["FORBIDDEN"],
    allowed: (p, c) => ask.edit(p, c.actor, c.org),
    precondition: (f, c) => either(f.rules.some((r) => r.id === c.rule && r.organizationId === c.org) ? null : { codes: ["NOT_FOUND"] }, whenDiscontinued(f, c.org)),
    // No admin of the target holds an address at its domain: a failed check, recorded (an event), returned.
    run: (kit, c) => kit.rules.proveDomain(as(c.actor), c.org, c.rule ?? "no-rule", { method: "affiliation" }),
  },
  {
    name: "rules.previewRemove",
    kind: "guarded-read",
    requests: "canOnOrganization(actor, edit, org) (FORBIDDEN when denied)",
    allowed: (p, c) => ask.edit(p, c.actor, c.org),
    precondition: (f, c) => (f.rules.some((r) => r.id === c.rule && r.organizationId === c.org) ? null : { codes: ["NOT_FOUND"] }),
    run: (kit, c) => kit.rules.previewRemove(as(c.actor), c.org, c.rule ?? "no-rule"),
  },

  // ----- resources
  {
    name: "resources.assign[new asset to org]",
    kind: "write",
    requests: "canAdministerPlatform(actor)",
    refusals: ["FORBIDDEN"],
    allowed: (p, c) => ask.platform(p, c.actor),
    precondition: (f, c) => whenDiscontinued(f, c.org),
    run: (kit, c) => kit.resources.assign(as(c.actor), { kind: "asset", id: `asset-${c.fresh}`, organizationId: c.org }),
    undo: async (kit, c) => void (await kit.resources.unassign(system, "asset", `asset-${c.fresh}`)),
  },
  {
    name: "resources.unassign",
    kind: "write",
    requests: "canAdministerPlatform(actor)",
    refusals: ["FORBIDDEN"],
    allowed: (p, c) => ask.platform(p, c.actor),
    precondition: (f, c) => (c.resource && f.resources.some((r) => r.kind === c.resource!.kind && r.id === c.resource!.id) ? null : "noop"),
    run: (kit, c) => kit.resources.unassign(as(c.actor), c.resource?.kind ?? "asset", c.resource?.id ?? "no-resource"),
    undo: async (kit, c, before) => {
      const r = before.resources.find((x) => x.kind === c.resource?.kind && x.id === c.resource?.id);
      if (!r) return;
      const wasDiscontinued = discontinued(before, r.organizationId);
      if (wasDiscontinued) await kit.organizations.reactivate(system, r.organizationId);
      await kit.resources.assign(system, { kind: r.kind, id: r.id, organizationId: r.organizationId });
      if (wasDiscontinued) await kit.organizations.discontinue(system, r.organizationId);
    },
  },
  {
    name: "resources.get",
    kind: "read",
    requests: "canAccessResource(actor, resource) → the ownership, else null",
    allowed: (p, c) => c.resource !== null && ask.resource(p, c.actor, c.resource),
    run: (kit, c) => kit.resources.get(as(c.actor), c.resource?.kind ?? "asset", c.resource?.id ?? "no-resource"),
    expect: ({ policy, cell, facts }) => {
      const r = cell.resource && facts.resources.find((x) => x.kind === cell.resource!.kind && x.id === cell.resource!.id);
      return r && ask.resource(policy, cell.actor, r) ? one(r) : [];
    },
    observe: one,
  },
  {
    name: "resources.listByOrganization",
    kind: "read",
    requests: "each resource r of org with canAccessResource(actor, r)",
    allowed: (p, c, f) => f.resources.some((r) => r.organizationId === c.org && ask.resource(p, c.actor, r)),
    run: (kit, c) => kit.resources.listByOrganization(as(c.actor), c.org, { limit: 1000 }),
    expect: ({ policy, cell, facts }) => many(facts.resources.filter((r) => r.organizationId === cell.org && ask.resource(policy, cell.actor, r))).sort(),
    observe: (r) => many(r as ResourceOwnership[]).sort(),
  },

  // ----- usergroups
  {
    name: "usergroups.linkOrganization",
    kind: "write",
    requests: "canAdministerPlatform(actor)",
    refusals: ["FORBIDDEN"],
    allowed: (p, c) => ask.platform(p, c.actor),
    precondition: (f, c) => either(f.usergroups.some((g) => g.id === c.spareUsergroup) ? null : { codes: ["NOT_FOUND"] }, whenDiscontinued(f, c.org)),
    run: (kit, c) => kit.usergroups.linkOrganization(as(c.actor), c.org, c.spareUsergroup),
    undo: async (kit, c, before) => {
      if (!before.organizations.get(c.org)?.usergroupIds.includes(c.spareUsergroup)) await kit.usergroups.unlinkOrganization(system, c.org, c.spareUsergroup);
    },
  },
  {
    name: "usergroups.unlinkOrganization",
    kind: "write",
    requests: "canAdministerPlatform(actor)",
    refusals: ["FORBIDDEN"],
    allowed: (p, c) => ask.platform(p, c.actor),
    precondition: (f, c) => (f.usergroups.some((g) => g.id === c.usergroup) ? null : { codes: ["NOT_FOUND"] }),
    run: (kit, c) => kit.usergroups.unlinkOrganization(as(c.actor), c.org, c.usergroup),
    undo: async (kit, c, before) => {
      if (before.organizations.get(c.org)?.usergroupIds.includes(c.usergroup)) await kit.usergroups.linkOrganization(system, c.org, c.usergroup);
    },
  },
  {
    name: "usergroups.create",
    kind: "write",
    untargeted: true,
    requests: "canAdministerPlatform(actor)",
    refusals: ["FORBIDDEN"],
    allowed: (p, c) => ask.platform(p, c.actor),
    run: (kit, c) => kit.usergroups.create(as(c.actor), { id: `ug-${c.fresh}`, name: `Group ${c.fresh}`, permissions: ["kb.read"] }),
    undo: async (kit, c) => void (await kit.usergroups.delete(system, `ug-${c.fresh}`)),
  },
  {
    name: "usergroups.update",
    kind: "write",
    untargeted: true,
    requests: "canAdministerPlatform(actor)",
    refusals: ["FORBIDDEN"],
    allowed: (p, c) => ask.platform(p, c.actor),
    precondition: (f, c) => (f.usergroups.some((g) => g.id === c.usergroup) ? null : { codes: ["NOT_FOUND"] }),
    run: (kit, c) => kit.usergroups.update(as(c.actor), c.usergroup, { name: `Group ${c.fresh}` }),
  },
  {
    name: "usergroups.delete",
    kind: "write",
    untargeted: true,
    requests: "canAdministerPlatform(actor)",
    refusals: ["FORBIDDEN"],
    allowed: (p, c) => ask.platform(p, c.actor),
    precondition: (f, c) => (f.usergroups.some((g) => g.id === c.spareUsergroup) ? null : "noop"),
    run: (kit, c) => kit.usergroups.delete(as(c.actor), c.spareUsergroup),
    undo: async (kit, c, before) => {
      const g = before.usergroups.find((x) => x.id === c.spareUsergroup);
      if (!g) return;
      await kit.usergroups.create(system, { id: g.id, name: g.name, permissions: [...g.permissions], builtIn: g.builtIn });
      for (const o of before.organizations.values()) if (o.usergroupIds.includes(g.id)) await kit.usergroups.linkOrganization(system, o.id, g.id);
      for (const u of before.users.values()) if (u.usergroupIds.includes(g.id)) await kit.users.upsert(system, { id: u.id, usergroupIds: [...u.usergroupIds] });
    },
  },
  {
    name: "usergroups.get",
    kind: "guarded-read",
    untargeted: true,
    requests: "canAdministerPlatform(actor) (FORBIDDEN when denied)",
    allowed: (p, c) => ask.platform(p, c.actor),
    run: (kit, c) => kit.usergroups.get(as(c.actor), c.usergroup),
  },
  {
    name: "usergroups.list",
    kind: "guarded-read",
    untargeted: true,
    requests: "canAdministerPlatform(actor) (FORBIDDEN when denied)",
    allowed: (p, c) => ask.platform(p, c.actor),
    run: (kit, c) => kit.usergroups.list(as(c.actor)),
  },

  // ----- staff profiles
  {
    name: "profiles.create",
    kind: "write",
    untargeted: true,
    requests: "canAdministerPlatform(actor)",
    refusals: ["FORBIDDEN"],
    allowed: (p, c) => ask.platform(p, c.actor),
    run: (kit, c) => kit.profiles.create(as(c.actor), { id: `prof-${c.fresh}`, name: `Profile ${c.fresh}`, add: true, organizations: { none: ["read"] } }),
    undo: async (kit, c) => void (await kit.profiles.delete(system, `prof-${c.fresh}`)),
  },
  {
    name: "profiles.update",
    kind: "write",
    untargeted: true,
    requests: "canAdministerPlatform(actor)",
    refusals: ["FORBIDDEN"],
    allowed: (p, c) => ask.platform(p, c.actor),
    precondition: (f, c) => (f.profiles.some((x) => x.id === c.spareProfile) ? null : { codes: ["NOT_FOUND"] }),
    run: (kit, c) => kit.profiles.update(as(c.actor), c.spareProfile, { name: `Profile ${c.fresh}` }),
  },
  {
    name: "profiles.delete",
    kind: "write",
    untargeted: true,
    requests: "canAdministerPlatform(actor)",
    refusals: ["FORBIDDEN"],
    allowed: (p, c) => ask.platform(p, c.actor),
    precondition: (f, c) => {
      if (!f.profiles.some((x) => x.id === c.spareProfile)) return "noop";
      return [...f.users.values()].some((u) => u.profileId === c.spareProfile) ? { codes: ["CONFLICT"] } : null;
    },
    run: (kit, c) => kit.profiles.delete(as(c.actor), c.spareProfile),
    undo: async (kit, c, before) => {
      const x = before.profiles.find((y) => y.id === c.spareProfile);
      if (!x) return;
      const grants = x.grants as { add: boolean; organizations: Record<string, ("read" | "edit" | "delete")[]>; notes: Record<string, boolean> };
      await kit.profiles.create(system, { id: x.id, name: x.name, add: grants.add, organizations: grants.organizations, notes: grants.notes });
    },
  },
  {
    name: "profiles.get",
    kind: "guarded-read",
    untargeted: true,
    requests: "canAdministerPlatform(actor) (FORBIDDEN when denied)",
    allowed: (p, c) => ask.platform(p, c.actor),
    run: (kit, c) => kit.profiles.get(as(c.actor), c.spareProfile),
  },
  {
    name: "profiles.list",
    kind: "guarded-read",
    untargeted: true,
    requests: "canAdministerPlatform(actor) (FORBIDDEN when denied)",
    allowed: (p, c) => ask.platform(p, c.actor),
    run: (kit, c) => kit.profiles.list(as(c.actor)),
  },

  // ----- audit trail
  {
    name: "events.list[of org]",
    kind: "read",
    requests: "canAdministerPlatform(actor) ∨ canManageUser(actor, null, org) ∨ canOnOrganization(actor, edit, org) → its events, else []",
    allowed: (p, c) => ask.administers(p, c.actor, c.org),
    run: (kit, c) => kit.events.list(as(c.actor), { organizationId: c.org, limit: 1000 }),
    expect: async ({ kit, policy, cell }) =>
      ask.administers(policy, cell.actor, cell.org) ? many(await kit.events.list(system, { organizationId: cell.org, limit: 1000 })) : [],
    observe: (r) => many(r as unknown[]),
  },
  {
    name: "events.list[all]",
    kind: "read",
    untargeted: true,
    requests: "canAdministerPlatform(actor) → every event, else []",
    allowed: (p, c) => ask.platform(p, c.actor),
    run: (kit, c) => kit.events.list(as(c.actor), { limit: 1000 }),
    expect: async ({ kit, policy, cell }) => (ask.platform(policy, cell.actor) ? many(await kit.events.list(system, { limit: 1000 })) : []),
    observe: (r) => many(r as unknown[]),
  },

  // ----- invitations (accepting takes no actor: tested in invitations.test.ts and the model test)
  {
    name: "invitations.create[member]",
    kind: "write",
    requests: "canManageUser(actor, null, org) ∧ canAssignRole(actor, org, member)",
    refusals: ["FORBIDDEN"],
    allowed: (p, c) => ask.manage(p, c.actor, null, c.org) && ask.role(p, c.actor, c.org, "member"),
    precondition: (f, c) => whenDiscontinued(f, c.org),
    run: (kit, c) => kit.invitations.create(as(c.actor), { organizationId: c.org, email: `i${c.fresh}@invited.example` }),
    undo: async (kit, _c, _before, result) => void (await kit.invitations.revoke(system, (result as { invitation: { id: string } }).invitation.id)),
  },
  {
    name: "invitations.create[technician, org admin]",
    kind: "write",
    requests: "canAdministerPlatform(actor) ∧ canManageUser(actor, null, org) ∧ canAssignRole(actor, org, technician)",
    refusals: ["FORBIDDEN"],
    allowed: (p, c) => ask.platform(p, c.actor) && ask.manage(p, c.actor, null, c.org) && ask.role(p, c.actor, c.org, "technician"),
    precondition: (f, c) => whenDiscontinued(f, c.org),
    run: (kit, c) => kit.invitations.create(as(c.actor), { organizationId: c.org, email: `i${c.fresh}@invited.example`, role: "technician", admin: true }),
    undo: async (kit, _c, _before, result) => void (await kit.invitations.revoke(system, (result as { invitation: { id: string } }).invitation.id)),
  },
  {
    name: "invitations.list",
    kind: "read",
    requests: "canManageUser(actor, null, org) → its invitations, else []",
    allowed: (p, c) => ask.manage(p, c.actor, null, c.org),
    run: (kit, c) => kit.invitations.list(as(c.actor), c.org),
    expect: async ({ kit, policy, cell }) => (ask.manage(policy, cell.actor, null, cell.org) ? many(await kit.invitations.list(system, cell.org)) : []),
    observe: (r) => many(r as unknown[]),
  },
];

/** Reading a user: itself, platform admins, and whoever may manage users of one of its organizations. */
function mayReadUser(p: Policy, actor: string, user: string, f: Facts): boolean {
  if (actor === user || ask.platform(p, actor)) return true;
  return f.memberships.some((m) => m.userId === user && ask.manage(p, actor, null, m.organizationId));
}

function mayViewMembership(p: Policy, c: Cell): boolean {
  return c.actor === c.user || ask.read(p, c.actor, c.org) || ask.manage(p, c.actor, null, c.org);
}

// ---------------------------------------------------------------------------------------
// The runner.

/** How one cell came out. */
export type Verdict =
  | "ok"
  /** Refused, authorization not decided yet: a domain error (the world's state) came first. Not a failure; listed. */
  | "domain-first"
  /** The facade did (or showed) more than the evaluator allows. */
  | "wrong-allow"
  /** The facade refused (or hid) what the evaluator allows, with the world permitting it. */
  | "wrong-denial"
  /** A refusal (or a no-op) that wrote something. */
  | "wrote-on-refusal"
  /** An unauthorized write refused with a code the table does not list for it. */
  | "wrong-code"
  /** The evaluator allows and the table expects a domain refusal, but the facade did it: a mistake in the table's preconditions. */
  | "precondition-mismatch"
  /**
   * Allowed by the table's requests, refused because the call would change a membership
   * in another organization (a cascade: a user moving under the `"single"` policy) where
   * the evaluator agrees the actor has no rights (neither `canManageUser(actor, null, o)`
   * nor `canOnOrganization(actor, edit, o)`). The table does not model cascades; listed.
   */
  | "cascade-refused";

export interface CellResult {
  readonly useCase: string;
  readonly cell: Cell;
  readonly evaluator: boolean;
  readonly domain: DomainOutcome | null;
  readonly verdict: Verdict;
  /** What the facade did: `allowed`, an error code, `noop`, or the leaked / missing tokens of a read. */
  readonly facade: string;
  /**
   * An allowed write that answered with an organization the actor may not read (per the
   * policy right after the write): data a read would have hidden. Listed, not a verdict:
   * whether `edit`/`delete` without `read` should show the organization is for the design.
   */
  readonly returnedUnreadable?: string;
}

/** The organization a write answered with (`organizations.*` return one; `rules.add/remove` and usergroup links too). */
function returnedOrganization(value: unknown): string | null {
  if (value === null || typeof value !== "object") return null;
  const record = value as Record<string, unknown>;
  if (typeof record.id === "string" && Array.isArray(record.states) && typeof record.status === "string") return record.id;
  return record.organization !== undefined ? returnedOrganization(record.organization) : null;
}

/** Caches the facts of a storage by its last event sequence (a write without events still fails the dump check). */
export class World {
  private cached: Facts | null = null;
  constructor(
    readonly kit: OrgKit,
    readonly storage: Storage,
  ) {}
  async facts(): Promise<Facts> {
    if (this.cached === null) this.cached = await readFacts(this.storage);
    return this.cached;
  }
  /** Forget the cached facts (after a write). */
  changed(): void {
    this.cached = null;
  }
}

/** A token for a message: an object's id (and its organization or user), else the token. */
function shortToken(token: string): string {
  if (!token.startsWith("{")) return token;
  const value = JSON.parse(token) as Record<string, unknown>;
  const parts = ["type", "id", "kind", "userId", "organizationId"].filter((k) => typeof value[k] === "string").map((k) => `${k}=${String(value[k])}`);
  return `{${parts.join(" ")}}`;
}

const describeError = (error: unknown) => (isOrgKitError(error) ? error.code : `THROWN ${String(error)}`);

/**
 * Plays one cell on `world`: asks the evaluator (policy taken before the call), runs the
 * use case, compares. An allowed write is undone (system actor) when `undo` is given and
 * `restore` is set.
 */
export async function playCell(world: World, useCase: UseCase, cell: Cell, options: { restore: boolean }): Promise<CellResult> {
  const { kit } = world;
  const policy = await kit.policy();
  const before = await world.facts();
  const evaluator = useCase.allowed(policy, cell, before);
  const domain = useCase.precondition?.(before, cell) ?? null;
  let returnedUnreadable: string | undefined;
  const result = (verdict: Verdict, facade: string): CellResult => ({
    useCase: useCase.name,
    cell,
    evaluator,
    domain,
    verdict,
    facade,
    ...(returnedUnreadable !== undefined ? { returnedUnreadable } : {}),
  });

  if (useCase.kind === "read") {
    const expected = await useCase.expect({ kit, cell, facts: before, policy });
    let got: string[];
    try {
      got = useCase.observe(await useCase.run(kit, cell, before));
    } catch (error) {
      return result(expected.length > 0 ? "wrong-denial" : "ok", describeError(error));
    }
    const leaked = got.filter((t) => !expected.includes(t));
    const missing = expected.filter((t) => !got.includes(t));
    if (leaked.length > 0) return result("wrong-allow", `leaked ${leaked.length}: ${leaked.slice(0, 3).map(shortToken).join(" | ")}`);
    if (missing.length > 0) return result("wrong-denial", `missing ${missing.length}: ${missing.slice(0, 3).map(shortToken).join(" | ")}`);
    if (got.join("\n") !== expected.join("\n")) return result("wrong-denial", "same data, other order");
    return result("ok", got.length > 0 ? "data" : "empty");
  }

  if (useCase.kind === "guarded-read") {
    const codes = domain !== null && domain !== "noop" ? domain.codes : [];
    try {
      await useCase.run(kit, cell, before);
    } catch (error) {
      const code = describeError(error);
      if (evaluator) return result(codes.includes(code as OrgKitErrorCode) ? "ok" : "wrong-denial", code);
      if (code === "FORBIDDEN") return result("ok", code);
      return result(codes.includes(code as OrgKitErrorCode) ? "domain-first" : "wrong-code", code);
    }
    if (!evaluator) return result("wrong-allow", "allowed");
    return result(codes.length === 0 ? "ok" : "precondition-mismatch", "allowed");
  }

  // A write.
  let outcome: string;
  let value: unknown;
  let failure: unknown = null;
  try {
    value = await useCase.run(kit, cell, before);
    outcome = value === false ? "noop" : "allowed";
  } catch (error) {
    failure = error;
    outcome = describeError(error);
  }
  const wrote = outcome === "allowed" || (await readFacts(world.storage)).dump !== before.dump;
  if (wrote) world.changed();
  const shown = outcome === "allowed" ? returnedOrganization(value) : null;
  if (shown !== null && !ask.read(await kit.policy(), cell.actor, shown)) returnedUnreadable = shown;
  if (outcome === "allowed" && options.restore && useCase.undo) {
    await useCase.undo(kit, cell, before, value);
    world.changed();
  }
  const codes = domain !== null && domain !== "noop" ? domain.codes : [];
  if (outcome === "allowed") {
    if (!evaluator) return result("wrong-allow", outcome);
    return result(domain === null ? "ok" : "precondition-mismatch", outcome);
  }
  if (wrote) return result("wrote-on-refusal", outcome);
  if (outcome === "noop") {
    // Nothing to do (no membership to remove…): no decision to compare, and nothing written.
    return result(domain === "noop" || !evaluator ? "ok" : "wrong-denial", outcome);
  }
  const code = outcome as OrgKitErrorCode;
  if (evaluator && isOrgKitError(failure, "FORBIDDEN") && failure.details.reason === "membership_outside_rights") {
    const other = String(failure.details.organizationId);
    const noRights = !ask.manage(policy, cell.actor, null, other) && !ask.edit(policy, cell.actor, other);
    return result(noRights ? "cascade-refused" : "wrong-denial", `${code} (a membership in ${other})`);
  }
  if (evaluator) return result(codes.includes(code) ? "ok" : "wrong-denial", code);
  if (useCase.refusals.includes(code)) return result("ok", code);
  return result(codes.includes(code) ? "domain-first" : "wrong-code", code);
}
