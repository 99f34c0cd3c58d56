import { z } from "zod";
import { atInputPath, isOrgKitError, notFound, OrgKitError, userErased, versionConflict } from "../errors.js";
import { normalizeEmail } from "../domain/matching/email.js";
import { normalizePhone } from "../domain/matching/phone.js";
import { normalizeUsername } from "../domain/matching/username.js";
import type { PhoneRegion } from "../domain/matching/phone.js";
import { assertAssignable } from "../domain/organization/commands.js";
import { idSchema, type Organization } from "../domain/organization/schema.js";
import { PLATFORM_ROLES, USER_KINDS, type Membership, type User } from "../domain/membership/model.js";
import { parseInput } from "../domain/validation.js";
import type { AuditEvent, KeysetOptions, Page } from "../storage/ports.js";
import { parseActor, type Actor } from "./actor.js";
import { matchableIdentity, relinkUser, type MatchableIdentity } from "./linking.js";
import { putMembership, roleSchema } from "./memberships.js";
import { loadOrganization, type Runtime } from "./runtime.js";
import { defineUseCase, type Need } from "./use-case.js";
import { eraseUser, type UserErasure } from "./user-erasure.js";
import { exportUser, type UserExport } from "./user-export.js";
import { assertDeclaredRole } from "./vocabulary.js";

/** An identity value, alone (verification kept as it was) or with whether the host verified it. */
const identityItem = (max: number) =>
  z.union([
    z.string().max(max),
    z
      .object({
        /** The identity as the host has it; orgkit stores it normalized. */
        value: z.string().max(max),
        /** Whether the host verified it (only the system actor and platform admins may say `true`); absent keeps the verification the same value had (unverified when new). */
        verified: z.boolean().optional(),
      })
      .strict(),
  ]);

/** Schema of {@link UpsertUserInput}. */
export const upsertUserInputSchema = z
  .object({
    /** The host's id for the user (compared exactly); an erased user's id is refused with `CONFLICT`, reason `erased`. */
    id: idSchema,
    /** `user` (portal user, the default for a new user) or `agent` (helpdesk staff); changing it needs a platform admin. */
    kind: z.enum(USER_KINDS).optional(),
    /** The user's email addresses, at most 100, replacing the current list; normalized (`INVALID_EMAIL` at `emails.N`). */
    emails: z.array(identityItem(1000)).max(100).optional(),
    /** The username, normalized (`INVALID_USERNAME`); `null` removes it. */
    username: identityItem(1000).nullable().optional(),
    /** The user's phone numbers, at most 100, replacing the current list; parsed to E.164 with the kit's `defaultPhoneRegion` (`INVALID_PHONE` at `phones.N`). */
    phones: z.array(identityItem(100)).max(100).optional(),
    /** Whether the user is registered: registered users get the built-in `registered` usergroup. Default `false` for a new user. */
    registered: z.boolean().optional(),
    /** The usergroups the user is put in directly, replacing the current list (platform admins only); a group not already the user's must exist (`NOT_FOUND`). */
    usergroupIds: z.array(idSchema).max(1000).optional(),
    /** `super_admin`, `admin` or `null` (none, the default); granting, changing or removing it needs a super admin. */
    platformRole: z.enum(PLATFORM_ROLES).nullable().optional(),
    /** The staff profile that grants the user rights on organizations by their states, or `null`; platform admins only, and a new profile must exist (`NOT_FOUND`). */
    profileId: idSchema.nullable().optional(),
  })
  .strict();
/**
 * Input of `kit.users.upsert`: the host user's id and whatever of its identity and
 * access changed. Omitted fields keep their value (defaults for a new user: kind
 * `user`, no emails/phones/username, not registered, no groups, role or profile).
 * Emails, username and phones are normalized (`INVALID_EMAIL`, `INVALID_USERNAME`,
 * `INVALID_PHONE` with `details.path`).
 *
 * Each email, phone and the username is a string, or `{ value, verified }`: member
 * rules link a user by verified identities only (see the Security model). A plain
 * string keeps the verification the same value had (unverified when new); only the
 * system actor and platform admins may mark one verified, or change any identity that
 * is verified.
 *
 * @example
 * ```ts
 * await kit.users.upsert(SYSTEM_ACTOR, {
 *   id: "u1",
 *   emails: [{ value: "jane@acme.example", verified: true }, "jane.doe@gmail.com"],
 * });
 * ```
 */
