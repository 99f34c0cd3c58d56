/**
 * Incremental changes to a compiled policy. `Policy.withChanges` applies a batch and
 * returns a new policy that shares every unchanged table with the old one (which stays
 * valid and unchanged). What each change costs:
 *
 * | change | cost | cached subjects dropped |
 * |---|---|---|
 * | `membership.set` / `membership.remove` | O(memberships of the user + √users) | that user |
 * | `user.set` / `user.remove` | O(memberships of the user + √users) | that user |
 * | `organization.set` | O(children of the old and new parent + √organizations); with cascading rules, see `tree-numbering.ts` | cached members of that organization; after a move, addition or status change, cached subjects with cascading memberships |
 * | `resource.set` / `resource.remove` | O(√resources) | none |
 * | `usergroup.set` / `usergroup.remove` | O(usergroups × permissions / 32) | all |
 * | `profile.set` / `profile.remove` | O(profiles + 2^flags) | all |
 *
 * (√n: the overlay of a layered table is merged every ~4√n changes, see `layered-map.ts`.)
 *
 * @module
 */
import { LayeredMapDraft } from "./layered-map.js";
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
import { invalidSnapshot, readId, readObject, rethrowAsInvalidSnapshot, type SnapshotPath } from "./snapshot-reader.js";
import type { PolicyMembership, PolicyOrganization, PolicyResource, PolicyStaffProfile, PolicyUser, PolicyUsergroup } from "./snapshot.js";
import {
  GroupTableBuilder,
  NO_GROUPS,
  PermissionTableBuilder,
  organizationRecord,
  userRecord,
  type GroupRefs,
  type MembershipRecord,
  type OrganizationRecord,
  type PolicyTables,
  type UserRecord,
} from "./tables.js";
import { TreeNumberingCache, type AddedOrganization } from "./tree-numbering.js";

/** The kinds of change, i.e. the `type` field of a {@link PolicyChange}. */
export const POLICY_CHANGE_TYPES = [
  "membership.set",
  "membership.remove",
  "user.set",
  "user.remove",
  "usergroup.set",
  "usergroup.remove",
  "profile.set",
  "profile.remove",
  "organization.set",
  "resource.set",
  "resource.remove",
] as const;
/** One of {@link POLICY_CHANGE_TYPES}. */
export type PolicyChangeType = (typeof POLICY_CHANGE_TYPES)[number];

/**
 * One change to the facts of a policy. `*.set` adds or replaces (a membership of the
 * same user and organization, a user, a usergroup… with the same id); `*.remove` of
 * something absent does nothing, so replaying an event stream is safe.
 *
 * Organizations are never removed (they are discontinued: `organization.set` with
 * `status: "discontinued"`), so memberships and resources never point nowhere.
 * `user.set` keeps the user's memberships; `user.remove` drops them.
 */
export type PolicyChange<P extends string = string> =
  | {
      /** Adds or replaces the membership of its user and organization. */
      readonly type: "membership.set";
      /** The membership as it is now. */
      readonly membership: PolicyMembership;
    }
  | {
      /** Removes the membership of this user and organization. */
      readonly type: "membership.remove";
      /** The member. */
      readonly userId: string;
      /** The organization. */
      readonly organizationId: string;
    }
  | {
      /** Adds or replaces the user (its memberships stay). */
      readonly type: "user.set";
      /** The user as it is now. */
      readonly user: PolicyUser;
    }
  | {
      /** Removes the user and its memberships. */
      readonly type: "user.remove";
      /** The user removed. */
      readonly userId: string;
    }
  | {
      /** Adds or replaces the usergroup. */
      readonly type: "usergroup.set";
      /** The usergroup as it is now. */
      readonly usergroup: PolicyUsergroup<P>;
    }
  | {
      /** Removes the usergroup. */
      readonly type: "usergroup.remove";
      /** The usergroup removed. */
      readonly usergroupId: string;
    }
  | {
      /** Adds or replaces the staff profile. */
      readonly type: "profile.set";
      /** The staff profile as it is now. */
      readonly profile: PolicyStaffProfile;
    }
  | {
      /** Removes the staff profile. */
      readonly type: "profile.remove";
      /** The staff profile removed. */
      readonly profileId: string;
    }
  | {
      /** Adds or replaces the organization (a move, a status change…). */
      readonly type: "organization.set";
      /** The organization as it is now. */
      readonly organization: PolicyOrganization;
    }
  | {
      /** Sets the owner of the resource. */
      readonly type: "resource.set";
      /** The resource and its owning organization. */
      readonly resource: PolicyResource;
    }
  | {
      /** Removes the ownership of the resource. */
      readonly type: "resource.remove";
      /** The resource's kind. */
      readonly kind: string;
      /** The resource's id within its kind. */
      readonly id: string;
    };

