/**
 * Typed facts for a trusted caller. `compilePolicy` reads a snapshot as untrusted JSON:
 * every field of every fact is checked. The service builds its facts from records it
 * already validated, so it hands them over typed instead: these converters fill the
 * defaults and compute the compiled parts (state masks, profile cells) without reading
 * the shapes again, and {@link compileFacts} / `Policy.withFacts` feed them to the same
 * builder (`TablesBuilder`, `ChangeBatch`) the untrusted road uses. What no single fact
 * can show — duplicate ids, dangling references, parent cycles — is still checked.
 *
 * Not part of the public `orgkit/permissions` surface.
 *
 * @module
 */
import { accessRulesOf } from "./access-rules.js";
import { BoundedCache } from "./bounded-cache.js";
import { applyFactChanges, type FactChange } from "./changes.js";
import { ACTION_BIT, type MembershipFact, type OrganizationFact, type ProfileFact, type ResourceFact, type UserFact, type UsergroupFact } from "./read-facts.js";
import { invalidSnapshot } from "./snapshot-reader.js";
import {
  DEFAULT_MEMBER_ROLE,
  type PolicyAdminRule,
  type PolicyMembership,
  type PolicyOrganization,
  type PolicyResource,
  type PolicyRoleRule,
  type PolicyStaffProfile,
  type PolicyUser,
  type PolicyUsergroup,
} from "./snapshot.js";
import { createStateSpace, parseCombinationKey, type StateSpace } from "./state-combinations.js";
import { TablesBuilder } from "./tables.js";
import { Policy } from "./policy.js";

/** The facts of a policy, typed (the same shapes as a snapshot's lists). */
export interface PolicyFacts {
  readonly version: number;
  /** Valid flags (unique, no `+`, not `none`): the service's configured states. */
  readonly stateFlags: readonly string[];
  readonly usergroups?: readonly PolicyUsergroup[];
  readonly profiles?: readonly PolicyStaffProfile[];
  readonly organizations?: readonly PolicyOrganization[];
  readonly users?: readonly PolicyUser[];
  readonly memberships?: readonly PolicyMembership[];
  readonly resources?: readonly PolicyResource[];
  /** What roles confer (the snapshot's `roles`). */
  readonly roles?: Readonly<Record<string, PolicyRoleRule>>;
  /** What the admin flag confers beyond its organization (the snapshot's `admins`). */
  readonly admins?: PolicyAdminRule;
}

/** Compiles typed facts (see the module docs); `subjectCacheSize` as in `compilePolicy`. */
export function compileFacts(facts: PolicyFacts, subjectCacheSize = 10_000): Policy {
  const space = createStateSpace(facts.stateFlags);
  const builder = new TablesBuilder(facts.version, space, null, accessRulesOf(facts.roles, facts.admins));
  facts.usergroups?.forEach((g, i) => builder.usergroup(usergroupFact(g), i));
  facts.profiles?.forEach((p, i) => builder.profile(profileFact(p, space, i), i));
  facts.organizations?.forEach((o, i) => builder.organization(organizationFact(o, space, ["organizations", i]), i));
  facts.users?.forEach((u, i) => builder.user(userFact(u), i));
  facts.memberships?.forEach((m, i) => builder.membership(membershipFact(m), i));
  facts.resources?.forEach((r, i) => builder.resource(resourceFact(r), i));
  return new Policy(builder.build(), new BoundedCache(subjectCacheSize));
}

/**
 * `policy.withChanges` for typed fact changes: applied without being read again
 * (references and cycles are still checked). Cached subjects are carried over as by
 * `withChanges`.
 */
export function withFacts<P extends string>(policy: Policy<P>, changes: readonly FactChange[], version = policy.version + 1): Policy<P> {
  // `changed` is private to keep it off the public Policy surface; this module is its one other caller.
  return policy["changed"](applyFactChanges(policy.tables, changes, version));
}

export function usergroupFact(g: PolicyUsergroup): UsergroupFact {
  return { id: g.id, name: g.name ?? g.id, permissions: g.permissions, builtIn: g.builtIn ?? null };
}

/** A profile's compiled cells. A key that is not a combination of the flags (the configuration changed since it was stored) is `INVALID_SNAPSHOT`. */
export function profileFact(p: PolicyStaffProfile, space: StateSpace, i = 0): ProfileFact {
  const cells = new Uint8Array(space.size + 1);
  for (const [key, actions] of Object.entries(p.organizations ?? {})) {
    let bits = 0;
    for (const action of actions) bits |= ACTION_BIT[action];
    const mask = parseCombinationKey(key, space, ["profiles", i, "organizations", key]);
    cells[mask] = cells[mask]! | bits;
  }
  const notes = p.notes ?? {};
  return {
    id: p.id,
    name: p.name ?? p.id,
    add: p.add ?? false,
    cells,
    notes: { editOwn: notes.editOwn ?? false, deleteOwn: notes.deleteOwn ?? false, editAny: notes.editAny ?? false, deleteAny: notes.deleteAny ?? false },
  };
}

/** An organization's fact; a state that is not a configured flag is `INVALID_SNAPSHOT` at `path`. */
export function organizationFact(o: PolicyOrganization, space: StateSpace, path: readonly (string | number)[] = ["organization"]): OrganizationFact {
  let mask = 0;
  for (const state of o.states ?? []) {
    const bit = space.bitOf.get(state);
    if (bit === undefined) invalidSnapshot([...path, "states"], `"${state}" is not a state flag (${space.flags.join(", ") || "none defined"})`, state);
    mask |= bit;
  }
  return {
    id: o.id,
    parentId: o.parentId ?? null,
    mask,
    usergroupIds: o.usergroupIds ?? [],
    allowedRoles: o.allowedRoles ?? [],
    allowedApps: o.allowedApps ?? [],
    active: (o.status ?? "active") === "active",
  };
}

export function userFact(u: PolicyUser): UserFact {
  return { id: u.id, kind: u.kind ?? "user", registered: u.registered ?? false, usergroupIds: u.usergroupIds ?? [], platformRole: u.platformRole ?? null, profileId: u.profileId ?? null };
}

export function membershipFact(m: PolicyMembership): MembershipFact {
  return { userId: m.userId, organizationId: m.organizationId, role: m.role ?? DEFAULT_MEMBER_ROLE, admin: m.admin ?? false };
}

export function resourceFact(r: PolicyResource): ResourceFact {
  return { kind: r.kind, id: r.id, organizationId: r.organizationId };
}
