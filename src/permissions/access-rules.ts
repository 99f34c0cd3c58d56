/**
 * Access rules: what organization roles and the admin flag confer — which roles see
 * their organization's tickets, and which roles (and whether the admin flag) cascade to
 * the organizations below. Read from the snapshot's `roles` and `admins`, or built from
 * typed rules by the service; compiled into role flags a subject resolution reads once
 * per membership.
 *
 * @module
 */
import { invalidSnapshot, readEnum, readFlag, readId, readObject, type SnapshotPath } from "./snapshot-reader.js";
import { CASCADE_MODES, MANAGER_ROLE, MAX_ID_LENGTH, type PolicyAdminRule, type PolicyRoleRule } from "./snapshot.js";

/** Role flag: members with the role see every ticket of the organization. */
export const ROLE_SEES_TICKETS = 1;
/** Role flag: what the role confers reaches the organizations below (`cascade: "descendants"`). */
export const ROLE_CASCADES = 2;

/** Membership flag of a resolved subject: an org admin. */
export const MEMBER_ADMIN = 1;
/** Membership flag of a resolved subject: its role sees the organization's tickets. */
export const MEMBER_SEES_TICKETS = 2;

/** The compiled access rules of a policy. */
export interface AccessRules {
  /** Role name to {@link ROLE_SEES_TICKETS} / {@link ROLE_CASCADES} bits; a role not in the map has none. */
  readonly roles: ReadonlyMap<string, number>;
  /** The admin flag cascades to descendants. */
  readonly adminCascades: boolean;
  /** Some role, or the admin flag, cascades: only then is the tree numbered. */
  readonly cascades: boolean;
}

/** The rules of a snapshot without `roles` and `admins`: `manager` sees its organization's tickets, nothing cascades. */
export const DEFAULT_ACCESS_RULES: AccessRules = Object.freeze({
  roles: new Map([[MANAGER_ROLE, ROLE_SEES_TICKETS]]),
  adminCascades: false,
  cascades: false,
});

/** The flags of `role` (0 for a plain role). */
export function roleFlagsOf(rules: AccessRules, role: string): number {
  return rules.roles.get(role) ?? 0;
}

/** The flags of one role rule; `seesOrganizationTickets` defaults to true for `manager` only. */
function flagsOf(role: string, seesTickets: boolean | undefined, cascade: string | undefined): number {
  const sees = seesTickets ?? role === MANAGER_ROLE;
  return (sees ? ROLE_SEES_TICKETS : 0) | (cascade === "descendants" ? ROLE_CASCADES : 0);
}

function build(roles: Map<string, number>, adminCascades: boolean): AccessRules {
  if (!roles.has(MANAGER_ROLE)) roles.set(MANAGER_ROLE, ROLE_SEES_TICKETS);
  let cascades = adminCascades;
  for (const flags of roles.values()) if ((flags & ROLE_CASCADES) !== 0) cascades = true;
  return { roles, adminCascades, cascades };
}

/**
 * Reads the snapshot's untrusted `roles` (`INVALID_SNAPSHOT` at `roles.<role>.cascade`…):
 * role name to flags, `undefined` when absent.
 */
export function readRoleRules(roles: unknown): Map<string, number> | undefined {
  if (roles === undefined) return undefined;
  const flags = new Map<string, number>();
  const table = readObject(roles, ["roles"]);
  for (const role of Object.keys(table)) {
    const path: SnapshotPath = ["roles", role];
    readId(role, ["roles"], role);
    const rule = readObject(table[role], path);
    const sees = rule.seesOrganizationTickets === undefined ? undefined : readFlag(rule.seesOrganizationTickets, path, "seesOrganizationTickets");
    flags.set(role, flagsOf(role, sees, readEnum(rule.cascade, CASCADE_MODES, "none", path, "cascade")));
  }
  return flags;
}

/** Reads the snapshot's untrusted `admins` (`INVALID_SNAPSHOT` at `admins.cascade`…): whether the admin flag cascades, `undefined` when absent. */
export function readAdminRule(admins: unknown): boolean | undefined {
  if (admins === undefined) return undefined;
  const rule = readObject(admins, ["admins"]);
  return readEnum(rule.cascade, CASCADE_MODES, "none", ["admins"], "cascade") === "descendants";
}

/** The rules of what {@link readRoleRules} and {@link readAdminRule} read; both `undefined`: {@link DEFAULT_ACCESS_RULES}. */
export function compileAccessRules(roles: Map<string, number> | undefined, adminCascades: boolean | undefined): AccessRules {
  if (roles === undefined && adminCascades === undefined) return DEFAULT_ACCESS_RULES;
  return build(roles ?? new Map(), adminCascades ?? false);
}

/**
 * The rules of typed `roles` and `admins` from a trusted caller (the service, which
 * validated them): the same meaning as {@link readRoleRules} and {@link readAdminRule},
 * nothing re-read. A role
 * name that is not an id is still refused (`INVALID_SNAPSHOT` at `roles`), as the
 * untrusted road refuses it.
 */
export function accessRulesOf(roles: Readonly<Record<string, PolicyRoleRule>> | undefined, admins: PolicyAdminRule | undefined): AccessRules {
  if (roles === undefined && admins === undefined) return DEFAULT_ACCESS_RULES;
  const flags = new Map<string, number>();
  for (const [role, rule] of Object.entries(roles ?? {})) {
    if (role.length === 0 || role.length > MAX_ID_LENGTH) invalidSnapshot(["roles"], `a role name must be 1 to ${MAX_ID_LENGTH} characters`, role);
    flags.set(role, flagsOf(role, rule.seesOrganizationTickets, rule.cascade));
  }
  return build(flags, admins?.cascade === "descendants");
}
