/**
 * The compiled form of a policy snapshot: dense ids, bitsets and lookup maps. Every
 * check reads these tables; nothing here is mutated after it is built (a change builds
 * new tables that share the unchanged parts, see `changes.ts`).
 *
 * @module
 */
import { compileAccessRules, DEFAULT_ACCESS_RULES, readAdminRule, readRoleRules, type AccessRules } from "./access-rules.js";
import { orInto, setBit, wordsFor } from "./bitset.js";
import { LayeredMap } from "./layered-map.js";
import {
  readMembershipFact,
  readOrganizationFact,
  readProfileFact,
  readResourceFact,
  readUserFact,
  readUsergroupFact,
  resourceKey,
  type MembershipFact,
  type OrganizationFact,
  type ProfileFact,
  type ResourceFact,
  type UserFact,
  type UsergroupFact,
} from "./read-facts.js";
import { invalidSnapshot, readId, readObject, readOptionalArray, rethrowAsInvalidSnapshot, type SnapshotPath } from "./snapshot-reader.js";
import { POLICY_SNAPSHOT_SCHEMA_VERSION, type PlatformRole, type UserKind } from "./snapshot.js";
import { createStateSpace, readStateFlags, type StateSpace } from "./state-combinations.js";
import { TreeNumberingCache } from "./tree-numbering.js";

/** Permission names and their dense ids. Ids are never reused, so a bitset stays valid as names are added. */
export interface PermissionTable {
  readonly names: readonly string[];
  readonly indexOf: ReadonlyMap<string, number>;
  /** The snapshot's declared catalogue, or `null` when it declared none (any name is accepted). */
  readonly catalogue: ReadonlySet<string> | null;
}

/**
 * Usergroups by dense id. A group id referenced by a user or an organization but not
 * defined (or since removed) still has an index, with no permissions: such a reference
 * grants nothing, and starts granting when the group is defined.
 */
export interface GroupTable {
  readonly ids: readonly string[];
  readonly indexOf: ReadonlyMap<string, number>;
  /** The definition of each group, `null` when undefined. */
  readonly facts: readonly (UsergroupFact | null)[];
  /** Words per permission set. */
  readonly words: number;
  /** Permission bits of group g at `[g * words, (g + 1) * words)`. */
  readonly bits: Uint32Array;
  /** Groups built in as `everyone` / `registered`. */
  readonly everyone: Int32Array;
  readonly registered: Int32Array;
}

/** An organization as the evaluators see it. */
export interface OrganizationRecord {
  readonly id: string;
  /** Dense id; stable for the life of the policy and its changed versions. */
  readonly index: number;
  readonly parentId: string | null;
  /** State mask (bit i = flag i); for the "unknown organization" record, `space.size`. */
  readonly mask: number;
  /** Linked usergroups, as group indices. */
  readonly groups: Int32Array;
  readonly allowedRoles: readonly string[];
  readonly allowedApps: readonly string[];
  readonly active: boolean;
  readonly children: readonly string[];
}

/** One membership of a user. */
export interface MembershipRecord {
  readonly organizationId: string;
  readonly orgIndex: number;
  readonly role: string;
  readonly admin: boolean;
}

/** A user or agent as the evaluators see it. */
export interface UserRecord {
  readonly id: string;
  readonly kind: UserKind;
  readonly registered: boolean;
  readonly platformRole: PlatformRole | null;
  readonly profileId: string | null;
  /** Own usergroups, as group indices. */
  readonly groups: Int32Array;
  /** Sorted by `orgIndex` (checks binary-search it). */
  readonly memberships: readonly MembershipRecord[];
}

