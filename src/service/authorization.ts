/**
 * The one decision path of the facade: every use case states the permission requests it
 * needs, with the facts it loaded, and the compiled evaluator (`orgkit/permissions`)
 * answers them. A refusal is `FORBIDDEN` carrying the evaluator's explanation, cut to what
 * the actor may see. There is no other authorization code in the service.
 *
 * @module
 */
import { forbidden } from "../errors.js";
import type { Membership, ResourceOwnership, User } from "../domain/membership/model.js";
import type { Organization } from "../domain/organization/schema.js";
import { accessRulesOf, ROLE_CASCADES, roleFlagsOf } from "../permissions/access-rules.js";
import type { FactChange } from "../permissions/changes.js";
import { compileFacts, membershipFact, organizationFact, userFact, withFacts } from "../permissions/facts.js";
import type { Policy } from "../permissions/policy.js";
import { createStateSpace } from "../permissions/state-combinations.js";
import type { PermissionRequest } from "../permissions/requests.js";
import { NO_STATE_KEY, STATE_KEY_SEPARATOR, type OrganizationAction } from "../permissions/snapshot.js";
import type { Subject } from "../permissions/subject.js";
import type { ActorRef, OrganizationVisibility, StorageSession } from "../storage/ports.js";
import { accessRulesFields, toPolicyMembership, toPolicyOrganization, toPolicyProfile, toPolicyUser, toPolicyUsergroup, type AccessRulesConfig } from "./snapshot.js";

/**
 * A permission request about the acting user, with the facts the evaluator needs to
 * answer it: the domain objects the use case loaded. Each is one `PermissionRequest` of
 * `orgkit/permissions` (same name, same meaning).
 */
export type AccessRequest =
  | { readonly check: "canAddOrganization" }
  | { readonly check: "canAdministerPlatform" }
  | { readonly check: "canGrantPlatformRoles" }
  | { readonly check: "canOnOrganization"; readonly action: OrganizationAction; readonly organization: Organization }
  /** Without `target`: manage the organization's users in general (new users, listings). */
  | { readonly check: "canManageUser"; readonly organization: Organization; readonly target?: { readonly user: User; readonly membership: Membership | null } }
  | { readonly check: "canAssignRole"; readonly organization: Organization; readonly role: string }
  | { readonly check: "canAccessResource"; readonly resource: ResourceOwnership; readonly owner: Organization };

/** What the acting user may do, answered by the evaluator over the actor's slice of the data. */
export interface Authorization {
  readonly actor: ActorRef;
  /** The system actor: trusted automation, every request is allowed. */
  readonly isSystem: boolean;
  /** The evaluator's answer to `request`. */
  allows(request: AccessRequest): boolean;
  /**
   * The evaluator's answers to many requests: exactly what `allows` would answer for each,
   * asked in this order, but the facts they carry (organizations, users) are added to the
   * compiled slice in as few steps as possible — one for a batch of distinct
   * organizations — instead of one step per request. For bulk use cases (an import).
   */
  allowsEach(requests: readonly AccessRequest[]): boolean[];
  /** Throws `FORBIDDEN` with the evaluator's explanation unless `request` is allowed; `action` says what the use case was about to do. */
  require(request: AccessRequest, action: string): void;
  /** The organizations the actor may read as a storage filter (`organizationReadScope()`), or `null` for all of them. */
  readVisibility(): OrganizationVisibility | null;
}

/** Why an org admin may not manage a user, whoever the user is (see `visibleReason`). */
const NOT_A_MANAGED_USER = "it manages only the plain members of the organizations it administers (not their admins, nor platform admins)";

const SYSTEM: Omit<Authorization, "actor"> = {
  isSystem: true,
  allows: () => true,
  allowsEach: (requests) => requests.map(() => true),
  require: () => undefined,
  readVisibility: () => null,
};

/**
 * Loads what the evaluator needs to authorize one actor — its user record, its
 * memberships and their organizations, its staff profile and the usergroups — and
 * compiles that slice from typed facts (`compileFacts`: records the service already
 * validated are not read again as untrusted JSON). The facts a request carries (the
 * organization, the target user) are added to the compiled policy as it is asked
 * (`withFacts`), so no check ever needs a whole table.
 *
 * With cascading rules (`config.roles`, `config.admins`), the slice also holds what the
 * actor's cascading memberships reach: each one's descendants short of discontinued
 * organizations (`descendants(id, { includeDiscontinued: false })`, one query each), with
 * their parent links. An organization keeps its parent in the slice exactly when the
 * parent is in the slice too, so the evaluator's cascade over the slice is its cascade
 * over the whole tree (an organization the slice did not load is one no cascade of the
 * actor reaches, unless the request creates it below a reached one). Actors without a
 * cascading membership load nothing more.
 */