export type UpsertUserInput = z.input<typeof upsertUserInputSchema>;

/** Schema of {@link UpsertUserOptions}. */
export const upsertUserOptionsSchema = z
  .object({
    /** Fail with `CONFLICT` unless the user exists at this version (optimistic concurrency). */
    expectedVersion: z.number().int().min(1).optional(),
    /** The organization through which the actor manages the user (it must exist: `NOT_FOUND`); the user joins it if not a member yet. Absent: platform administration. */
    organizationId: idSchema.optional(),
    /** The role the user gets when it joins `organizationId` (default `member`); an org admin may give only the organization's `allowedRoles`. Ignored for an existing member. */
    role: roleSchema.optional(),
  })
  .strict();
/**
 * Options of `kit.users.upsert`. `organizationId` is how an organization admin creates
 * or edits a user of its own organization: the user joins it (with `role`, default
 * `member`) if not a member yet.
 */
export type UpsertUserOptions<Role extends string = string> = string extends Role
  ? z.input<typeof upsertUserOptionsSchema>
  : (Omit<z.input<typeof upsertUserOptionsSchema>, "role"> & {
        /** One of the kit's declared roles, given when the user joins `organizationId` (default `member`). */
        readonly role?: Role;
      }) extends infer O
    ? { [K in keyof O]: O[K] }
    : never;

/** Schema of {@link ListUsersOptions}. */
export const listUsersOptionsSchema = z
  .object({
    /** The `nextCursor` of the previous page (a user id); `null` or absent: the first page. */
    after: idSchema.nullable().optional(),
    /** Page size, 1–1000 (default 100). */
    limit: z.number().int().min(1).max(1000).default(100),
    /** List this organization's members (for those who manage its users) instead of every user (platform admins only). */
    organizationId: idSchema.optional(),
  })
  .strict();
/**
 * Options of `kit.users.list`: `after` is the `nextCursor` of the previous page (a user
 * id), `limit` 1–1000 (default 100), and `organizationId` lists that organization's
 * members instead of every user.
 */
export type ListUsersOptions = z.input<typeof listUsersOptionsSchema>;

/** User use cases (see {@link OrgKit.users}). */
export interface UsersApi<Role extends string = string> {
  /**
   * Creates or updates orgkit's projection of a host user. A new user, or a change of
   * its emails, phones or username, links it to organizations by their member rules
   * (memberships record which rule). Platform admins may set anything (only super
   * admins grant platform roles); organization admins manage users of their own
   * organization through `options.organizationId`, and cannot set groups, profiles or
   * platform roles.
   *
   * @example
   * ```ts
   * const user = await kit.users.upsert(SYSTEM_ACTOR, { id: "u1", emails: ["Jane@Acme.example"], registered: true });
   * await kit.memberships.listByUser(SYSTEM_ACTOR, "u1"); // linked by acme.example's domain rule
   * ```
   */
  upsert(actor: Actor, input: UpsertUserInput, options?: UpsertUserOptions<Role>): Promise<User>;
  /** The user, for itself, platform admins, and those who manage it in one of its organizations; otherwise `null`. */
  get(actor: Actor, id: string): Promise<User | null>;
  /**
   * Users by id, a page at a time (`nextCursor` is `null` on the last page). Platform
   * admins and the system actor list every user (erased ones too, as their tombstones);
   * with `organizationId`, the organization's members, for whoever manages its users (its
   * org admins), and an empty page for anyone else or an unknown organization. Listing
   * every user without a platform role is `FORBIDDEN`.
   *
   * @example
   * ```ts
   * for (let after: string | null = null; ; ) {
   *   const page = await kit.users.list(SYSTEM_ACTOR, { after, limit: 500 });
   *   for (const user of page.items) console.log(user.id);
   *   if ((after = page.nextCursor) === null) break;
   * }
   * ```
   */
  list(actor: Actor, options?: ListUsersOptions): Promise<Page<User>>;
  /**
   * Erases a user (GDPR article 17; platform admins and the system actor, and a super
   * admin for a platform admin's record, whose role goes): in one
   * transaction its emails, phones and username leave every table — the user record
   * (kept as a tombstone with its id and `erasedAt`), the member rules whose value is
   * exactly one of its addresses (removed), the audit trail and the change feed (each
   * occurrence replaced by `"[erased]"`; events keep the user id). Its memberships end
   * (`membership.removed`, reason `user_erased`), and it records `user.erased`. Erasing
   * again does nothing (`alreadyErased`); using the id again (`upsert`,
   * `memberships.add`) is `CONFLICT` with `details.reason: "erased"`. An identity another
   * user holds too stays where it is that user's as well (`keptShared`).
   *
   * @example
   * ```ts
   * const erasure = await kit.users.erase(SYSTEM_ACTOR, "u1");
   * erasure.user.erasedAt; // "2026-…"; erasure.user.emails: []
   * ```
   */
  erase(actor: Actor, userId: string): Promise<UserErasure>;
  /**
   * Everything orgkit holds about a user as JSON-ready data (GDPR articles 15 and 20):
   * the record, memberships with their provenance, effective usergroups and the audit
   * events that concern it. Platform admins and the system actor (the host answers the
   * person's request, which it authenticated).
   *
   * @example
   * ```ts
   * const data = await kit.users.export(SYSTEM_ACTOR, "u1");
   * await writeFile("u1.json", JSON.stringify(data, null, 2));
   * ```
   */
  export(actor: Actor, userId: string): Promise<UserExport>;
  /**
   * Deletes a user that has no history (platform admins and the system actor): no
   * memberships, and no audit events beyond the creation and edits of its own record (it
   * did nothing, and nothing happened to it). The id can be used again afterwards. A
   * platform admin's record needs a super admin.
   * `CONFLICT` with `details.reason: "has_history"` otherwise (erase such a user
   * instead); `false` when there is no such user.
   */
  remove(actor: Actor, userId: string): Promise<boolean>;
}