/** Everything compiled from a snapshot. */
export interface PolicyTables {
  readonly version: number;
  readonly space: StateSpace;
  readonly permissions: PermissionTable;
  readonly groups: GroupTable;
  readonly profiles: ReadonlyMap<string, ProfileFact>;
  /** Organizations by id; `packed(id)` is {@link packOrganization} of the record. */
  readonly organizations: LayeredMap<string, OrganizationRecord>;
  /** The next free organization index. */
  readonly organizationCount: number;
  readonly users: LayeredMap<string, UserRecord>;
  /** `resourceKey(kind, id)` to the owning organization's id. */
  readonly resources: LayeredMap<string, string>;
  /** Stands in for an organization the policy does not know: index -1, and a mask whose profile cell is always empty. */
  readonly unknownOrganization: OrganizationRecord;
  /** The profile cells of a subject without a staff profile (all empty). */
  readonly noCells: Uint8Array;
  /** What roles and the admin flag confer (the snapshot's `roles` and `admins`); never changed by `withChanges`. */
  readonly rules: AccessRules;
  /** The depth-first numbering of the organization forest, computed on first use (only cascades need it). */
  readonly tree: TreeNumberingCache;
}

/**
 * An organization's index and state mask in one number, `index * stride + mask` with
 * `stride` = {@link organizationStride}: what the organizations table keeps packed
 * beside each record (`organizations.packed(id)`), so that `canOnOrganization` by id
 * reads a number instead of a record. A small integer (no allocation) below 2^30
 * (67 million organizations with three state flags); beyond that still exact, only slower.
 */
export function packOrganization(space: StateSpace): (record: OrganizationRecord) => number {
  const stride = organizationStride(space);
  return (record) => record.index * stride + record.mask;
}

/**
 * The factor of the index in a packed organization: the power of two above every mask
 * (the unknown organization's too), so the mask is `packed & (stride - 1)` — exact for
 * any packed value below 2^53, since `&` keeps the low 32 bits — with no division.
 */
export function organizationStride(space: StateSpace): number {
  // `| 0`: `space.size` comes from `2 ** n`, a heap number, and so would every packed value.
  return (space.size * 2) | 0;
}

/** The record used for organizations the policy does not know (see {@link PolicyTables.unknownOrganization}). */
export function unknownOrganizationRecord(space: StateSpace): OrganizationRecord {
  // `| 0`: as a small integer, like every other record's mask (`space.size`, from `2 ** n`,
  // is a heap number, which would turn the `mask` field of every record into a boxed double).
  return { id: "", index: -1, parentId: null, mask: space.size | 0, groups: new Int32Array(0), allowedRoles: [], allowedApps: [], active: false, children: [] };
}

/** Group indices of an empty list: shared by every user and organization without usergroups (most of them, at a million users). */
export const NO_GROUPS = new Int32Array(0);
const NO_MEMBERSHIPS: readonly MembershipRecord[] = Object.freeze([]);

/** A mutable permission table used while compiling or applying changes. */
export class PermissionTableBuilder {
  readonly names: string[];
  readonly indexOf: Map<string, number>;

  /** Starts from `from` (a copy), or from the catalogue's names in order. */
  constructor(
    readonly catalogue: ReadonlySet<string> | null,
    from?: PermissionTable,
  ) {
    this.names = from ? [...from.names] : [];
    this.indexOf = from ? new Map(from.indexOf) : new Map();
    if (!from && catalogue) for (const name of catalogue) this.intern(name);
  }

  /** The id of `name`, allocating one if new. */
  intern(name: string): number {
    let id = this.indexOf.get(name);
    if (id === undefined) {
      id = this.names.length;
      this.names.push(name);
      this.indexOf.set(name, id);
    }
    return id;
  }

  /** The finished table (shares this builder's arrays: do not use the builder afterwards). */
  build(): PermissionTable {
    return { names: this.names, indexOf: this.indexOf, catalogue: this.catalogue };
  }
}

/** A mutable group table used while compiling or applying changes. */
export class GroupTableBuilder {
  readonly ids: string[];
  readonly indexOf: Map<string, number>;
  readonly facts: (UsergroupFact | null)[];

  /** Starts from a copy of `from`, or empty. */
  constructor(from?: GroupTable) {
    this.ids = from ? [...from.ids] : [];
    this.indexOf = from ? new Map(from.indexOf) : new Map();
    this.facts = from ? [...from.facts] : [];
  }

