/**
 * The policy snapshot: every fact the permission evaluators need, as plain
 * JSON-serializable data. A host builds it from its database (or from orgkit's own
 * storage), ships it to its services, and each service compiles it once with
 * `compilePolicy`.
 *
 * Unknown keys on any object are ignored, so orgkit's `Organization` and `User`
 * objects can be passed as they are; only the fields below are read.
 *
 * @module
 */

/** The snapshot format this version of orgkit reads. Bumped only on incompatible format changes. */
export const POLICY_SNAPSHOT_SCHEMA_VERSION = 1;

/**
 * The longest id a snapshot or a request may hold (user, organization, usergroup,
 * profile and resource ids, permission names, roles, apps). Ids are 1 to 512 characters;
 * a request naming a longer or empty id is malformed.
 */
export const MAX_ID_LENGTH = 512;

/** The organization state flags used unless a snapshot lists others (staff profiles grant by their combination). */
export const DEFAULT_STATE_FLAGS = ["service", "outreach", "opportunities"] as const;

/** The most state flags a snapshot may define (a profile stores one cell per combination: 2^16 at most). */
export const MAX_STATE_FLAGS = 16;

/** The key of the state combination "no flag set" in a profile's `organizations` table. */
export const NO_STATE_KEY = "none";

/** The separator between flags in a combination key: `"service+outreach"`. */
export const STATE_KEY_SEPARATOR = "+";

/** What a staff profile can grant per state combination. `delete` means discontinue (soft delete). */
export const ORGANIZATION_ACTIONS = ["read", "edit", "delete"] as const;
/** One of {@link ORGANIZATION_ACTIONS}. */
export type OrganizationAction = (typeof ORGANIZATION_ACTIONS)[number];

/** Platform-wide roles: both may do anything to any organization. */
export const PLATFORM_ROLES = ["super_admin", "admin"] as const;
/** One of {@link PLATFORM_ROLES}. */
export type PlatformRole = (typeof PLATFORM_ROLES)[number];

/** Built-in usergroup roles: `everyone` applies to every subject (guests too), `registered` to registered users and agents. */
export const BUILT_IN_USERGROUPS = ["everyone", "registered"] as const;
/** One of {@link BUILT_IN_USERGROUPS}. */
export type BuiltInUsergroup = (typeof BUILT_IN_USERGROUPS)[number];

/** The kinds of known person: portal users and helpdesk agents (staff). */
export const USER_KINDS = ["user", "agent"] as const;
/** One of {@link USER_KINDS}. */
export type UserKind = (typeof USER_KINDS)[number];

/** Organization status: a discontinued organization is soft-deleted (its memberships are dormant). */
export const ORGANIZATION_STATUSES = ["active", "discontinued"] as const;
/** One of {@link ORGANIZATION_STATUSES}. */
export type OrganizationStatus = (typeof ORGANIZATION_STATUSES)[number];

/** The note rules of a staff profile (seed 004: "notes created by logged in user" vs "by any user"). */
export const NOTE_RULES = ["editOwn", "deleteOwn", "editAny", "deleteAny"] as const;
/** One of {@link NOTE_RULES}. */
export type NoteRule = (typeof NOTE_RULES)[number];

/**
 * The organization role whose holders see every ticket of the organization, unless the
 * snapshot's `roles` says otherwise (see {@link PolicyRoleRule}).
 */
export const MANAGER_ROLE = "manager";
/** The organization role a membership gets when the snapshot omits `role`. */
export const DEFAULT_MEMBER_ROLE = "member";

/**
 * A usergroup: a named set of permissions. Members get them through their own
 * `usergroupIds`, through an organization linked to the group, or automatically when
 * the group is built in (`everyone`, `registered`).
 */
export interface PolicyUsergroup<P extends string = string> {
  /** The usergroup's id, as users' and organizations' `usergroupIds` name it. */
  readonly id: string;
  /** Display name (used in explanations). Default: the id. */
  readonly name?: string;
  /** The permissions the group grants. */
  readonly permissions: readonly P[];
  /** Makes the group apply automatically: to everyone (guests too) or to every registered user. */
  readonly builtIn?: BuiltInUsergroup | null;
}