export async function loadAuthorization(session: StorageSession, actor: ActorRef, states: readonly string[], rules: AccessRulesConfig = { roles: undefined, admins: undefined }): Promise<Authorization> {
  if (actor.type === "system") return { actor, ...SYSTEM };
  const user = await session.users.get(actor.id);
  const memberships = user ? await session.memberships.listByUser(user.id) : [];
  const organizations = await session.organizations.getMany(memberships.map((m) => m.organizationId));
  const profile = user?.profileId ? await session.profiles.get(user.profileId) : null;
  const usergroups = await session.usergroups.list();
  const present = new Set(organizations.map((o) => o.id));
  // Reached organizations the actor is also a member of are in the slice already.
  // A platform admin may do anything to any organization: its cascades would add nothing.
  const reached = user?.platformRole ? [] : (await loadReached(session, memberships, organizations, rules)).filter((o) => !present.has(o.id));
  // An organization keeps its parent when the parent is in the slice too. That never makes
  // a cascade reach further than over the whole tree (the slice's chains above are the
  // real ones, cut where the slice ends), and it lets a cascade reach an organization a
  // request brings in: a new child of a reached organization is reached, as it will be.
  const inSlice = new Set([...present, ...reached.map((o) => o.id)]);
  const sliceOrganization = (organization: Organization) => {
    const linked = organization.parentId !== null && inSlice.has(organization.parentId);
    return { ...toPolicyOrganization(organization), parentId: linked ? organization.parentId : null };
  };
  const space = createStateSpace(states);
  let policy: Policy = compileFacts(
    {
      version: 0,
      stateFlags: states,
      usergroups: usergroups.map(toPolicyUsergroup),
      profiles: profile ? [toPolicyProfile(profile)] : [],
      organizations: [...organizations, ...reached].map(sliceOrganization),
      users: user ? [toPolicyUser(user)] : [],
      memberships: memberships.filter((m) => present.has(m.organizationId)).map(toPolicyMembership),
      ...accessRulesFields(rules),
    },
    4,
  );
  let subject: Subject = policy.subject(actor.id);
  // The organizations already in the slice, by the version added: asking about one again costs nothing.
  const known = new Map([...organizations, ...reached].map((o) => [o.id, o.version]));

  /** The organization a request is about, if any. */
  const organizationOf = (request: AccessRequest): Organization | null => ("organization" in request ? request.organization : "owner" in request ? request.owner : null);

  /** Appends to `changes` the facts `request` carries that the slice does not hold yet (and marks them known). */
  function factsOf(request: AccessRequest, changes: FactChange[]): void {
    const organization = organizationOf(request);
    if (organization !== null && known.get(organization.id) !== organization.version) {
      changes.push({ type: "organization.set", organization: organizationFact(sliceOrganization(organization), space) });
      known.set(organization.id, organization.version);
      inSlice.add(organization.id);
    }
    if (request.check === "canManageUser" && request.target) {
      changes.push({ type: "user.set", user: userFact(toPolicyUser(request.target.user)) });
      if (request.target.membership) changes.push({ type: "membership.set", membership: membershipFact(toPolicyMembership(request.target.membership)) });
    }
    if (request.check === "canAccessResource") changes.push({ type: "resource.set", resource: request.resource });
  }

  function apply(changes: readonly FactChange[]): void {
    if (changes.length === 0) return;
    policy = withFacts(policy, changes);
    subject = policy.subject(actor.id);
  }

  function learn(request: AccessRequest): void {
    const changes: FactChange[] = [];
    factsOf(request, changes);
    apply(changes);
  }

  function toPermissionRequest(request: AccessRequest): PermissionRequest {
    const s = actor.id;
    switch (request.check) {
      case "canAddOrganization":
      case "canAdministerPlatform":
      case "canGrantPlatformRoles":
        return { check: request.check, subject: s };
      case "canOnOrganization":
        return { check: "canOnOrganization", subject: s, action: request.action, organization: request.organization.id };
      case "canManageUser":
        return { check: "canManageUser", subject: s, targetUserId: request.target?.user.id ?? null, organizationId: request.organization.id };
      case "canAssignRole":
        return { check: "canAssignRole", subject: s, organizationId: request.organization.id, role: request.role };
      case "canAccessResource":
        return { check: "canAccessResource", subject: s, resource: { kind: request.resource.kind, id: request.resource.id } };
    }
  }

  function allows(request: AccessRequest): boolean {
    learn(request);
    return policy.check({ ...toPermissionRequest(request), subject });
  }

  function allowsEach(requests: readonly AccessRequest[]): boolean[] {
    const answers = new Array<boolean>(requests.length);
    // Requests whose facts are pending (not yet in the slice), and the versions pending.
    let waiting: number[] = [];
    let changes: FactChange[] = [];
    const pending = new Map<string, number>();
    const flush = () => {
      apply(changes);
      for (const i of waiting) answers[i] = policy.check({ ...toPermissionRequest(requests[i]!), subject });
      waiting = [];
      changes = [];
      pending.clear();
    };
    requests.forEach((request, i) => {
      const organization = organizationOf(request);
      // The same organization in another version: the answers asked so far need the version they carry.
      if (organization !== null && pending.has(organization.id) && pending.get(organization.id) !== organization.version) flush();
      // A user or resource fact is one step per request, as in `allows`.
      if (request.check === "canManageUser" || request.check === "canAccessResource") {
        flush();
        answers[i] = allows(request);
        return;
      }
      factsOf(request, changes);
      if (organization !== null) pending.set(organization.id, organization.version);
      waiting.push(i);
    });
    flush();
    return answers;
  }

  /**
   * The evaluator's explanation of a refusal, cut to what the actor may see. About an
   * organization it may not read, it says only that (not the organization's states or
   * who administers it). About a user it may not manage, it says what it may manage, the
   * same whoever the user is: it never learns that the user is a platform admin, an admin
   * of the organization or a member elsewhere. Platform admins, who see every user's
   * platform role, get the whole explanation.
   */
  function visibleReason(request: AccessRequest, explanation: string): string {
    const about = "organization" in request ? request.organization : "owner" in request ? request.owner : null;
    if (about !== null && !allows({ check: "canOnOrganization", action: "read", organization: about })) return "it may not read that organization";
    if (request.check === "canManageUser" && request.target !== undefined && !allows({ check: "canAdministerPlatform" })) {
      // Refused for this user although it manages the organization's users: the refusal is about the user.
      if (allows({ check: "canManageUser", organization: request.organization })) return NOT_A_MANAGED_USER;
    }
    return explanation;
  }

  return {
    actor,
    isSystem: false,
    allows,
    allowsEach,
    require(request, action) {
      if (allows(request)) return;
      const decision = policy.explain(toPermissionRequest(request));
      const reason = visibleReason(request, decision.reason);
      // The full explanation stays on the error for the host's logs (`details.explanation`).
      throw forbidden(actor, action, reason, { check: decision.check, ...(reason === decision.reason ? {} : { explanation: decision.reason }) });
    },
    readVisibility() {
      const scope = subject.organizationReadScope();
      if (scope.all) return null;
      return {
        organizationIds: scope.organizationIds,
        stateSets: scope.stateCombinations.map((key) => (key === NO_STATE_KEY ? [] : key.split(STATE_KEY_SEPARATOR))),
      };
    },
  };
}

