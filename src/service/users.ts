import { z } from "zod";
import { atInputPath, isOrgKitError, notFound, versionConflict } from "../errors.js";
import { normalizeEmail } from "../domain/matching/email.js";
import { normalizePhone } from "../domain/matching/phone.js";
import { normalizeUsername } from "../domain/matching/username.js";
import type { PhoneRegion } from "../domain/matching/phone.js";
import { assertAssignable } from "../domain/organization/commands.js";
import { idSchema, type Organization } from "../domain/organization/schema.js";
import { PLATFORM_ROLES, USER_KINDS, type Membership, type User } from "../domain/membership/model.js";
import { parseInput } from "../domain/validation.js";
import { parseActor, type Actor } from "./actor.js";
import { matchableIdentity, relinkUser, type MatchableIdentity } from "./linking.js";
import { putMembership, roleSchema } from "./memberships.js";
import { loadOrganization, type Runtime } from "./runtime.js";
import { defineUseCase, type Need } from "./use-case.js";

/** An identity value, alone (verification kept as it was) or with whether the host verified it. */
const identityItem = (max: number) =>
  z.union([z.string().max(max), z.object({ value: z.string().max(max), verified: z.boolean().optional() }).strict()]);

/** Schema of {@link UpsertUserInput}. */
export const upsertUserInputSchema = z
  .object({
    id: idSchema,
    kind: z.enum(USER_KINDS).optional(),
    emails: z.array(identityItem(1000)).max(100).optional(),
    username: identityItem(1000).nullable().optional(),
    phones: z.array(identityItem(100)).max(100).optional(),
    registered: z.boolean().optional(),
    usergroupIds: z.array(idSchema).max(1000).optional(),
    platformRole: z.enum(PLATFORM_ROLES).nullable().optional(),
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
    expectedVersion: z.number().int().min(1).optional(),
    organizationId: idSchema.optional(),
    role: roleSchema.optional(),
  })
  .strict();
/**
 * Options of `kit.users.upsert`. `organizationId` is how an organization admin creates
 * or edits a user of its own organization: the user joins it (with `role`, default
 * `member`) if not a member yet.
 */
export type UpsertUserOptions = z.input<typeof upsertUserOptionsSchema>;

/** User use cases (see {@link OrgKit.users}). */
export interface UsersApi {
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
  upsert(actor: Actor, input: UpsertUserInput, options?: UpsertUserOptions): Promise<User>;
  get(actor: Actor, id: string): Promise<User | null>;
}

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
  };
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value) => b.includes(value));
}
