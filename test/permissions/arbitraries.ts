/**
 * fast-check generators of small random policies over a fixed small universe of ids,
 * so that random checks hit existing (and missing) ids often.
 */
import fc from "fast-check";
import type {
  OrganizationAction,
  PermissionRequest,
  PolicyChange,
  PolicyMembership,
  PolicyOrganization,
  PolicyResource,
  PolicySnapshot,
  PolicyStaffProfile,
  PolicyUser,
  PolicyUsergroup,
  SubjectRef,
} from "../../src/permissions/index.js";
import { allStateCombinations } from "../../src/permissions/index.js";

export const FLAGS = ["service", "outreach", "opportunities"] as const;
export const PERMISSIONS = ["p0", "p1", "p2", "p3", "p4", "p5"];
/** Granted by no group, ever. */
export const CANARY = "canary";
export const GROUP_IDS = ["g0", "g1", "g2", "g3", "g4"];
/** Referenced but never defined. */
export const DANGLING_GROUP = "g-missing";
export const PROFILE_IDS = ["pr0", "pr1", "pr2"];
export const ORG_IDS = ["o0", "o1", "o2", "o3", "o4", "o5"];
export const USER_IDS = ["u0", "u1", "u2", "u3", "u4", "u5", "u6"];
export const ROLES = ["member", "manager", "tech"];
export const APPS = ["a1", "a2"];
export const RESOURCE_IDS = ["r0", "r1", "r2", "r3"];
export const ACTIONS: readonly OrganizationAction[] = ["read", "edit", "delete"];
const COMBINATIONS = allStateCombinations(FLAGS);

const subset = <T>(values: readonly T[]) => fc.subarray([...values]);

export const usergroupArb = (id: string): fc.Arbitrary<PolicyUsergroup> =>
  fc.record({
    id: fc.constant(id),
    name: fc.constant(`Group ${id}`),
    permissions: subset(PERMISSIONS),
    builtIn: fc.constantFrom<("everyone" | "registered" | null)[]>(null, null, null, "everyone", "registered"),
  });

export const profileArb = (id: string): fc.Arbitrary<PolicyStaffProfile> =>
  fc.record({
    id: fc.constant(id),
    add: fc.boolean(),
    organizations: fc.dictionary(fc.constantFrom(...COMBINATIONS), subset(ACTIONS), { maxKeys: 8 }),
    notes: fc.record({ editOwn: fc.boolean(), deleteOwn: fc.boolean(), editAny: fc.boolean(), deleteAny: fc.boolean() }),
  });

/** An organization whose parent, if any, is one of `parents` (so the tree is acyclic). */
export const organizationArb = (id: string, parents: readonly string[]): fc.Arbitrary<PolicyOrganization> =>
  fc.record({
    id: fc.constant(id),
    parentId: parents.length === 0 ? fc.constant(null) : fc.option(fc.constantFrom(...parents), { nil: null }),
    states: subset(FLAGS),
    usergroupIds: subset([...GROUP_IDS, DANGLING_GROUP]),
    allowedRoles: subset(ROLES),
    allowedApps: subset(APPS),
    status: fc.constantFrom<("active" | "discontinued")[]>("active", "active", "active", "discontinued"),
  });

export const userArb = (id: string): fc.Arbitrary<PolicyUser> =>
  fc.record({
    id: fc.constant(id),
    kind: fc.constantFrom<("user" | "agent")[]>("user", "agent"),
    registered: fc.boolean(),
    usergroupIds: subset([...GROUP_IDS, DANGLING_GROUP]),
    platformRole: fc.constantFrom<("super_admin" | "admin" | null)[]>(null, null, null, null, null, "admin", "super_admin"),
    profileId: fc.constantFrom(null, ...PROFILE_IDS, "pr-missing"),
  });

export const membershipArb = (userId: string, organizationId: string): fc.Arbitrary<PolicyMembership> =>
  fc.record({ userId: fc.constant(userId), organizationId: fc.constant(organizationId), role: fc.constantFrom(...ROLES), admin: fc.boolean() });