  /** The index of group `id`, allocating an undefined group if new. */
  ref(id: string): number {
    let index = this.indexOf.get(id);
    if (index === undefined) {
      index = this.ids.length;
      this.ids.push(id);
      this.facts.push(null);
      this.indexOf.set(id, index);
    }
    return index;
  }

  /** Group indices of a list of ids. */
  refs(ids: readonly string[]): Int32Array {
    if (ids.length === 0) return NO_GROUPS;
    const out = new Int32Array(ids.length);
    for (let i = 0; i < ids.length; i++) out[i] = this.ref(ids[i]!);
    return out;
  }

  /** True when group `id` has a definition (not merely a reference). */
  isDefined(id: string): boolean {
    const index = this.indexOf.get(id);
    return index !== undefined && this.facts[index] !== null;
  }

  /** Adds or replaces the definition of a group. */
  define(fact: UsergroupFact): void {
    this.facts[this.ref(fact.id)] = fact;
  }

  /** Removes a group's definition; references to it keep their index and grant nothing. */
  undefine(id: string): void {
    const index = this.indexOf.get(id);
    if (index !== undefined) this.facts[index] = null;
  }

  /** Builds the bitsets; interns every granted permission into `permissions`. */
  build(permissions: PermissionTableBuilder): GroupTable {
    for (const fact of this.facts) if (fact) for (const name of fact.permissions) permissions.intern(name);
    const words = wordsFor(permissions.names.length);
    const bits = new Uint32Array(this.ids.length * words);
    const everyone: number[] = [];
    const registered: number[] = [];
    this.facts.forEach((fact, g) => {
      if (!fact) return;
      const set = bits.subarray(g * words, (g + 1) * words);
      for (const name of fact.permissions) setBit(set, permissions.indexOf.get(name)!);
      if (fact.builtIn === "everyone") everyone.push(g);
      else if (fact.builtIn === "registered") registered.push(g);
    });
    return {
      ids: this.ids,
      indexOf: this.indexOf,
      facts: this.facts,
      words,
      bits,
      everyone: Int32Array.from(everyone),
      registered: Int32Array.from(registered),
    };
  }
}

/** ORs the permission bits of groups `indices` into `target`. */
export function orGroups(target: Uint32Array, groups: GroupTable, indices: Int32Array): void {
  const words = groups.words;
  for (let i = 0; i < indices.length; i++) orInto(target, groups.bits, indices[i]! * words, words);
}

/** Turns usergroup ids into group indices. */
export type GroupRefs = (ids: readonly string[]) => Int32Array;

/** Builds an organization record from a validated fact. */
export function organizationRecord(fact: OrganizationFact, index: number, refs: GroupRefs, children: readonly string[]): OrganizationRecord {
  return {
    id: fact.id,
    index,
    parentId: fact.parentId,
    mask: fact.mask,
    groups: refs(fact.usergroupIds),
    allowedRoles: fact.allowedRoles,
    allowedApps: fact.allowedApps,
    active: fact.active,
    children,
  };
}

/** Builds a user record from a validated fact and its memberships (sorted here). */
export function userRecord(fact: UserFact, refs: GroupRefs, memberships: MembershipRecord[]): UserRecord {
  if (memberships.length > 1) memberships.sort((a, b) => a.orgIndex - b.orgIndex);
  return {
    id: fact.id,
    kind: fact.kind,
    registered: fact.registered,
    platformRole: fact.platformRole,
    profileId: fact.profileId,
    groups: refs(fact.usergroupIds),
    memberships: memberships.length === 0 ? NO_MEMBERSHIPS : memberships,
  };
}

/** Reads the snapshot's data `version`: a non-negative safe integer. */
export function readVersion(value: unknown, path: SnapshotPath): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) invalidSnapshot(path, "must be a non-negative integer", value);
  return value;
}

/**
 * Validates a snapshot and compiles it. Throws `INVALID_SNAPSHOT` (with `details.path`)
 * on the first malformed part: a wrong type, a duplicate id, a membership, resource or
 * parent naming an organization or user the snapshot does not hold, or a parent cycle.
 * References to usergroups and profiles may dangle: they grant nothing.
 */
