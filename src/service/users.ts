import { z } from "zod";
import { OrgKitError, isOrgKitError } from "../errors.js";
import { normalizeEmail } from "../domain/matching/email.js";
import { normalizePhone } from "../domain/matching/phone.js";
import { normalizeUsername } from "../domain/matching/username.js";
import type { PhoneRegion } from "../domain/matching/phone.js";
import { assertAssignable } from "../domain/organization/commands.js";
import { idSchema } from "../domain/organization/schema.js";
import { PLATFORM_ROLES, USER_KINDS, type Membership, type User } from "../domain/membership/model.js";
import { parseInput } from "../domain/validation.js";
import { requireAllowed } from "./access.js";
import { parseActor, type Actor } from "./actor.js";
import { relinkUser } from "./linking.js";
import { putMembership, roleSchema } from "./memberships.js";
import { loadOrganization, notFound, type CommandScope, type Runtime } from "./runtime.js";

/** Schema of {@link UpsertUserInput}. */
export const upsertUserInputSchema = z
  .object({
    id: idSchema,
    kind: z.enum(USER_KINDS).optional(),
    emails: z.array(z.string().max(1000)).max(100).optional(),
    username: z.string().max(1000).nullable().optional(),
    phones: z.array(z.string().max(100)).max(100).optional(),
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

  function normalizeList(values: readonly string[], path: string, normalize: (value: string) => string): string[] {
    const out: string[] = [];
    values.forEach((value, index) => {
      try {
        const normalized = normalize(value);
        if (!out.includes(normalized)) out.push(normalized);
      } catch (error) {
        throw withPath(error, `${path}.${index}`);
      }
    });
    return out;
  }

  function withPath(error: unknown, path: string): unknown {
    if (!isOrgKitError(error)) return error;
    return new OrgKitError(error.code, `${error.message} (at ${path})`, { details: { ...error.details, path }, cause: error });
  }

  function normalizeIdentity(data: z.output<typeof upsertUserInputSchema>) {
    const emailOptions = { lowerCaseLocalPart: config.lowercaseEmailLocalPart };
    const phoneOptions = { defaultRegion: config.defaultPhoneRegion as PhoneRegion };
    let username: string | null | undefined = data.username;
    if (typeof username === "string") {
      try {
        username = normalizeUsername(username);
      } catch (error) {
        throw withPath(error, "username");
      }
    }
    return {
      emails: data.emails && normalizeList(data.emails, "emails", (v) => normalizeEmail(v, emailOptions)),
      phones: data.phones && normalizeList(data.phones, "phones", (v) => normalizePhone(v, phoneOptions)),
      username,
    };
  }

  function requirePlatformFields(scope: CommandScope, data: z.output<typeof upsertUserInputSchema>, current: User | null): void {
    const { access, actor } = scope;
    const changes = (field: "kind" | "usergroupIds" | "platformRole" | "profileId", fallback: unknown) => {
      const value = data[field];
      if (value === undefined) return false;
      return JSON.stringify(value) !== JSON.stringify(current ? current[field] : fallback);
    };
    for (const [field, fallback] of [["kind", "user"], ["usergroupIds", []], ["profileId", null]] as const) {
      if (changes(field, fallback)) requireAllowed(access.canAdministerPlatform(), actor, `set ${field} of users`, { field });
    }
    if (changes("platformRole", null) || (current?.platformRole === "super_admin" && !access.isSystem && !access.isSuperAdmin)) {
      requireAllowed(access.isSystem || access.isSuperAdmin, actor, "grant, change or edit platform roles", { field: "platformRole" });
    }
  }

  return {
    async upsert(actor, input, options) {
      const ref = parseActor(actor);
      const data = parseInput(upsertUserInputSchema, input, "user");
      const opts = parseInput(upsertUserOptionsSchema, options ?? {}, "options", ["options"]);
      const identity = normalizeIdentity(data);
      return runtime.run(ref, async (scope) => {
        const { session, access } = scope;
        const current = await session.users.get(data.id);
        if (opts.expectedVersion !== undefined && current?.version !== opts.expectedVersion) {
          throw new OrgKitError("CONFLICT", `User ${data.id} is at version ${current?.version ?? "none"}, not the expected ${opts.expectedVersion}`, {
            details: { reason: "version", id: data.id, expectedVersion: opts.expectedVersion, actualVersion: current?.version ?? null },
          });
        }
        requirePlatformFields(scope, data, current);
        const organization = opts.organizationId ? await loadOrganization(session, opts.organizationId) : null;
        if (!access.canAdministerPlatform()) {
          requireAllowed(organization !== null && access.canManageUsersOf(organization.id), ref, "create or edit users outside an organization it administers", {
            organizationId: organization?.id ?? null,
          });
          if (current) {
            const member = await session.memberships.get(current.id, organization!.id);
            requireAllowed(member !== null && access.canManageUser(current, member, organization!), ref, `edit user ${current.id} (only plain members of organization ${organization!.id})`);
          }
        }
        const at = scope.now.toISOString();
        const user: User = {
          id: data.id,
          kind: data.kind ?? current?.kind ?? "user",
          emails: identity.emails ?? current?.emails ?? [],
          username: identity.username !== undefined ? identity.username : (current?.username ?? null),
          phones: identity.phones ?? current?.phones ?? [],
          registered: data.registered ?? current?.registered ?? false,
          usergroupIds: data.usergroupIds ? [...new Set(data.usergroupIds)] : (current?.usergroupIds ?? []),
          platformRole: data.platformRole !== undefined ? data.platformRole : (current?.platformRole ?? null),
          profileId: data.profileId !== undefined ? data.profileId : (current?.profileId ?? null),
          createdAt: current?.createdAt ?? at,
          updatedAt: at,
          version: (current?.version ?? 0) + 1,
        };
        if (user.profileId !== null && user.profileId !== current?.profileId && !(await session.profiles.get(user.profileId))) {
          throw notFound("staff profile", user.profileId);
        }
        for (const groupId of user.usergroupIds) {
          if (!current?.usergroupIds.includes(groupId) && !(await session.usergroups.get(groupId))) throw notFound("usergroup", groupId);
        }
        if (current) await session.users.update(user, current.version);
        else await session.users.insert(user);
        scope.record({ type: current ? "user.updated" : "user.created", organizationId: null, data: { userId: user.id, version: user.version } });

        if (organization && !(await session.memberships.get(user.id, organization.id))) {
          const role = opts.role ?? "member";
          requireAllowed(access.canAssignRole(organization, role), ref, `assign role '${role}' in organization ${organization.id}`, { allowedRoles: organization.allowedRoles });
          assertAssignable(organization);
          const membership: Membership = { userId: user.id, organizationId: organization.id, role, admin: false, source: { type: "manual" }, createdAt: at, updatedAt: at };
          await putMembership(scope, membership, (from) =>
            requireAllowed(access.canManageUsersOf(from.organizationId), ref, `move users out of organization ${from.organizationId}`),
          );
          scope.record({ type: "membership.added", organizationId: organization.id, data: { userId: user.id, role, admin: false, source: { type: "manual" } } });
        }

        const identityChanged =
          !current ||
          JSON.stringify([current.emails, current.username, current.phones]) !== JSON.stringify([user.emails, user.username, user.phones]);
        if (identityChanged || organization) await relinkUser(scope, user);
        return user;
      });
    },

    async get(actor, id) {
      const ref = parseActor(actor);
      const userId = parseInput(idSchema, id, "user id", ["id"]);
      return runtime.read(ref, async ({ session, access }) => {
        const user = await session.users.get(userId);
        if (!user) return null;
        if (access.isSystem || access.isPlatformAdmin || (ref.type === "user" && ref.id === userId)) return user;
        const memberships = await session.memberships.listByUser(userId);
        return memberships.some((m) => access.canManageUsersOf(m.organizationId)) ? user : null;
      });
    },
  };
}
