/**
 * What a write changed, for the change feed. Every use case runs on a session whose
 * writes are recorded here as the policy changes they make (`organization.set`,
 * `membership.remove`, …), in the order they were made, so no use case can forget to
 * report one: the feed entry of the transaction is built from what was written, not from
 * what a use case says it wrote.
 *
 * @module
 */
import type { PolicyChange } from "../permissions/changes.js";
import type { Organization } from "../domain/organization/schema.js";
import type {
  MembershipReassignOptions,
  ResourceReassignOptions,
  StaffProfileRecord,
  StaffProfileRepository,
  StorageSession,
  UsergroupRecord,
  UsergroupRepository,
} from "../storage/ports.js";
import { withOverrides } from "./membership-guard.js";
import { toPolicyMembership, toPolicyOrganization, toPolicyProfile, toPolicyResource, toPolicyUser, toPolicyUsergroup } from "./snapshot.js";

/** Wraps `session` so that each successful write appends its policy change to `changes`. */
export function recordPolicyChanges(session: StorageSession, changes: PolicyChange[]): StorageSession {
  const { organizations, users, memberships, usergroups, profiles, resources } = session;
  return {
    ...session,
    organizations: withOverrides(organizations, {
      async insert(organization) {
        await organizations.insert(organization);
        changes.push({ type: "organization.set", organization: toPolicyOrganization(organization) });
      },
      async update(organization, expectedVersion) {
        await organizations.update(organization, expectedVersion);
        changes.push({ type: "organization.set", organization: toPolicyOrganization(organization) });
      },
      ...(organizations.insertMany
        ? {
            async insertMany(list: readonly Organization[]) {
              await organizations.insertMany!(list);
              for (const organization of list) changes.push({ type: "organization.set", organization: toPolicyOrganization(organization) });
            },
          }
        : {}),
      ...(organizations.moveChildren
        ? {
            async moveChildren(fromParentId: string, children: readonly Organization[]) {
              await organizations.moveChildren!(fromParentId, children);
              for (const organization of children) changes.push({ type: "organization.set", organization: toPolicyOrganization(organization) });
            },
          }
        : {}),
    }),
    users: withOverrides(users, {
      async insert(user) {
        await users.insert(user);
        changes.push({ type: "user.set", user: toPolicyUser(user) });
      },
      async update(user, expectedVersion) {
        await users.update(user, expectedVersion);
        changes.push({ type: "user.set", user: toPolicyUser(user) });
      },
      async delete(id) {
        const deleted = await users.delete(id);
        if (deleted) changes.push({ type: "user.remove", userId: id });
        return deleted;
      },
    }),
    memberships: withOverrides(memberships, {
      async put(membership) {
        await memberships.put(membership);
        changes.push({ type: "membership.set", membership: toPolicyMembership(membership) });
      },
      async delete(userId, organizationId) {
        const deleted = await memberships.delete(userId, organizationId);
        if (deleted) changes.push({ type: "membership.remove", userId, organizationId });
        return deleted;
      },
      ...(memberships.reassignOrganization
        ? {
            async reassignOrganization(from: string, to: string, options: MembershipReassignOptions) {
              const page = await memberships.reassignOrganization!(from, to, options);
              for (const { previous, current, kept } of page) {
                changes.push({ type: "membership.remove", userId: previous.userId, organizationId: previous.organizationId });
                if (!kept) changes.push({ type: "membership.set", membership: toPolicyMembership(current) });
              }
              return page;
            },
          }
        : {}),
    }),
    usergroups: recordNamedRecords<UsergroupRecord, UsergroupRepository>(usergroups, changes, (usergroup) => ({ type: "usergroup.set", usergroup: toPolicyUsergroup(usergroup) }), (usergroupId) => ({ type: "usergroup.remove", usergroupId })),
    profiles: recordNamedRecords<StaffProfileRecord, StaffProfileRepository>(profiles, changes, (profile) => ({ type: "profile.set", profile: toPolicyProfile(profile) }), (profileId) => ({ type: "profile.remove", profileId })),
    resources: withOverrides(resources, {
      async put(resource) {
        await resources.put(resource);
        changes.push({ type: "resource.set", resource: toPolicyResource(resource) });
      },
      async delete(kind, id) {
        const deleted = await resources.delete(kind, id);
        if (deleted) changes.push({ type: "resource.remove", kind, id });
        return deleted;
      },
      ...(resources.reassignOrganization
        ? {
            async reassignOrganization(from: string, to: string, options: ResourceReassignOptions) {
              const moved = await resources.reassignOrganization!(from, to, options);
              for (const resource of moved) changes.push({ type: "resource.set", resource: toPolicyResource(resource) });
              return moved;
            },
          }
        : {}),
    }),
  };
}

/** The usergroup and staff-profile repositories share one shape: insert and update set the record, delete removes it. */
interface NamedRecordRepository<R> {
  insert(record: R): Promise<void>;
  update(record: R, expectedVersion: number): Promise<void>;
  delete(id: string): Promise<boolean>;
}

function recordNamedRecords<R, Repository extends NamedRecordRepository<R>>(
  repository: Repository,
  changes: PolicyChange[],
  set: (record: R) => PolicyChange,
  remove: (id: string) => PolicyChange,
): Repository {
  const overrides: NamedRecordRepository<R> = {
    async insert(record) {
      await repository.insert(record);
      changes.push(set(record));
    },
    async update(record, expectedVersion) {
      await repository.update(record, expectedVersion);
      changes.push(set(record));
    },
    async delete(id) {
      const deleted = await repository.delete(id);
      if (deleted) changes.push(remove(id));
      return deleted;
    },
  };
  return withOverrides(repository, overrides as Partial<Repository>);
}