export function compileTables(input: unknown): PolicyTables {
  const at: ReadCursor = { section: null, index: -1 };
  try {
    return compileTablesAt(input, at);
  } catch (error) {
    // A getter or proxy trap of an exotic input threw: report where, as INVALID_SNAPSHOT.
    return rethrowAsInvalidSnapshot(error, at.section === null ? [] : at.index < 0 ? [at.section] : [at.section, at.index]);
  }
}

/** Where {@link compileTablesAt} is reading: a top-level field and an index in it (-1: the field itself). */
interface ReadCursor {
  section: string | null;
  index: number;
}

function compileTablesAt(input: unknown, at: ReadCursor): PolicyTables {
  const root = readObject(input, []);
  at.section = "schemaVersion";
  if (root.schemaVersion !== POLICY_SNAPSHOT_SCHEMA_VERSION) {
    invalidSnapshot(["schemaVersion"], `must be ${POLICY_SNAPSHOT_SCHEMA_VERSION} (this orgkit reads snapshot schema version ${POLICY_SNAPSHOT_SCHEMA_VERSION})`, root.schemaVersion);
  }
  at.section = "version";
  const version = readVersion(root.version, ["version"]);
  at.section = "stateFlags";
  const space = createStateSpace(readStateFlags(root.stateFlags, ["stateFlags"]));
  at.section = "roles";
  const roles = readRoleRules(root.roles);
  at.section = "admins";
  const rules = compileAccessRules(roles, readAdminRule(root.admins));

  let catalogue: Set<string> | null = null;
  at.section = "permissions";
  if (root.permissions !== undefined) {
    const list = readOptionalArray(root.permissions, [], "permissions");
    catalogue = new Set();
    for (let i = 0; i < list.length; i++) {
      at.index = i;
      catalogue.add(readId(list[i], ["permissions"], i));
    }
  }
  const builder = new TablesBuilder(version, space, catalogue, rules);

  enter(at, "usergroups");
  const usergroupList = readOptionalArray(root.usergroups, [], "usergroups");
  for (let i = 0; i < usergroupList.length; i++) {
    at.index = i;
    builder.usergroup(readUsergroupFact(usergroupList[i], ["usergroups", i], catalogue), i);
  }
  enter(at, "profiles");
  const profileList = readOptionalArray(root.profiles, [], "profiles");
  for (let i = 0; i < profileList.length; i++) {
    at.index = i;
    builder.profile(readProfileFact(profileList[i], ["profiles", i], space), i);
  }
  enter(at, "organizations");
  const organizationList = readOptionalArray(root.organizations, [], "organizations");
  for (let i = 0; i < organizationList.length; i++) {
    at.index = i;
    builder.organization(readOrganizationFact(organizationList[i], ["organizations", i], space), i);
  }
  enter(at, "users");
  const userList = readOptionalArray(root.users, [], "users");
  for (let i = 0; i < userList.length; i++) {
    at.index = i;
    builder.user(readUserFact(userList[i], ["users", i]), i);
  }
  enter(at, "memberships");
  const membershipList = readOptionalArray(root.memberships, [], "memberships");
  for (let i = 0; i < membershipList.length; i++) {
    at.index = i;
    builder.membership(readMembershipFact(membershipList[i], ["memberships", i]), i);
  }
  enter(at, "resources");
  const resourceList = readOptionalArray(root.resources, [], "resources");
  for (let i = 0; i < resourceList.length; i++) {
    at.index = i;
    builder.resource(readResourceFact(resourceList[i], ["resources", i]), i);
  }
  enter(at, "memberships"); // a duplicate membership is looked up again in the raw list
  return builder.build((userId, organizationId) => duplicateMembership(membershipList, userId, organizationId));
}

function enter(at: ReadCursor, section: string): void {
  at.section = section;
  at.index = -1;
}

/** A user whose memberships are still being collected. */
interface PendingUser {
  readonly fact: UserFact;
  readonly memberships: MembershipRecord[];
}