/** What makes a user's removal lose history: its memberships, and the first event beyond its own record's creation and edits. */
interface RemovalFacts {
  readonly user: User | null;
  readonly memberships: number;
  readonly historyEvent: AuditEvent | null;
}

/** An event that only created or edited the user's own record (done by someone else): not history. */
function isOwnRecordEvent(event: AuditEvent, userId: string): boolean {
  const byItself = event.actor.type === "user" && event.actor.id === userId;
  return (event.type === "user.created" || event.type === "user.updated") && event.data["userId"] === userId && !byItself;
}

/** `users.remove`: platform administration (a platform admin's record needs a super admin); only users without history. */
const removeUser = defineUseCase<{ readonly userId: string }, RemovalFacts, boolean>({
  kind: "write",
  async load({ session }, { userId }) {
    const user = await session.users.get(userId);
    if (user === null) return { user, memberships: 0, historyEvent: null };
    const memberships = (await session.memberships.listByUser(userId)).length;
    let historyEvent: AuditEvent | null = null;
    // The user's own events, a page at a time, until one that is history.
    for (let after = 0; historyEvent === null; ) {
      const page = await session.events.listByUser(userId, { after, limit: 1000 });
      historyEvent = page.find((event) => !isOwnRecordEvent(event, userId)) ?? null;
      if (page.length < 1000) break;
      after = page[page.length - 1]!.sequence;
    }
    return { user, memberships, historyEvent };
  },
  requests({ userId }, { user }) {
    const needs: Need[] = [{ request: { check: "canAdministerPlatform" }, action: `remove user ${userId}` }];
    if (user?.platformRole) needs.push({ request: { check: "canGrantPlatformRoles" }, action: `remove ${user.platformRole} ${userId} (its platform role goes)` });
    return needs;
  },
  async command(scope, { userId }, { user, memberships, historyEvent }) {
    if (user === null) return false;
    if (memberships > 0 || historyEvent !== null) {
      const what = memberships > 0 ? `${memberships} membership${memberships === 1 ? "" : "s"}` : `event ${historyEvent!.sequence} (${historyEvent!.type})`;
      throw new OrgKitError("CONFLICT", `User ${userId} has history (${what}): erase it (users.erase) instead of removing it`, {
        details: { reason: "has_history", entity: "user", id: userId, memberships, event: historyEvent === null ? null : { sequence: historyEvent.sequence, type: historyEvent.type } },
      });
    }
    await scope.session.users.delete(userId);
    scope.record({ type: "user.removed", organizationId: null, data: { userId, version: user.version } });
    return true;
  },
});