/** Which cached subjects a batch of changes made stale. */
export interface Invalidation {
  /** Every cached subject. */
  readonly all: boolean;
  readonly users: ReadonlySet<string>;
  /** Cached subjects with a membership of one of these organizations. */
  readonly organizations: ReadonlySet<string>;
}

/** The new tables and what they made stale. */
export interface ChangeResult {
  readonly tables: PolicyTables;
  readonly invalidation: Invalidation;
}

/**
 * Validates and applies `changes` (`INVALID_SNAPSHOT` with a path like
 * `changes.2.membership.organizationId` on the first bad one; nothing is applied then).
 */
export function applyChanges(tables: PolicyTables, changes: unknown, version: number): ChangeResult {
  let path: SnapshotPath = ["changes"];
  try {
    if (!Array.isArray(changes)) invalidSnapshot(path, "must be an array", changes);
    const batch = new ChangeBatch(tables);
    for (let i = 0; i < changes.length; i++) {
      path = ["changes", i];
      batch.apply(changes[i], path);
    }
    return batch.finish(version);
  } catch (error) {
    // A getter or proxy trap of an exotic change threw: report which change, as INVALID_SNAPSHOT.
    return rethrowAsInvalidSnapshot(error, path);
  }
}

/**
 * One change as typed facts, for a trusted caller (the service) that built them from
 * records it already validated: {@link applyFactChanges} applies them without reading
 * them again. Same kinds and meaning as {@link PolicyChange}.
 */
export type FactChange =
  | { readonly type: "membership.set"; readonly membership: MembershipFact }
  | { readonly type: "membership.remove"; readonly userId: string; readonly organizationId: string }
  | { readonly type: "user.set"; readonly user: UserFact }
  | { readonly type: "user.remove"; readonly userId: string }
  | { readonly type: "usergroup.set"; readonly usergroup: UsergroupFact }
  | { readonly type: "usergroup.remove"; readonly usergroupId: string }
  | { readonly type: "profile.set"; readonly profile: ProfileFact }
  | { readonly type: "profile.remove"; readonly profileId: string }
  | { readonly type: "organization.set"; readonly organization: OrganizationFact }
  | { readonly type: "resource.set"; readonly resource: ResourceFact }
  | { readonly type: "resource.remove"; readonly kind: string; readonly id: string };

/**
 * Applies typed fact changes. References are still checked (a membership of an
 * organization the tables do not hold, a parent cycle: `INVALID_SNAPSHOT` at
 * `changes.<i>…`), the shapes are not.
 */
export function applyFactChanges(tables: PolicyTables, changes: readonly FactChange[], version: number): ChangeResult {
  const batch = new ChangeBatch(tables);
  for (let i = 0; i < changes.length; i++) batch.applyFact(changes[i]!, ["changes", i]);
  return batch.finish(version);
}

class ChangeBatch {
  private readonly organizations: LayeredMapDraft<string, OrganizationRecord>;
  private readonly users: LayeredMapDraft<string, UserRecord>;
  private readonly resources: LayeredMapDraft<string, string>;
  private organizationCount: number;
  private groups: GroupTableBuilder | null = null;
  private profiles: Map<string, ProfileFact> | null = null;
  private all = false;
  private readonly staleUsers = new Set<string>();
  private readonly staleOrganizations = new Set<string>();
  /** An organization was moved: the tree numbering must be computed again. */
  private treeChanged = false;
  /** Organizations added, in order: inserted into the numbering (unless a move in the batch renumbers anyway). */
  private readonly added: AddedOrganization[] = [];
  /** Organizations whose status changed (index → active): the numbering's blockers must be recomputed below them. */
  private readonly statusChanges = new Map<number, boolean>();
  private organizationsChanged = false;

  constructor(private readonly tables: PolicyTables) {
    this.organizations = tables.organizations.edit();
    this.users = tables.users.edit();
    this.resources = tables.resources.edit();
    this.organizationCount = tables.organizationCount;
  }

  /** Group indices, copying the group table only when an id is new to it. */
  private readonly refs: GroupRefs = (ids) => {
    const known = this.groups?.indexOf ?? this.tables.groups.indexOf;
    if (ids.length === 0) return NO_GROUPS;
    if (this.groups === null && ids.every((id) => known.has(id))) return Int32Array.from(ids, (id) => known.get(id)!);
    this.groups ??= new GroupTableBuilder(this.tables.groups);
    return this.groups.refs(ids);
  };