/**
 * The one way facts become tables. `compileTables` feeds it facts it read from an
 * untrusted snapshot; `compileFacts` (`facts.ts`) feeds it typed facts a trusted caller
 * built (the service), so nothing is validated twice. Facts come in this order:
 * usergroups, profiles, organizations, users, memberships, resources; `i` is a fact's
 * position in its list, for error paths. It still checks what no single fact can show —
 * duplicate ids, references to organizations or users it does not hold, parent cycles —
 * with `INVALID_SNAPSHOT` at the fact's path.
 */
export class TablesBuilder {
  private readonly permissions: PermissionTableBuilder;
  private readonly groups = new GroupTableBuilder();
  private readonly profiles = new Map<string, ProfileFact>();
  private readonly orgFacts: OrganizationFact[] = [];
  private readonly orgIndex = new Map<string, number>();
  private children: Map<string, string[]> | null = null;
  // One map holds each user while its memberships are collected, then its record
  // (overwriting values in place): at a million users, a second map costs seconds.
  private readonly users = new Map<string, PendingUser | UserRecord>();
  private readonly resources = new Map<string, string>();

  constructor(
    private readonly version: number,
    private readonly space: StateSpace,
    catalogue: ReadonlySet<string> | null,
    private readonly rules: AccessRules = DEFAULT_ACCESS_RULES,
  ) {
    this.permissions = new PermissionTableBuilder(catalogue);
  }

  usergroup(fact: UsergroupFact, i: number): void {
    if (this.groups.isDefined(fact.id)) invalidSnapshot(["usergroups", i, "id"], `duplicate usergroup id "${fact.id}"`, fact.id);
    this.groups.define(fact);
  }

  profile(fact: ProfileFact, i: number): void {
    if (this.profiles.has(fact.id)) invalidSnapshot(["profiles", i, "id"], `duplicate profile id "${fact.id}"`, fact.id);
    this.profiles.set(fact.id, fact);
  }

  organization(fact: OrganizationFact, i: number): void {
    if (this.orgIndex.has(fact.id)) invalidSnapshot(["organizations", i, "id"], `duplicate organization id "${fact.id}"`, fact.id);
    this.orgIndex.set(fact.id, this.orgFacts.length);
    this.orgFacts.push(fact);
  }

  /** Links every organization to its parent, once all are in (checks references and cycles). */
  private linkOrganizations(): Map<string, string[]> {
    if (this.children !== null) return this.children;
    const facts = this.orgFacts;
    const parentIndex = new Int32Array(facts.length).fill(-1);
    const children = new Map<string, string[]>();
    facts.forEach((fact, i) => {
      if (fact.parentId === null) return;
      const parent = this.orgIndex.get(fact.parentId);
      if (parent === undefined) invalidSnapshot(["organizations", i, "parentId"], `no organization "${fact.parentId}" in the snapshot`, fact.parentId);
      parentIndex[i] = parent;
      const siblings = children.get(fact.parentId);
      if (siblings) siblings.push(fact.id);
      else children.set(fact.parentId, [fact.id]);
    });
    checkAcyclic(facts, parentIndex);
    this.children = children;
    return children;
  }

  user(fact: UserFact, i: number): void {
    this.linkOrganizations();
    if (this.users.has(fact.id)) invalidSnapshot(["users", i, "id"], `duplicate user id "${fact.id}"`, fact.id);
    this.users.set(fact.id, { fact, memberships: [] });
  }

  membership(fact: MembershipFact, i: number): void {
    const user = this.users.get(fact.userId) as PendingUser | undefined;
    if (user === undefined) invalidSnapshot(["memberships", i, "userId"], `no user "${fact.userId}" in the snapshot`, fact.userId);
    const index = this.orgIndex.get(fact.organizationId);
    if (index === undefined) invalidSnapshot(["memberships", i, "organizationId"], `no organization "${fact.organizationId}" in the snapshot`, fact.organizationId);
    user.memberships.push({ organizationId: fact.organizationId, orgIndex: index, role: fact.role, admin: fact.admin });
  }

