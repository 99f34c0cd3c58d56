/**
 * `kit.users.erase`: the right to erasure (GDPR article 17). In one transaction, the
 * person's identities leave every table orgkit keeps — the user record, the member rules
 * that name exactly one of its addresses, the audit trail and the change feed — while the
 * history stays: events keep the user id as a pseudonymous reference, memberships end
 * with `membership.removed` events saying why, and the record becomes a tombstone that
 * keeps the id, so the host's id cannot come back with its old links.
 *
 * @module
 */
import { notFound } from "../errors.js";
import type { MemberRuleKind, Organization } from "../domain/organization/schema.js";
import type { Membership, MembershipSource, MemberRuleRecord, User } from "../domain/membership/model.js";
import { scrubPersonalData } from "../storage/scrub.js";
import type { CommandScope } from "./runtime.js";
import { describeSource } from "./memberships.js";
import { removeMemberRule } from "./rules.js";
import { defineUseCase, type Need } from "./use-case.js";

/** What `kit.users.erase` did. */
export interface UserErasure {
  /** The tombstone: the id, kind and timestamps, `erasedAt`, and nothing personal. */
  readonly user: User;
  /** The user had been erased before: nothing was done this time. */
  readonly alreadyErased: boolean;
  /** The memberships that ended (each recorded as `membership.removed`, reason `user_erased`). */
  readonly membershipsEnded: readonly {
    /** The organization the user left. */
    readonly organizationId: string;
    /** Why the membership existed (by hand, a member rule, an import, an invitation). */
    readonly source: MembershipSource;
  }[];
  /** The member rules removed because their value was exactly one of the person's addresses. */
  readonly rulesRemoved: readonly {
    /** The removed rule's id. */
    readonly id: string;
    /** The organization the rule belonged to. */
    readonly organizationId: string;
    /** The rule's kind: `email`, `phone` or `username` (the person's address it named is not repeated here). */
    readonly kind: MemberRuleKind;
  }[];
  /** How many invitations went: those addressed to one of the person's addresses, and those the person accepted. */
  readonly invitationsDeleted: number;
  /** How many audit events had one of the person's identities scrubbed. */
  readonly eventsScrubbed: number;
  /** How many change-feed entries had one of the person's identities scrubbed in a copy of their own (PostgreSQL's entries refer to their events instead, so there it is usually 0). */
  readonly feedEntriesScrubbed: number;
  /**
   * Identities another user holds too (a shared `support@` address): removed from this
   * user, but left in the member rules, audit events and feed entries that are the other
   * user's as much as this one's.
   */
  readonly keptShared: readonly string[];
}

/** One identity of a user, as member rules name it. */
interface Identity {
  readonly kind: Extract<MemberRuleKind, "email" | "phone" | "username">;
  readonly value: string;
}

function identitiesOf(user: User): Identity[] {
  return [
    ...user.emails.map((value) => ({ kind: "email" as const, value })),
    ...user.phones.map((value) => ({ kind: "phone" as const, value })),
    ...(user.username !== null ? [{ kind: "username" as const, value: user.username }] : []),
  ];
}

/** The erasure's facts: the user, and (unless it is missing or erased already) what erasing it touches. */
interface ErasureFacts {
  readonly user: User | null;
  readonly memberships: readonly Membership[];
  /** The identities only this user holds: what is scrubbed everywhere. */
  readonly values: readonly string[];
  readonly keptShared: readonly string[];
  /** Member rules whose kind and value are exactly one of `values`, and their organizations. */
  readonly rules: readonly MemberRuleRecord[];
  readonly ruleOrganizations: readonly Organization[];
}

const NOTHING = { memberships: [], values: [], keptShared: [], rules: [], ruleOrganizations: [] } as const;

async function loadErasure(scope: CommandScope, { userId }: { readonly userId: string }): Promise<ErasureFacts> {
  const { session } = scope;
  const user = await session.users.get(userId);
  if (user === null || user.erasedAt !== undefined) return { user, ...NOTHING };
  const memberships = await session.memberships.listByUser(userId);
  const values: Identity[] = [];
  const keptShared: string[] = [];
  for (const identity of identitiesOf(user)) {
    // Two users at most: is anyone else findable by this identity (verified or not)?
    const holders = await session.users.findMatching({ kind: identity.kind, value: identity.value, includeSubdomains: false }, { after: null, limit: 2 });
    if (holders.some((holder) => holder.id !== userId)) keptShared.push(identity.value);
    else values.push(identity);
  }
  const rules = values.length === 0 ? [] : await session.rules.findByKeys(values.map(({ kind, value }) => ({ kind, value })));
  const ruleOrganizations = await session.organizations.getMany([...new Set(rules.map((rule) => rule.organizationId))]);
  return { user, memberships, values: values.map((identity) => identity.value), keptShared, rules, ruleOrganizations };
}

/** The erased user: its id, kind and creation kept, everything personal and every grant gone. */
function tombstoneOf(user: User, at: string): User {
  return {
    id: user.id,
    kind: user.kind,
    emails: [],
    username: null,
    phones: [],
    verifiedEmails: [],
    verifiedPhones: [],
    usernameVerified: false,
    registered: false,
    usergroupIds: [],
    platformRole: null,
    profileId: null,
    createdAt: user.createdAt,
    updatedAt: at,
    version: user.version + 1,
    erasedAt: at,
  };
}

/**
 * `scope`, whose recorded events are scrubbed of `values` before they are kept: what an
 * erasure records (a removed rule's event names its value) never carries the person back
 * into the trail.
 */