export const resourceArb = (id: string): fc.Arbitrary<PolicyResource> =>
  fc.record({ kind: fc.constant("asset"), id: fc.constant(id), organizationId: fc.constantFrom(...ORG_IDS) });

/** A random, valid snapshot over the fixed universe. */
export const snapshotArb: fc.Arbitrary<PolicySnapshot> = fc
  .record({
    groups: fc.subarray(GROUP_IDS, { minLength: 1 }).chain((ids) => fc.tuple(...ids.map(usergroupArb))),
    profiles: fc.subarray(PROFILE_IDS).chain((ids) => fc.tuple(...ids.map(profileArb)).map((list): PolicyStaffProfile[] => [...list])),
    organizations: fc.tuple(...ORG_IDS.map((id, i) => organizationArb(id, ORG_IDS.slice(0, i)))),
    users: fc.tuple(...USER_IDS.map(userArb)),
    memberships: fc.subarray(USER_IDS.flatMap((u) => ORG_IDS.map((o) => [u, o] as const)), { maxLength: 14 }),
    resources: fc.subarray(RESOURCE_IDS).chain((ids) => fc.tuple(...ids.map(resourceArb)).map((list): PolicyResource[] => [...list])),
  })
  .chain((parts) =>
    (parts.memberships.length === 0 ? fc.constant([] as PolicyMembership[]) : fc.tuple(...parts.memberships.map(([u, o]) => membershipArb(u, o)))).map(
      (memberships): PolicySnapshot => ({
        schemaVersion: 1,
        version: 1,
        stateFlags: [...FLAGS],
        usergroups: parts.groups,
        profiles: parts.profiles,
        organizations: parts.organizations,
        users: parts.users,
        memberships,
        resources: parts.resources,
      }),
    ),
  );

/**
 * Random access rules (issue 16): some of the universe's roles (and a role no membership
 * has) with random ticket and cascade rules, and a random admin rule; sometimes none.
 */
export const rulesArb: fc.Arbitrary<Pick<PolicySnapshot, "roles" | "admins">> = fc.record(
  {
    roles: fc.dictionary(
      fc.constantFrom(...ROLES, "auditor"),
      fc.record({ seesOrganizationTickets: fc.boolean(), cascade: fc.constantFrom<("none" | "descendants")[]>("none", "descendants", "descendants") }, { requiredKeys: [] }),
      { maxKeys: 4 },
    ),
    admins: fc.record({ cascade: fc.constantFrom<("none" | "descendants")[]>("none", "descendants", "descendants") }, { requiredKeys: [] }),
  },
  { requiredKeys: [] },
);

/** A random snapshot with random access rules: cascading roles and admins, often. */
export const cascadeSnapshotArb: fc.Arbitrary<PolicySnapshot> = fc.tuple(snapshotArb, rulesArb).map(([snapshot, rules]) => ({ ...snapshot, ...rules }));

/** A random change over the same universe (it may be invalid, e.g. a parent cycle: both roads must then refuse it). */
export const changeArb: fc.Arbitrary<PolicyChange> = fc.oneof(
  fc.tuple(fc.constantFrom(...USER_IDS), fc.constantFrom(...ORG_IDS)).chain(([u, o]) => membershipArb(u, o).map((membership): PolicyChange => ({ type: "membership.set", membership }))),
  fc.tuple(fc.constantFrom(...USER_IDS), fc.constantFrom(...ORG_IDS)).map(([userId, organizationId]): PolicyChange => ({ type: "membership.remove", userId, organizationId })),
  fc.constantFrom(...USER_IDS, "u-new").chain((id) => userArb(id).map((user): PolicyChange => ({ type: "user.set", user }))),
  fc.constantFrom(...USER_IDS).map((userId): PolicyChange => ({ type: "user.remove", userId })),
  fc.constantFrom(...GROUP_IDS).chain((id) => usergroupArb(id).map((usergroup): PolicyChange => ({ type: "usergroup.set", usergroup }))),
  fc.constantFrom(...GROUP_IDS).map((usergroupId): PolicyChange => ({ type: "usergroup.remove", usergroupId })),
  fc.constantFrom(...PROFILE_IDS).chain((id) => profileArb(id).map((profile): PolicyChange => ({ type: "profile.set", profile }))),
  fc.constantFrom(...PROFILE_IDS).map((profileId): PolicyChange => ({ type: "profile.remove", profileId })),
  fc.constantFrom(...ORG_IDS, "o-new").chain((id) => organizationArb(id, ORG_IDS).map((organization): PolicyChange => ({ type: "organization.set", organization }))),
  resourceArb("r-any").chain((r) => fc.constantFrom(...RESOURCE_IDS).map((id): PolicyChange => ({ type: "resource.set", resource: { ...r, id } }))),
  fc.constantFrom(...RESOURCE_IDS).map((id): PolicyChange => ({ type: "resource.remove", kind: "asset", id })),
);