/** Note rules of a staff profile; every rule defaults to `false`. */
export type PolicyNoteRules = { readonly [R in NoteRule]?: boolean };

/**
 * A staff profile (seed 004): whether its agents may add organizations, what they may
 * do to an organization in each exact state combination, and which notes they may
 * edit or delete.
 *
 * `organizations` maps a combination key to the actions it allows: the key is the
 * organization's flags joined with `+` in any order (`"service+outreach"`), or `"none"`
 * for an organization with no flag. A missing key allows nothing.
 */
export interface PolicyStaffProfile {
  /** The profile's id, as users' `profileId` names it. */
  readonly id: string;
  /** Display name (used in explanations). Default: the id. */
  readonly name?: string;
  /** May add (create) organizations. Default `false`. */
  readonly add?: boolean;
  /** Per exact state combination, the allowed actions. */
  readonly organizations?: Readonly<Record<string, readonly OrganizationAction[]>>;
  /** Which notes its agents may edit or delete (own or any); every rule defaults to `false`. */
  readonly notes?: PolicyNoteRules;
}

/** The facts about one organization that checks need. */
export interface PolicyOrganization {
  /** The organization's id. */
  readonly id: string;
  /** The parent organization, or `null`/absent for a root. Must name an organization of the snapshot. */
  readonly parentId?: string | null;
  /** The organization's state flags (each one of the snapshot's `stateFlags`). Default none. */
  readonly states?: readonly string[];
  /** Usergroups linked to the organization: its members get their permissions. */
  readonly usergroupIds?: readonly string[];
  /** Roles this organization's admins may assign. */
  readonly allowedRoles?: readonly string[];
  /** Apps this organization's admins may use. */
  readonly allowedApps?: readonly string[];
  /** Default `"active"`. */
  readonly status?: OrganizationStatus;
}

/** A known person: a portal user or an agent (staff). Guests are not listed. */
export interface PolicyUser {
  /** The user's id, as checks name the subject. */
  readonly id: string;
  /** Default `"user"`. */
  readonly kind?: UserKind;
  /** Registered users get the `registered` built-in groups. Default `false`. */
  readonly registered?: boolean;
  /** The user's own usergroups. */
  readonly usergroupIds?: readonly string[];
  /** `super_admin` or `admin` for a platform administrator; `null` or absent for anyone else. */
  readonly platformRole?: PlatformRole | null;
  /** The staff profile; honoured for agents only. */
  readonly profileId?: string | null;
}

/** A user's membership of an organization. At most one per (user, organization). */
export interface PolicyMembership {
  /** The member; must name a user of the snapshot. */
  readonly userId: string;
  /** The organization; must name an organization of the snapshot. */
  readonly organizationId: string;
  /** Organization role: `member`, `manager` or a custom role. Default `"member"`. */
  readonly role?: string;
  /** Organization admin flag. Default `false`. */
  readonly admin?: boolean;
}

/**
 * How far what a membership confers reaches down the tree: `"none"` (the organization
 * itself only, the default) or `"descendants"` (also every organization below it, until
 * a discontinued organization stops it).
 */
export const CASCADE_MODES = ["none", "descendants"] as const;
/** One of {@link CASCADE_MODES}. */
export type CascadeMode = (typeof CASCADE_MODES)[number];

/**
 * What an organization role confers, in the snapshot's `roles`. A role the snapshot does
 * not list confers what a plain member has (read the organization, access its
 * resources); `manager` sees the organization's tickets unless its rule says
 * `seesOrganizationTickets: false`.
 *
 * With `cascade: "descendants"` the role's members also read every organization below
 * theirs and access its resources, and, when the role sees tickets, see its tickets. A
 * cascade reaches an organization X from a membership of O when X is a proper
 * descendant of O and no organization on the way from O (exclusive) down to X
 * (inclusive) is discontinued.
 *
 * @example
 * ```json
 * { "manager": { "seesOrganizationTickets": true, "cascade": "descendants" }, "auditor": { "cascade": "descendants" } }
 * ```
 */
