/**
 * Readers for the facts of a snapshot, one per kind of fact. `compilePolicy` reads a
 * whole snapshot with them and `Policy.withChanges` reads single facts with them, so a
 * fact is validated the same way whichever road it takes.
 *
 * @module
 */
import { invalidSnapshot, readEnum, readFlag, readId, readIdList, readObject, readOptionalArray, readOptionalId, readOptionalString, type SnapshotPath } from "./snapshot-reader.js";
import { parseCombinationKey, readStateMask, type StateSpace } from "./state-combinations.js";
import {
  BUILT_IN_USERGROUPS,
  DEFAULT_MEMBER_ROLE,
  NOTE_RULES,
  ORGANIZATION_ACTIONS,
  ORGANIZATION_STATUSES,
  PLATFORM_ROLES,
  USER_KINDS,
  type BuiltInUsergroup,
  type NoteRule,
  type OrganizationAction,
  type PlatformRole,
  type UserKind,
} from "./snapshot.js";

/** A validated usergroup. */
export interface UsergroupFact {
  readonly id: string;
  readonly name: string;
  readonly permissions: readonly string[];
  readonly builtIn: BuiltInUsergroup | null;
}

/** A validated staff profile, compiled: `cells[mask]` holds the action bits of a combination. */
export interface ProfileFact {
  readonly id: string;
  readonly name: string;
  readonly add: boolean;
  /** Indexed by state mask; length `space.size + 1`, the last cell (unknown organization) always 0. */
  readonly cells: Uint8Array;
  readonly notes: Readonly<Record<NoteRule, boolean>>;
}

/** A validated organization. */
export interface OrganizationFact {
  readonly id: string;
  readonly parentId: string | null;
  readonly mask: number;
  readonly usergroupIds: readonly string[];
  readonly allowedRoles: readonly string[];
  readonly allowedApps: readonly string[];
  readonly active: boolean;
}

/** A validated user. */
export interface UserFact {
  readonly id: string;
  readonly kind: UserKind;
  readonly registered: boolean;
  readonly usergroupIds: readonly string[];
  readonly platformRole: PlatformRole | null;
  readonly profileId: string | null;
}

/** A validated membership. */
export interface MembershipFact {
  readonly userId: string;
  readonly organizationId: string;
  readonly role: string;
  readonly admin: boolean;
}

/** A validated resource ownership. */
export interface ResourceFact {
  readonly kind: string;
  readonly id: string;
  readonly organizationId: string;
}

/** Bit of each action in a profile cell. */
export const ACTION_BIT: Readonly<Record<OrganizationAction, number>> = { read: 1, edit: 2, delete: 4 };

/** True when `value` is one of {@link ORGANIZATION_ACTIONS}. */
export function isOrganizationAction(value: unknown): value is OrganizationAction {
  return value === "read" || value === "edit" || value === "delete";
}

/** Reads one usergroup; `catalogue`, when given, is the set of permitted permission names. */
export function readUsergroupFact(value: unknown, path: SnapshotPath, catalogue: ReadonlySet<string> | null): UsergroupFact {
  const o = readObject(value, path);
  const id = readId(o.id, path, "id");
  const permissions = readIdList(o.permissions, path, "permissions");
  if (catalogue !== null) {
    permissions.forEach((permission, i) => {
      if (!catalogue.has(permission)) invalidSnapshot([...path, "permissions", i], `"${permission}" is not in the snapshot's permission catalogue`, permission);
    });
  }
  return {
    id,
    name: readOptionalString(o.name, id, path, "name"),
    permissions,
    builtIn: readEnum(o.builtIn, BUILT_IN_USERGROUPS, null, path, "builtIn"),
  };
}

