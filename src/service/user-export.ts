/**
 * `kit.users.export`: the right of access and to data portability (GDPR articles 15 and
 * 20) — everything orgkit holds about a user, as one JSON-ready value.
 *
 * @module
 */
import { notFound } from "../errors.js";
import type { Membership, MemberRuleRecord, User } from "../domain/membership/model.js";
import type { Organization, OrganizationStatus } from "../domain/organization/schema.js";
import type { BuiltInUsergroup } from "../permissions/snapshot.js";
import type { AuditEvent, StorageSession, UsergroupRecord } from "../storage/ports.js";
import { membershipReason } from "./memberships.js";
import { defineUseCase } from "./use-case.js";

/** A membership in an export, with where it came from. */
export interface ExportedMembership extends Membership {
  /** The organization, as far as the person is concerned (`null` if it no longer exists). */
  readonly organization: {
    /** The organization's id. */
    readonly id: string;
    /** Its current name. */
    readonly name: string;
    /** `active`, or `discontinued` (then the membership is dormant). */
    readonly status: OrganizationStatus;
  } | null;
  /** For a membership a member rule created: that rule, or `null` when it was removed since. */
  readonly rule: Pick<MemberRuleRecord, "id" | "kind" | "value" | "includeSubdomains"> | null;
  /** Why the user is a member, as `memberships.explain` says it. */
  readonly reason: string;
}

/** Why a user is in a usergroup: put there directly, a built-in group, or linked by one of its organizations. */
export type UsergroupGrant =
  | {
      /** The user was put in the group itself (its `usergroupIds`). */
      readonly type: "direct";
    }
  | {
      /** A built-in group that applies automatically. */
      readonly type: "builtIn";
      /** `everyone` (every user), or `registered` (the user is registered). */
      readonly builtIn: BuiltInUsergroup;
    }
  | {
      /** An active organization the user belongs to links the group. */
      readonly type: "organization";
      /** That organization's id. */
      readonly organizationId: string;
    };

/** A usergroup the user is in (its effective groups), and every reason it is. */
export interface ExportedUsergroup {
  /** The usergroup's id. */
  readonly id: string;
  /** Its display name. */
  readonly name: string;
  /** The permissions the group grants, as the kit's permission names. */
  readonly permissions: readonly string[];
  /** Every reason the user is in the group (at least one). */
  readonly via: readonly UsergroupGrant[];
}

/**
 * Everything orgkit holds about a user (`kit.users.export`): plain data, ready for
 * `JSON.stringify`.
 */
export interface UserExport {
  /** Names the format: always `"orgkit.user-export"`. */
  readonly format: "orgkit.user-export";
  /** The version of this format. */
  readonly formatVersion: 1;
  /** When the export was made (ISO 8601, the kit's clock). */
  readonly exportedAt: string;
  /** The user record: identities and their verification, kind, groups, platform role, profile. */
  readonly user: User;
  /** Every membership (dormant ones too), with its provenance. */
  readonly memberships: readonly ExportedMembership[];
  /** The user's effective usergroups: its own, the built-in ones, and those its active organizations link. */
  readonly usergroups: readonly ExportedUsergroup[];
  /** Every audit event that concerns the user: those it did, and those about it (`data.userId`), by sequence. */
  readonly events: readonly AuditEvent[];
}

const EVENT_PAGE = 1000;

async function exportedMemberships(session: StorageSession, memberships: readonly Membership[], organizations: ReadonlyMap<string, Organization>): Promise<ExportedMembership[]> {
  const out: ExportedMembership[] = [];
  for (const membership of memberships) {
    const organization = organizations.get(membership.organizationId);
    const rule = membership.source.type === "rule" ? await session.rules.get(membership.source.ruleId) : null;
    out.push({
      ...membership,
      organization: organization ? { id: organization.id, name: organization.name, status: organization.status } : null,
      rule: rule ? { id: rule.id, kind: rule.kind, value: rule.value, includeSubdomains: rule.includeSubdomains } : null,
      reason: membershipReason(membership, rule),
    });
  }
  return out;
}

/** The effective groups, as the evaluator grants them: own groups, Everyone, Registered if registered, and the groups active organizations link. */
function effectiveUsergroups(user: User, memberships: readonly Membership[], organizations: ReadonlyMap<string, Organization>, groups: readonly UsergroupRecord[]): ExportedUsergroup[] {
  const grants = new Map<string, UsergroupGrant[]>();
  const grant = (id: string, via: UsergroupGrant) => grants.set(id, [...(grants.get(id) ?? []), via]);
  for (const id of user.usergroupIds) grant(id, { type: "direct" });
  for (const group of groups) {
    if (group.builtIn === "everyone" || (group.builtIn === "registered" && user.registered)) grant(group.id, { type: "builtIn", builtIn: group.builtIn });
  }
  for (const membership of memberships) {
    const organization = organizations.get(membership.organizationId);
    if (organization?.status !== "active") continue; // a discontinued organization grants nothing
    for (const id of organization.usergroupIds) grant(id, { type: "organization", organizationId: organization.id });
  }
  const byId = new Map(groups.map((group) => [group.id, group]));
  return [...grants]
    .filter(([id]) => byId.has(id))
    .map(([id, via]) => {
      const group = byId.get(id)!;
      return { id, name: group.name, permissions: group.permissions, via };
    })
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * `users.export`: platform administration. A person's request reaches orgkit through the
 * host, which authenticates it and calls with the system actor (or a platform admin's):
 * the events a user did can name other people, so the host decides what to hand over.
 */
export const exportUser = defineUseCase<{ readonly userId: string }, null, UserExport>({
  kind: "read",
  load: async () => null,
  requests: ({ userId }) => [{ request: { check: "canAdministerPlatform" }, action: `export user ${userId}` }],
  async command(scope, { userId }) {
    const { session } = scope;
    const user = await session.users.get(userId);
    if (user === null) throw notFound("user", userId);
    const memberships = await session.memberships.listByUser(userId);
    const organizationIds = new Set(memberships.map((m) => m.organizationId));
    const organizations = new Map((await session.organizations.getMany([...organizationIds])).map((o) => [o.id, o]));
    const groups = await session.usergroups.list();
    const events: AuditEvent[] = [];
    for (let after = 0; ; ) {
      const page = await session.events.listByUser(userId, { after, limit: EVENT_PAGE });
      events.push(...page);
      if (page.length < EVENT_PAGE) break;
      after = page[page.length - 1]!.sequence;
    }
    return {
      format: "orgkit.user-export",
      formatVersion: 1,
      exportedAt: scope.now.toISOString(),
      user,
      memberships: await exportedMemberships(session, memberships, organizations),
      usergroups: effectiveUsergroups(user, memberships, organizations, groups),
      events,
    };
  },
});