export function createUsersApi(runtime: Runtime): UsersApi {
  const config = runtime.config;

  function withPath(error: unknown, path: string): unknown {
    return isOrgKitError(error) ? atInputPath(error, path) : error;
  }

  type IdentityItem = string | { readonly value: string; readonly verified?: boolean | undefined };
  const valueOf = (item: IdentityItem) => (typeof item === "string" ? item : item.value);
  const verifiedFlagOf = (item: IdentityItem) => (typeof item === "string" ? undefined : item.verified);

  /**
   * The normalized values of a list and which of them are verified: an item's own
   * `verified` flag, else the verification the same value had (`wasVerified`).
   */
  function normalizeItems(items: readonly IdentityItem[], path: string, normalize: (value: string) => string, wasVerified: (value: string) => boolean) {
    const values: string[] = [];
    // The same value listed twice counts as verified when either item says so.
    const flags = new Map<string, boolean>();
    items.forEach((item, index) => {
      let value: string;
      try {
        value = normalize(valueOf(item));
      } catch (error) {
        throw withPath(error, `${path}.${index}`);
      }
      if (!values.includes(value)) values.push(value);
      const flag = verifiedFlagOf(item);
      if (flag !== undefined) flags.set(value, flag || (flags.get(value) ?? false));
    });
    return { values, verified: values.filter((value) => flags.get(value) ?? wasVerified(value)) };
  }

  /** The user's identities after the patch: values and verification, normalized. */
  function nextIdentity(data: z.output<typeof upsertUserInputSchema>, current: User | null) {
    const emailOptions = { lowerCaseLocalPart: config.lowercaseEmailLocalPart };
    const phoneOptions = { defaultRegion: config.defaultPhoneRegion as PhoneRegion };
    const emails = data.emails
      ? normalizeItems(data.emails, "emails", (v) => normalizeEmail(v, emailOptions), (v) => current?.verifiedEmails?.includes(v) ?? false)
      : { values: current?.emails ?? [], verified: current?.verifiedEmails ?? [] };
    const phones = data.phones
      ? normalizeItems(data.phones, "phones", (v) => normalizePhone(v, phoneOptions), (v) => current?.verifiedPhones?.includes(v) ?? false)
      : { values: current?.phones ?? [], verified: current?.verifiedPhones ?? [] };
    let username = current?.username ?? null;
    let usernameVerified = current?.usernameVerified ?? false;
    if (data.username !== undefined) {
      if (data.username === null) {
        username = null;
        usernameVerified = false;
      } else {
        let normalized: string;
        try {
          normalized = normalizeUsername(valueOf(data.username));
        } catch (error) {
          throw withPath(error, "username");
        }
        usernameVerified = verifiedFlagOf(data.username) ?? (normalized === current?.username && current.usernameVerified === true);
        username = normalized;
      }
    }
    return {
      emails: emails.values,
      verifiedEmails: emails.verified,
      phones: phones.values,
      verifiedPhones: phones.verified,
      username,
      usernameVerified: username !== null && usernameVerified,
    };
  }

  /** Field-level requests: who may change what of a user (platform fields, platform roles, what member rules match). */
  function fieldNeeds(data: z.output<typeof upsertUserInputSchema>, current: User | null, { before, after }: UpsertFacts["matchable"]): Need[] {
    const needs: Need[] = [];
    const changes = (field: "kind" | "usergroupIds" | "platformRole" | "profileId", fallback: unknown) => {
      const value = data[field];
      if (value === undefined) return false;
      return JSON.stringify(value) !== JSON.stringify(current ? current[field] : fallback);
    };
    for (const [field, fallback] of [["kind", "user"], ["usergroupIds", []], ["profileId", null]] as const) {
      if (changes(field, fallback)) needs.push({ request: { check: "canAdministerPlatform" }, action: `set ${field} of users` });
    }
    if (changes("platformRole", null)) needs.push({ request: { check: "canGrantPlatformRoles" }, action: "grant or change platform roles" });
    // The action names the user, not its role: the refusal must not tell who the super admins are.
    if (current?.platformRole === "super_admin") needs.push({ request: { check: "canGrantPlatformRoles" }, action: `edit user ${current.id}` });
    // What member rules match is the user's say-so about which organizations it joins:
    // only the host (system actor) and platform admins may change it.
    const changed: string[] = (["emails", "phones"] as const).filter((field) => !sameSet(before[field], after[field]));
    if ((before.username ?? null) !== (after.username ?? null)) changed.push("username");
    if (changed.length > 0) {
      const what = config.identitiesVerifiedUpstream ? "change the identities of users" : "mark identities verified, or change verified identities";
      needs.push({ request: { check: "canAdministerPlatform" }, action: `${what} (${changed.join(", ")})` });
    }
    return needs;
  }

  type UpsertInput = { readonly data: z.output<typeof upsertUserInputSchema>; readonly opts: z.output<typeof upsertUserOptionsSchema> };
  interface UpsertFacts {
    readonly current: User | null;
    /** The user as the upsert would store it. */
    readonly user: User;
    readonly organization: Organization | null;
    /** The user's membership of `organization`, if any. */
    readonly membership: Membership | null;
    /** What member rules match, before and after (`before` is empty for a new user). */
    readonly matchable: { readonly before: MatchableIdentity; readonly after: MatchableIdentity };
  }

  /**
   * `users.upsert`: platform admins manage every user; others only through an
   * organization whose users they manage (`options.organizationId`), and never the
   * platform fields, platform roles or what member rules match.
   */
  const upsertUser = defineUseCase<UpsertInput, UpsertFacts, User>({
    kind: "write",
    async load(scope, { data, opts }) {
      const { session } = scope;
      const current = await session.users.get(data.id);
      const organization = opts.organizationId ? await loadOrganization(session, opts.organizationId) : null;
      const membership = organization ? await session.memberships.get(data.id, organization.id) : null;
      const at = scope.now.toISOString();
      const user: User = {
        id: data.id,
        kind: data.kind ?? current?.kind ?? "user",
        ...nextIdentity(data, current),
        registered: data.registered ?? current?.registered ?? false,
        usergroupIds: data.usergroupIds ? [...new Set(data.usergroupIds)] : (current?.usergroupIds ?? []),
        platformRole: data.platformRole !== undefined ? data.platformRole : (current?.platformRole ?? null),
        profileId: data.profileId !== undefined ? data.profileId : (current?.profileId ?? null),
        createdAt: current?.createdAt ?? at,
        updatedAt: at,
        version: (current?.version ?? 0) + 1,
      };
      const matchable = { before: current ? matchableIdentity(current, config) : { emails: [], phones: [] }, after: matchableIdentity(user, config) };
      return { current, user, organization, membership, matchable };
    },
    requests({ data, opts }, { current, organization, membership, matchable }) {
      const needs: Need[] = [];
      if (organization === null) needs.push({ request: { check: "canAdministerPlatform" }, action: "create or edit users outside an organization it administers" });
      else if (current === null) needs.push({ request: { check: "canManageUser", organization }, action: `create users in organization ${organization.id}` });
      else needs.push({ request: { check: "canManageUser", organization, target: { user: current, membership } }, action: `edit user ${current.id} in organization ${organization.id}` });
      if (organization !== null && membership === null) {
        const role = opts.role ?? "member";
        needs.push({ request: { check: "canAssignRole", organization, role }, action: `assign role '${role}' in organization ${organization.id}` });
      }
      return [...needs, ...fieldNeeds(data, current, matchable)];
    },
    async command(scope, { opts }, { current, user, organization, membership, matchable }) {
      const { session } = scope;
      if (current?.erasedAt !== undefined) throw userErased(user.id);
      if (opts.expectedVersion !== undefined && current?.version !== opts.expectedVersion) {
        throw versionConflict("user", user.id, opts.expectedVersion, current?.version ?? null);
      }
      if (user.profileId !== null && user.profileId !== current?.profileId && !(await session.profiles.get(user.profileId))) {
        throw notFound("staff profile", user.profileId);
      }
      for (const groupId of user.usergroupIds) {
        if (!current?.usergroupIds.includes(groupId) && !(await session.usergroups.get(groupId))) throw notFound("usergroup", groupId);
      }
      if (current) await session.users.update(user, current.version);
      else await session.users.insert(user);
      scope.record({ type: current ? "user.updated" : "user.created", organizationId: null, data: { userId: user.id, version: user.version } });

      if (organization && !membership) {
        const role = opts.role ?? "member";
        assertAssignable(organization);
        const at = user.updatedAt;
        const added: Membership = { userId: user.id, organizationId: organization.id, role, admin: false, source: { type: "manual" }, createdAt: at, updatedAt: at };
        await putMembership(scope, added);
        scope.record({ type: "membership.added", organizationId: organization.id, data: { userId: user.id, role, admin: false, source: { type: "manual" } } });
      }

      const identityChanged = !current || JSON.stringify(matchable.before) !== JSON.stringify(matchable.after);
      if (identityChanged || organization) await relinkUser(scope, user);
      return user;
    },
  });

  return {
    async upsert(actor, input, options) {
      const ref = parseActor(actor);
      const data = parseInput(upsertUserInputSchema, input, "user");
      const opts = parseInput(upsertUserOptionsSchema, options ?? {}, "options", ["options"]);
      if (opts.role !== undefined) assertDeclaredRole(runtime.config, opts.role, "options.role", "options");
      return runtime.execute(upsertUser, ref, { data, opts });
    },

    async get(actor, id) {
      const ref = parseActor(actor);
      const userId = parseInput(idSchema, id, "user id", ["id"]);
      return runtime.read(ref, async ({ session, auth }) => {
        const user = await session.users.get(userId);
        if (!user) return null;
        if ((ref.type === "user" && ref.id === userId) || auth.allows({ check: "canAdministerPlatform" })) return user;
        // Those who manage the user in one of its organizations read it.
        const memberships = await session.memberships.listByUser(userId);
        const organizations = await session.organizations.getMany(memberships.map((m) => m.organizationId));
        return organizations.some((organization) => auth.allows({ check: "canManageUser", organization })) ? user : null;
      });
    },

    async list(actor, options) {
      const ref = parseActor(actor);
      const { after, limit, organizationId } = parseInput(listUsersOptionsSchema, options ?? {}, "options", ["options"]);
      return runtime.read(ref, async ({ session, auth }) => {
        if (organizationId === undefined) {
          auth.require({ check: "canAdministerPlatform" }, "list every user (pass organizationId to list the users of an organization whose users it manages)");
          const { items, more } = await keysetPage((o) => session.users.scan(o), (u) => u.id, after ?? null, limit);
          return { items, nextCursor: more ? items[items.length - 1]!.id : null };
        }
        const organization = await session.organizations.get(organizationId);
        // An organization it may not manage reads as one without members: the answer does not tell which ids exist.
        if (organization === null || !auth.allows({ check: "canManageUser", organization })) return { items: [], nextCursor: null };
        const { items: memberships, more } = await keysetPage((o) => session.memberships.listByOrganization(organizationId, o), (m) => m.userId, after ?? null, limit);
        const items = await session.users.getMany(memberships.map((m) => m.userId));
        return { items, nextCursor: more ? memberships[memberships.length - 1]!.userId : null };
      });
    },

    async erase(actor, userId) {
      const ref = parseActor(actor);
      return runtime.execute(eraseUser, ref, { userId: parseInput(idSchema, userId, "user id", ["userId"]) });
    },

    async export(actor, userId) {
      const ref = parseActor(actor);
      return runtime.execute(exportUser, ref, { userId: parseInput(idSchema, userId, "user id", ["userId"]) });
    },

    async remove(actor, userId) {
      const ref = parseActor(actor);
      return runtime.execute(removeUser, ref, { userId: parseInput(idSchema, userId, "user id", ["userId"]) });
    },
  };
}

/**
 * One page of a keyset listing and whether another follows: a full page is followed by a
 * one-row look past its end, so the last page never comes back empty.
 */
async function keysetPage<T>(fetch: (options: KeysetOptions) => Promise<T[]>, keyOf: (item: T) => string, after: string | null, limit: number): Promise<{ items: T[]; more: boolean }> {
  const items = await fetch({ after, limit });
  if (items.length < limit) return { items, more: false };
  const next = await fetch({ after: keyOf(items[items.length - 1]!), limit: 1 });
  return { items, more: next.length > 0 };
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value) => b.includes(value));
}