/**
 * A subject as a well-formed request may give it without a policy at hand: a user id
 * (known or not), the guest as data, or a user as data (what a handle becomes in JSON).
 */
export const subjectDataArb: fc.Arbitrary<SubjectRef> = fc.oneof(
  fc.constantFrom(...USER_IDS, "ghost"),
  fc.constant({ kind: "guest" as const }),
  fc.constantFrom(...USER_IDS).map((id): SubjectRef => ({ id, kind: "user" })),
);

/** A well-formed permission request over the universe, every check, known and unknown names alike. */
export const requestArb: fc.Arbitrary<PermissionRequest> = fc.oneof(
  fc.record({ check: fc.constant("can" as const), subject: subjectDataArb, permission: fc.constantFrom(...PERMISSIONS, CANARY) }),
  fc.record({ check: fc.constant("canAll" as const), subject: subjectDataArb, permissions: fc.subarray([...PERMISSIONS, CANARY]) }),
  fc.record({
    check: fc.constant("canOnOrganization" as const),
    subject: subjectDataArb,
    action: fc.constantFrom(...ACTIONS),
    organization: fc.oneof(fc.constantFrom(...ORG_IDS, "o-missing"), fc.constantFrom(...ORG_IDS).map((id) => ({ id, known: true }))),
  }),
  fc.record({ check: fc.constantFrom("canAddOrganization" as const, "canAdministerPlatform" as const, "canGrantPlatformRoles" as const), subject: subjectDataArb }),
  fc.record({
    check: fc.constantFrom("canEditNote" as const, "canDeleteNote" as const),
    subject: subjectDataArb,
    note: fc.record({ organizationId: fc.constantFrom(...ORG_IDS, "o-missing"), authorId: fc.constantFrom(...USER_IDS, "someone") }),
  }),
  fc.record({
    check: fc.constant("canManageUser" as const),
    subject: subjectDataArb,
    targetUserId: fc.constantFrom(null, ...USER_IDS, "ghost"),
    organizationId: fc.constantFrom(...ORG_IDS, "o-missing"),
  }),
  fc.record({ check: fc.constant("canAssignRole" as const), subject: subjectDataArb, organizationId: fc.constantFrom(...ORG_IDS), role: fc.constantFrom(...ROLES, "other") }),
  fc.record({ check: fc.constant("canUseApp" as const), subject: subjectDataArb, organizationId: fc.constantFrom(...ORG_IDS), app: fc.constantFrom(...APPS, "a3") }),
  fc.record({
    check: fc.constant("canAccessResource" as const),
    subject: subjectDataArb,
    resource: fc.record({ kind: fc.constantFrom("asset", "system"), id: fc.constantFrom(...RESOURCE_IDS, "r-missing") }),
  }),
  fc.record({
    check: fc.constant("canViewTicket" as const),
    subject: subjectDataArb,
    ticket: fc.record(
      { requesterId: fc.constantFrom(...USER_IDS, "nobody"), organizationId: fc.constantFrom(null, ...ORG_IDS, "o-missing") },
      { requiredKeys: ["requesterId"] },
    ),
  }),
);