/**
 * The organizations the actor's cascading memberships reach (active memberships whose
 * role cascades, or admin memberships when admins cascade), each once: the descendants
 * of each such organization short of discontinued ones. Nothing without cascading rules.
 */
async function loadReached(session: StorageSession, memberships: readonly Membership[], organizations: readonly Organization[], rules: AccessRulesConfig): Promise<Organization[]> {
  const compiled = accessRulesOf(rules.roles, rules.admins);
  if (!compiled.cascades) return [];
  const active = new Set(organizations.filter((o) => o.status === "active").map((o) => o.id));
  const seen = new Set<string>();
  const out: Organization[] = [];
  for (const membership of memberships) {
    if (!active.has(membership.organizationId)) continue; // dormant: confers nothing
    const cascades = (roleFlagsOf(compiled, membership.role) & ROLE_CASCADES) !== 0 || (membership.admin && compiled.adminCascades);
    if (!cascades || seen.has(membership.organizationId)) continue;
    for (const organization of await session.organizations.descendants(membership.organizationId, { includeDiscontinued: false })) {
      if (seen.has(organization.id)) continue;
      seen.add(organization.id);
      out.push(organization);
    }
  }
  return out;
}

/**
 * Administers the organization: manages its users (platform admins, its org admins) or
 * may edit it (staff whose profile allows `edit`, who could change its rules). This is
 * who may change its memberships, and read what names its people (audit events, member
 * rules).
 */
export function administers(auth: Authorization, organization: Organization): boolean {
  return auth.allows({ check: "canManageUser", organization }) || auth.allows({ check: "canOnOrganization", action: "edit", organization });
}