function scrubbingScope(scope: CommandScope, values: readonly string[]): CommandScope {
  return {
    ...scope,
    record: (event) => scope.record({ ...event, data: scrubPersonalData(event.data, values) }),
    recordDomain: (events) => scope.recordDomain(events.map((event) => ({ ...event, data: scrubPersonalData(event.data, values) }))),
  };
}

/**
 * Everything erasure removes or scrubs, in order: **the one list to extend when orgkit
 * keeps a person's data somewhere new.** Memberships end first (so that removing a rule
 * re-links nobody into them), then the record becomes the tombstone (so no rule matches
 * it any more), then the rules naming the person go, then the audit trail and the feed
 * are scrubbed.
 */
async function erasePersonalData(scope: CommandScope, user: User, facts: ErasureFacts): Promise<Omit<UserErasure, "user" | "alreadyErased" | "keptShared"> & { readonly tombstone: User }> {
  const { session } = scope;
  const { values } = facts;

  // 1. Memberships: they end, their history (earlier events, scrubbed below) kept.
  const membershipsEnded: { organizationId: string; source: MembershipSource }[] = [];
  for (const membership of facts.memberships) {
    if (!(await session.memberships.delete(membership.userId, membership.organizationId))) continue;
    const source = describeSource(membership.source);
    membershipsEnded.push({ organizationId: membership.organizationId, source });
    scope.record({ type: "membership.removed", organizationId: membership.organizationId, data: { userId: user.id, reason: "user_erased", source } });
  }

  // 2. The user record: a tombstone with no identity (the identity index follows the record).
  const tombstone = tombstoneOf(user, scope.now.toISOString());
  await session.users.update(tombstone, user.version);

  // 3. Member rules whose value is exactly one of the person's addresses: such a rule is the person's data.
  const rulesRemoved: { id: string; organizationId: string; kind: MemberRuleKind }[] = [];
  const organizations = new Map(facts.ruleOrganizations.map((organization) => [organization.id, organization]));
  for (const rule of facts.rules) {
    const organization = organizations.get(rule.organizationId);
    if (organization === undefined) {
      // A rule whose organization is gone links nobody, but still names the person.
      await session.rules.delete(rule.id);
    } else {
      const removed = await removeMemberRule(scope, organization, rule);
      organizations.set(organization.id, removed.organization);
    }
    rulesRemoved.push({ id: rule.id, organizationId: rule.organizationId, kind: rule.kind });
  }

  // 4. Invitations: those addressed to one of the person's addresses (pending or not), and
  // those the person accepted (their address is the person's too).
  let invitationsDeleted = 0;
  if (session.invitations) {
    for (const email of user.emails) if (values.includes(email)) invitationsDeleted += await session.invitations.deleteByAddress("email", email);
    for (const phone of user.phones) if (values.includes(phone)) invitationsDeleted += await session.invitations.deleteByAddress("phone", phone);
    invitationsDeleted += await session.invitations.deleteAcceptedBy(user.id);
  }

  // 5. The audit trail: the person's values in any event's data become "[erased]"; the user id stays.
  const eventsScrubbed = await session.events.scrub(values);
  // 6. The change feed's copies of those events.
  const feedEntriesScrubbed = await session.changes.scrub(values);

  return { tombstone, membershipsEnded, rulesRemoved, invitationsDeleted, eventsScrubbed, feedEntriesScrubbed };
}

/**
 * `users.erase`: platform administration (a platform admin's record, whose role goes, needs a super admin), and
 * the right to edit each organization whose member rule names the person (platform admins
 * have it everywhere).
 */
export const eraseUser = defineUseCase<{ readonly userId: string }, ErasureFacts, UserErasure>({
  kind: "write",
  load: loadErasure,
  requests({ userId }, { user, ruleOrganizations }) {
    const needs: Need[] = [{ request: { check: "canAdministerPlatform" }, action: `erase user ${userId}` }];
    // The tombstone has no platform role: erasing a platform admin takes its role away, which only super admins may do.
    if (user?.platformRole) needs.push({ request: { check: "canGrantPlatformRoles" }, action: `erase ${user.platformRole} ${userId} (its platform role goes)` });
    for (const organization of ruleOrganizations) {
      needs.push({ request: { check: "canOnOrganization", action: "edit", organization }, action: `remove the member rule of organization ${organization.id} that names user ${userId}'s address` });
    }
    return needs;
  },
  async command(scope, { userId }, facts) {
    const { user } = facts;
    if (user === null) throw notFound("user", userId);
    if (user.erasedAt !== undefined) {
      return { user, alreadyErased: true, membershipsEnded: [], rulesRemoved: [], invitationsDeleted: 0, eventsScrubbed: 0, feedEntriesScrubbed: 0, keptShared: [] };
    }
    const erasing = scrubbingScope(scope, facts.values);
    const { tombstone, ...done } = await erasePersonalData(erasing, user, facts);
    erasing.record({
      type: "user.erased",
      organizationId: null,
      data: {
        userId,
        version: tombstone.version,
        membershipsEnded: done.membershipsEnded.length,
        rulesRemoved: done.rulesRemoved.map((rule) => rule.id),
        invitationsDeleted: done.invitationsDeleted,
        eventsScrubbed: done.eventsScrubbed,
        feedEntriesScrubbed: done.feedEntriesScrubbed,
      },
    });
    return { user: tombstone, alreadyErased: false, keptShared: facts.keptShared, ...done };
  },
});