  /** Reads one untrusted change and applies it. */
  apply(value: unknown, path: SnapshotPath): void {
    const change = readObject(value, path);
    const type = change.type as PolicyChangeType;
    switch (type) {
      case "membership.set":
        return this.setMembership(readMembershipFact(change.membership, [...path, "membership"]), [...path, "membership"]);
      case "membership.remove":
        return this.removeMembership(readId(change.userId, path, "userId"), readId(change.organizationId, path, "organizationId"));
      case "user.set":
        return this.setUser(readUserFact(change.user, [...path, "user"]));
      case "user.remove":
        return this.removeUser(readId(change.userId, path, "userId"));
      case "usergroup.set":
        return this.setUsergroup(readUsergroupFact(change.usergroup, [...path, "usergroup"], this.tables.permissions.catalogue));
      case "usergroup.remove":
        return this.removeUsergroup(readId(change.usergroupId, path, "usergroupId"));
      case "profile.set":
        return this.setProfile(readProfileFact(change.profile, [...path, "profile"], this.tables.space));
      case "profile.remove":
        return this.removeProfile(readId(change.profileId, path, "profileId"));
      case "organization.set":
        return this.setOrganization(readOrganizationFact(change.organization, [...path, "organization"], this.tables.space), [...path, "organization"]);
      case "resource.set":
        return this.setResource(readResourceFact(change.resource, [...path, "resource"]), [...path, "resource"]);
      case "resource.remove":
        return this.removeResource(readId(change.kind, path, "kind"), readId(change.id, path, "id"));
      default:
        return unknownChange(type, path);
    }
  }

  /** Applies one typed fact change (from a trusted caller: nothing is re-read). */
  applyFact(change: FactChange, path: SnapshotPath): void {
    switch (change.type) {
      case "membership.set":
        return this.setMembership(change.membership, [...path, "membership"]);
      case "membership.remove":
        return this.removeMembership(change.userId, change.organizationId);
      case "user.set":
        return this.setUser(change.user);
      case "user.remove":
        return this.removeUser(change.userId);
      case "usergroup.set":
        return this.setUsergroup(change.usergroup);
      case "usergroup.remove":
        return this.removeUsergroup(change.usergroupId);
      case "profile.set":
        return this.setProfile(change.profile);
      case "profile.remove":
        return this.removeProfile(change.profileId);
      case "organization.set":
        return this.setOrganization(change.organization, [...path, "organization"]);
      case "resource.set":
        return this.setResource(change.resource, [...path, "resource"]);
      case "resource.remove":
        return this.removeResource(change.kind, change.id);
    }
  }

  private removeUser(userId: string): void {
    this.users.delete(userId);
    this.staleUsers.add(userId);
  }

  private setUsergroup(fact: UsergroupFact): void {
    this.groups ??= new GroupTableBuilder(this.tables.groups);
    this.groups.define(fact);
    this.all = true;
  }

  private removeUsergroup(usergroupId: string): void {
    this.groups ??= new GroupTableBuilder(this.tables.groups);
    this.groups.undefine(usergroupId);
    this.all = true;
  }

  private setProfile(fact: ProfileFact): void {
    this.profiles ??= new Map(this.tables.profiles);
    this.profiles.set(fact.id, fact);
    this.all = true;
  }

  private removeProfile(profileId: string): void {
    this.profiles ??= new Map(this.tables.profiles);
    this.profiles.delete(profileId);
    this.all = true;
  }

  private setResource(fact: ResourceFact, path: SnapshotPath): void {
    if (this.organizations.get(fact.organizationId) === undefined) {
      invalidSnapshot([...path, "organizationId"], `no organization "${fact.organizationId}" in the policy`, fact.organizationId);
    }
    // One owner at a time: setting the owner moves the resource.
    this.resources.set(resourceKey(fact.kind, fact.id), fact.organizationId);
  }

  private removeResource(kind: string, id: string): void {
    this.resources.delete(resourceKey(kind, id));
  }

  private setMembership(fact: MembershipFact, path: SnapshotPath): void {
    const user = this.users.get(fact.userId);
    if (user === undefined) invalidSnapshot([...path, "userId"], `no user "${fact.userId}" in the policy`, fact.userId);
    const org = this.organizations.get(fact.organizationId);
    if (org === undefined) invalidSnapshot([...path, "organizationId"], `no organization "${fact.organizationId}" in the policy`, fact.organizationId);
    const record: MembershipRecord = { organizationId: org.id, orgIndex: org.index, role: fact.role, admin: fact.admin };
    const memberships = user.memberships.filter((m) => m.orgIndex !== org.index);
    // Insert in org-index order (checks binary-search the list).
    let at = memberships.length;
    while (at > 0 && memberships[at - 1]!.orgIndex > org.index) at--;
    memberships.splice(at, 0, record);
    this.users.set(user.id, { ...user, memberships });
    this.staleUsers.add(user.id);
  }

