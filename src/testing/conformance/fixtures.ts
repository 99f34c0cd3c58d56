import type { InvitationRecord } from "../../domain/invitation/model.js";
import type { Membership, MemberRuleRecord, ResourceOwnership, User } from "../../domain/membership/model.js";
import type { Organization } from "../../domain/organization/schema.js";
import type { ActorRef, NewAuditEvent, StaffProfileRecord, UsergroupRecord } from "../../storage/ports.js";
import {
  buildAuditEvent,
  buildInvitation,
  buildMemberRule,
  buildMembership,
  buildOrganization,
  buildResource,
  buildStaffProfile,
  buildUser,
  buildUsergroup,
  type BuildOverrides,
} from "../builders.js";

const EPOCH = Date.parse("2024-01-01T00:00:00.000Z");

/** A fixed timestamp `seconds` after 2024-01-01T00:00:00.000Z (the suite never reads a clock). */
export function at(seconds: number): string {
  return new Date(EPOCH + seconds * 1000).toISOString();
}

/** The actor of every event the suite appends. */
export const SUITE_ACTOR: ActorRef = { type: "system", id: "conformance" };

/**
 * An organization with id `id` and the name `Org <id>` (capitals marked `^`) unless overridden. Custom field
 * values are set after validation (storage does not validate them; the default
 * configuration defines no fields).
 */
export function org(id: string, overrides: BuildOverrides<Organization> = {}): Organization {
  const { customFields, ...rest } = overrides;
  // Ids may differ only in letter case (`n-B`, `n-b`), names may not (unique lower-cased names): mark capitals.
  const name = `Org ${id.replace(/[A-Z]/g, (c) => `^${c.toLowerCase()}`)}`;
  const built = buildOrganization({ name, createdAt: at(0), ...rest, id });
  return customFields === undefined ? built : Object.freeze({ ...built, customFields });
}

/** A user with id `id`. */
export function user(id: string, overrides: BuildOverrides<User> = {}): User {
  return buildUser({ ...overrides, id });
}

/** A manual membership. */
export function membership(userId: string, organizationId: string, overrides: BuildOverrides<Membership> = {}): Membership {
  return buildMembership({ ...overrides, userId, organizationId });
}

/** A member rule of `organizationId`. */
export function rule(id: string, organizationId: string, overrides: BuildOverrides<MemberRuleRecord> = {}): MemberRuleRecord {
  return buildMemberRule({ ...overrides, id, organizationId });
}

/** A resource owned by `organizationId`. */
export function resource(kind: string, id: string, organizationId: string, overrides: BuildOverrides<ResourceOwnership> = {}): ResourceOwnership {
  return buildResource({ ...overrides, kind, id, organizationId });
}

/** A pending email invitation `id` of `organizationId` (its token hash derived from the id), sent at `at(0)`. */
export function invitation(id: string, organizationId: string, overrides: BuildOverrides<InvitationRecord> = {}): InvitationRecord {
  return buildInvitation({ createdAt: at(0), expiresAt: at(7 * 24 * 3600), ...overrides, id, organizationId });
}

/** A usergroup. */
export function usergroup(id: string, overrides: BuildOverrides<UsergroupRecord> = {}): UsergroupRecord {
  return buildUsergroup({ ...overrides, id });
}

/** A staff profile. */
export function profile(id: string, overrides: BuildOverrides<StaffProfileRecord> = {}): StaffProfileRecord {
  return buildStaffProfile({ ...overrides, id });
}

/** An event by the suite's actor. */
export function event(type: string, organizationId: string | null, overrides: BuildOverrides<NewAuditEvent> = {}): NewAuditEvent {
  return buildAuditEvent({ actor: SUITE_ACTOR, at: at(0), ...overrides, type, organizationId });
}

/** The ids of a list. */
export function idsOf(items: readonly { readonly id: string }[]): string[] {
  return items.map((item) => item.id);
}

/** A plain, mutable deep copy (to check that changing an inserted object later changes nothing). */
export function mutableCopy<T>(value: T): T {
  return structuredClone(value);
}