/** Reads one staff profile and compiles its state table. */
export function readProfileFact(value: unknown, path: SnapshotPath, space: StateSpace): ProfileFact {
  const o = readObject(value, path);
  const id = readId(o.id, path, "id");
  const cells = new Uint8Array(space.size + 1);
  if (o.organizations !== undefined) {
    const table = readObject(o.organizations, path, "organizations");
    const seen = new Map<number, string>();
    for (const key of Object.keys(table)) {
      const keyPath = [...path, "organizations", key];
      const mask = parseCombinationKey(key, space, keyPath);
      const earlier = seen.get(mask);
      if (earlier !== undefined) invalidSnapshot(keyPath, `same combination as "${earlier}"`, key);
      seen.set(mask, key);
      const actions = readOptionalArray(table[key], keyPath);
      let bits = 0;
      for (let i = 0; i < actions.length; i++) {
        const action = actions[i];
        if (!isOrganizationAction(action)) invalidSnapshot([...keyPath, i], `must be one of ${ORGANIZATION_ACTIONS.map((a) => `"${a}"`).join(", ")}`, action);
        bits |= ACTION_BIT[action];
      }
      cells[mask] = bits;
    }
  }
  const notes = { editOwn: false, deleteOwn: false, editAny: false, deleteAny: false };
  if (o.notes !== undefined) {
    const n = readObject(o.notes, path, "notes");
    const notesPath = [...path, "notes"];
    for (const rule of NOTE_RULES) notes[rule] = readFlag(n[rule], notesPath, rule);
  }
  return { id, name: readOptionalString(o.name, id, path, "name"), add: readFlag(o.add, path, "add"), cells, notes };
}

/** Reads one organization (references are checked by the caller). */
export function readOrganizationFact(value: unknown, path: SnapshotPath, space: StateSpace): OrganizationFact {
  const o = readObject(value, path);
  return {
    id: readId(o.id, path, "id"),
    parentId: readOptionalId(o.parentId, path, "parentId"),
    mask: o.states === undefined ? 0 : readStateMask(o.states, space, [...path, "states"]),
    usergroupIds: readIdList(o.usergroupIds, path, "usergroupIds"),
    allowedRoles: readIdList(o.allowedRoles, path, "allowedRoles"),
    allowedApps: readIdList(o.allowedApps, path, "allowedApps"),
    active: readEnum(o.status, ORGANIZATION_STATUSES, "active", path, "status") === "active",
  };
}

/** Reads one user. */
export function readUserFact(value: unknown, path: SnapshotPath): UserFact {
  const o = readObject(value, path);
  return {
    id: readId(o.id, path, "id"),
    kind: readEnum(o.kind, USER_KINDS, "user", path, "kind"),
    registered: readFlag(o.registered, path, "registered"),
    usergroupIds: readIdList(o.usergroupIds, path, "usergroupIds"),
    platformRole: readEnum(o.platformRole, PLATFORM_ROLES, null, path, "platformRole"),
    profileId: readOptionalId(o.profileId, path, "profileId"),
  };
}

/** Reads one membership (references are checked by the caller). */
export function readMembershipFact(value: unknown, path: SnapshotPath): MembershipFact {
  const o = readObject(value, path);
  return {
    userId: readId(o.userId, path, "userId"),
    organizationId: readId(o.organizationId, path, "organizationId"),
    role: o.role === undefined ? DEFAULT_MEMBER_ROLE : readId(o.role, path, "role"),
    admin: readFlag(o.admin, path, "admin"),
  };
}

/** Reads one resource ownership (references are checked by the caller). */
export function readResourceFact(value: unknown, path: SnapshotPath): ResourceFact {
  const o = readObject(value, path);
  return {
    kind: readId(o.kind, path, "kind"),
    id: readId(o.id, path, "id"),
    organizationId: readId(o.organizationId, path, "organizationId"),
  };
}

/**
 * The key of a resource in the ownership table. The kind's length comes first, so
 * that no two (kind, id) pairs share a key: a separator character would let kind
 * `"a\u0000b"` with id `"c"` collide with kind `"a"` and id `"b\u0000c"` (ids may hold
 * any character).
 */
export function resourceKey(kind: string, id: string): string {
  return `${kind.length}:${kind}${id}`;
}