  resource(fact: ResourceFact, i: number): void {
    if (!this.orgIndex.has(fact.organizationId)) invalidSnapshot(["resources", i, "organizationId"], `no organization "${fact.organizationId}" in the snapshot`, fact.organizationId);
    const key = resourceKey(fact.kind, fact.id);
    if (this.resources.has(key)) invalidSnapshot(["resources", i], `resource ${fact.kind} "${fact.id}" already has an owner (one owner at a time)`);
    this.resources.set(key, fact.organizationId);
  }

  /**
   * The finished tables (do not use the builder afterwards). `duplicate` reports a user
   * listed twice in one organization; by default the error names no index.
   */
  build(duplicate: (userId: string, organizationId: string) => never = duplicateMembershipAnywhere): PolicyTables {
    const children = this.linkOrganizations();
    const groups = this.groups;
    const refs: GroupRefs = (ids) => groups.refs(ids);
    const users = this.users;
    for (const [id, entry] of users) {
      const { fact, memberships } = entry as PendingUser;
      const record = userRecord(fact, refs, memberships);
      for (let k = 1; k < memberships.length; k++) {
        if (memberships[k]!.orgIndex === memberships[k - 1]!.orgIndex) duplicate(id, memberships[k]!.organizationId);
      }
      users.set(id, record);
    }
    const space = this.space;
    const pack = packOrganization(space);
    const organizations = new Map<string, OrganizationRecord>();
    const packed = new Map<string, number>(); // in the same pass: a second pass over the records added a fifth or more to the compile time
    this.orgFacts.forEach((fact, i) => {
      const record = organizationRecord(fact, i, refs, children.get(fact.id) ?? []);
      organizations.set(fact.id, record);
      packed.set(fact.id, pack(record));
    });
    const organizationTable = LayeredMap.of(organizations, pack, packed);
    return {
      version: this.version,
      space,
      permissions: this.permissions.build(),
      groups: groups.build(this.permissions),
      profiles: this.profiles,
      organizations: organizationTable,
      organizationCount: this.orgFacts.length,
      users: LayeredMap.of(users as Map<string, UserRecord>),
      resources: LayeredMap.of(this.resources),
      unknownOrganization: unknownOrganizationRecord(space),
      noCells: new Uint8Array(space.size + 1),
      rules: this.rules,
      tree: TreeNumberingCache.of(organizationTable, this.orgFacts.length),
    };
  }
}

function duplicateMembershipAnywhere(userId: string, organizationId: string): never {
  return invalidSnapshot(["memberships"], `user "${userId}" is listed twice in organization "${organizationId}"`);
}

/** Throws `INVALID_SNAPSHOT` naming the second membership of `userId` in `organizationId` (found by a rescan: errors are rare, memory is not). */
function duplicateMembership(list: readonly unknown[], userId: string, organizationId: string): never {
  let seen = false;
  for (let i = 0; i < list.length; i++) {
    const m = list[i] as { userId: string; organizationId: string };
    if (m.userId !== userId || m.organizationId !== organizationId) continue;
    if (seen) invalidSnapshot(["memberships", i], `user "${userId}" is already a member of organization "${organizationId}"`);
    seen = true;
  }
  return duplicateMembershipAnywhere(userId, organizationId);
}

/** Throws `INVALID_SNAPSHOT` when the parent links contain a cycle (three-colour walk, O(n)). */
function checkAcyclic(facts: readonly OrganizationFact[], parentIndex: Int32Array): void {
  const state = new Uint8Array(facts.length); // 0 unseen, 1 on the current walk, 2 done
  const walk: number[] = [];
  for (let start = 0; start < facts.length; start++) {
    let at = start;
    walk.length = 0;
    while (at !== -1 && state[at] === 0) {
      state[at] = 1;
      walk.push(at);
      at = parentIndex[at]!;
    }
    if (at !== -1 && state[at] === 1) {
      const loop = walk.slice(walk.indexOf(at)).map((i) => facts[i]!.id);
      invalidSnapshot(["organizations", at, "parentId"], `parent links form a cycle: ${[...loop, loop[0]].join(" → ")}`, facts[at]!.parentId);
    }
    for (const i of walk) state[i] = 2;
  }
}