  private removeMembership(userId: string, organizationId: string): void {
    const user = this.users.get(userId);
    if (user === undefined) return;
    const memberships = user.memberships.filter((m) => m.organizationId !== organizationId);
    if (memberships.length === user.memberships.length) return;
    this.users.set(userId, { ...user, memberships });
    this.staleUsers.add(userId);
  }

  private setUser(fact: UserFact): void {
    const existing = this.users.get(fact.id);
    this.users.set(fact.id, userRecord(fact, this.refs, [...(existing?.memberships ?? [])]));
    this.staleUsers.add(fact.id);
  }

  private setOrganization(fact: OrganizationFact, path: SnapshotPath): void {
    const existing = this.organizations.get(fact.id);
    if (fact.parentId !== null) {
      if (this.organizations.get(fact.parentId) === undefined) {
        invalidSnapshot([...path, "parentId"], `no organization "${fact.parentId}" in the policy`, fact.parentId);
      }
      // The tables are acyclic, so a new cycle must pass through this organization.
      let at: string | null = fact.parentId;
      while (at !== null) {
        if (at === fact.id) invalidSnapshot([...path, "parentId"], `"${fact.parentId}" is "${fact.id}" or one of its descendants: the parent links would form a cycle`, fact.parentId);
        at = this.organizations.get(at)?.parentId ?? null;
      }
    }
    const oldParentId = existing?.parentId ?? null;
    if (existing !== undefined && oldParentId !== fact.parentId && oldParentId !== null) {
      const oldParent = this.organizations.get(oldParentId)!;
      this.organizations.set(oldParentId, { ...oldParent, children: oldParent.children.filter((id) => id !== fact.id) });
    }
    if (fact.parentId !== null && (existing === undefined || oldParentId !== fact.parentId)) {
      const parent = this.organizations.get(fact.parentId)!;
      this.organizations.set(fact.parentId, { ...parent, children: [...parent.children, fact.id] });
    }
    const index = existing?.index ?? this.organizationCount++;
    this.organizations.set(fact.id, organizationRecord(fact, index, this.refs, existing?.children ?? []));
    this.staleOrganizations.add(fact.id);
    this.organizationsChanged = true;
    if (existing === undefined) {
      this.added.push({ index, id: fact.id, parentIndex: fact.parentId === null ? -1 : this.organizations.get(fact.parentId)!.index });
      if (!fact.active) this.statusChanges.set(index, false);
    } else if (oldParentId !== fact.parentId) {
      this.treeChanged = true;
    } else if (existing.active !== fact.active) {
      this.statusChanges.set(index, fact.active);
    }
  }

  /** The tree numbering of the new tables: renumbered after a move, derived after additions and status changes, else kept. */
  private tree(organizations: PolicyTables["organizations"]): TreeNumberingCache {
    const count = this.organizationCount;
    if (this.treeChanged) return TreeNumberingCache.of(organizations, count);
    if (this.added.length > 0 || this.statusChanges.size > 0) return this.tables.tree.derived(this.added, this.statusChanges, organizations, count);
    return this.organizationsChanged ? this.tables.tree.carriedTo(organizations, count) : this.tables.tree;
  }

  finish(version: number): ChangeResult {
    let permissions = this.tables.permissions;
    let groups = this.tables.groups;
    if (this.groups !== null) {
      const builder = new PermissionTableBuilder(permissions.catalogue, permissions);
      groups = this.groups.build(builder);
      permissions = builder.build();
    }
    const organizations = this.organizations.commit();
    const tables: PolicyTables = {
      ...this.tables,
      version,
      permissions,
      groups,
      profiles: this.profiles ?? this.tables.profiles,
      organizations,
      organizationCount: this.organizationCount,
      users: this.users.commit(),
      resources: this.resources.commit(),
      tree: this.tree(organizations),
    };
    return { tables, invalidation: { all: this.all, users: this.staleUsers, organizations: this.staleOrganizations } };
  }
}

function unknownChange(type: never, path: SnapshotPath): never {
  return invalidSnapshot([...path, "type"], `must be one of ${POLICY_CHANGE_TYPES.map((t) => `"${t}"`).join(", ")}`, type);
}