export interface PolicyRoleRule {
  /** Members with this role see every ticket of the organization. Default `true` for `manager`, `false` for any other role. */
  readonly seesOrganizationTickets?: boolean;
  /** Default `"none"`. */
  readonly cascade?: CascadeMode;
}

/**
 * What the organization admin flag confers beyond the organization itself, in the
 * snapshot's `admins`. With `cascade: "descendants"`, an admin of O also manages the
 * plain members of every organization below O (never their admins, never platform
 * admins), assigns their `allowedRoles`, uses their `allowedApps`, and reads them; the
 * same discontinued organizations stop it as stop a role's cascade.
 */
export interface PolicyAdminRule {
  /** Default `"none"`. */
  readonly cascade?: CascadeMode;
}

/** Ownership of a resource (asset, system, any host kind) by one organization. */
export interface PolicyResource {
  /** The host's kind of resource, e.g. `asset` or `system`. */
  readonly kind: string;
  /** The resource's id within its kind. */
  readonly id: string;
  /** The owning organization; must name an organization of the snapshot. */
  readonly organizationId: string;
}

/**
 * Everything the evaluators know, as plain data. `P` is the permission catalogue:
 * give it (or let TypeScript infer it from the usergroups) and every `can` call
 * autocompletes.
 *
 * @example
 * ```ts
 * const snapshot: PolicySnapshot<"kb.read" | "chat.support"> = {
 *   schemaVersion: 1,
 *   version: 42,
 *   stateFlags: ["service", "outreach", "opportunities"],
 *   usergroups: [
 *     { id: "everyone", name: "Everyone", permissions: ["kb.read"], builtIn: "everyone" },
 *     { id: "vip", name: "VIPs", permissions: ["chat.support"] },
 *   ],
 *   users: [{ id: "u1", registered: true, usergroupIds: ["vip"] }],
 * };
 * ```
 */
export interface PolicySnapshot<P extends string = string> {
  /** Must be {@link POLICY_SNAPSHOT_SCHEMA_VERSION}. */
  readonly schemaVersion: typeof POLICY_SNAPSHOT_SCHEMA_VERSION;
  /** The data version (a non-negative integer the host increases on every change); services refresh when it changes. */
  readonly version: number;
  /** The organization state flags. Default {@link DEFAULT_STATE_FLAGS}. */
  readonly stateFlags?: readonly string[];
  /** The permission catalogue. When given, every usergroup permission must be in it. */
  readonly permissions?: readonly P[];
  /** Every usergroup, built-in ones included. Default none. */
  readonly usergroups?: readonly PolicyUsergroup<P>[];
  /** Every staff profile. Default none. */
  readonly profiles?: readonly PolicyStaffProfile[];
  /** Every organization, with its place in the tree. Default none. */
  readonly organizations?: readonly PolicyOrganization[];
  /** Every known person (guests are not listed). Default none. */
  readonly users?: readonly PolicyUser[];
  /** Every membership, at most one per (user, organization). Default none. */
  readonly memberships?: readonly PolicyMembership[];
  /** Every resource's owning organization, at most one per (kind, id). Default none. */
  readonly resources?: readonly PolicyResource[];
  /**
   * What organization roles confer, by role name (see {@link PolicyRoleRule}). Default:
   * `manager` sees its organization's tickets, every other role is plain, nothing
   * cascades. Part of the snapshot only: changes (`withChanges`) do not alter it.
   */
  readonly roles?: Readonly<Record<string, PolicyRoleRule>>;
  /** What the organization admin flag confers beyond its organization (see {@link PolicyAdminRule}). Default: no cascade. */
  readonly admins?: PolicyAdminRule;
}
