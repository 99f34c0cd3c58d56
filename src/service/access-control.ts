import { z } from "zod";
import { notFound, OrgKitError, versionConflict } from "../errors.js";
import { linkOrganizationUsergroups, unlinkOrganizationUsergroups } from "../domain/organization/commands.js";
import { idSchema, type Organization } from "../domain/organization/schema.js";
import { parseInput } from "../domain/validation.js";
import { keysetPages } from "../storage/pages.js";
import { platformAdministration, requestsThen } from "./use-case.js";
import { BUILT_IN_USERGROUPS, ORGANIZATION_ACTIONS, type OrganizationAction } from "../permissions/snapshot.js";
import type { OrganizationVocabulary } from "../domain/organization/vocabulary.js";
import type { StateCombinationKey } from "./typed-kit.js";
import type { StaffProfileRecord, UsergroupRecord } from "../storage/ports.js";
import { parseActor, type Actor } from "./actor.js";
import { loadOrganization, type Runtime } from "./runtime.js";
import { assertDeclaredPermissions } from "./vocabulary.js";

const permissionName = z.string().trim().min(1).max(128);
/** Schema of {@link CreateUsergroupInput}. */
export const createUsergroupInputSchema = z
  .object({
    /** Use this id instead of one from the kit's id generator (`ug_…` by default); an id already taken is `CONFLICT`. */
    id: idSchema.optional(),
    /** Display name (used in explanations), trimmed, 1–200 characters. */
    name: z.string().trim().min(1).max(200),
    /** The permissions the group grants, 1–128 characters each, de-duplicated; with declared permissions, only those (else `VALIDATION_FAILED`). Default none. */
    permissions: z.array(permissionName).max(10_000).default([]).transform((v) => [...new Set(v)]),
    /** `everyone` (every subject, guests too) or `registered` (registered users) for a group that applies automatically; `null` (default) for a group users and organizations are put in. */
    builtIn: z.enum(BUILT_IN_USERGROUPS).nullable().default(null),
  })
  .strict();
/** Input of `kit.usergroups.create`. `builtIn: "everyone"` applies to every subject (guests too), `"registered"` to registered users. */
export type CreateUsergroupInput<Permission extends string = string> = string extends Permission
  ? z.input<typeof createUsergroupInputSchema>
  : (Omit<z.input<typeof createUsergroupInputSchema>, "permissions"> & {
        /** The declared permissions the group grants (de-duplicated); default none. */
        readonly permissions?: readonly Permission[];
      }) extends infer O
    ? { [K in keyof O]: O[K] }
    : never;
/** Schema of {@link UpdateUsergroupInput}. */
export const updateUsergroupInputSchema = z
  .object({
    /** The new display name, trimmed, 1–200 characters. */
    name: z.string().trim().min(1).max(200).optional(),
    /** The permissions the group grants from now on, replacing the current list (de-duplicated; with declared permissions, only those). */
    permissions: z.array(permissionName).max(10_000).transform((v) => [...new Set(v)]).optional(),
  })
  .strict();
/** Patch of `kit.usergroups.update`. */
export type UpdateUsergroupInput<Permission extends string = string> = string extends Permission
  ? z.input<typeof updateUsergroupInputSchema>
  : (Omit<z.input<typeof updateUsergroupInputSchema>, "permissions"> & {
        /** The declared permissions the group grants from now on, replacing the current list. */
        readonly permissions?: readonly Permission[];
      }) extends infer O
    ? { [K in keyof O]: O[K] }
    : never;

const actionList = z.array(z.enum(ORGANIZATION_ACTIONS)).max(ORGANIZATION_ACTIONS.length).transform((v) => [...new Set(v)]);
const grantsFields = {
  add: z.boolean(),
  organizations: z.record(z.string().min(1).max(200), actionList),
  notes: z
    .object({
      /** May edit notes the agent wrote itself. */
      editOwn: z.boolean(),
      /** May delete notes the agent wrote itself. */
      deleteOwn: z.boolean(),
      /** May edit notes anyone wrote. */
      editAny: z.boolean(),
      /** May delete notes anyone wrote. */
      deleteAny: z.boolean(),
    })
    .partial()
    .strict(),
};
/** Schema of {@link CreateStaffProfileInput}. */
export const createStaffProfileInputSchema = z
  .object({
    /** Use this id instead of one from the kit's id generator (`prof_…` by default); an id already taken is `CONFLICT`. */
    id: idSchema.optional(),
    /** Display name (used in explanations), trimmed, 1–200 characters. */
    name: z.string().trim().min(1).max(200),
    /** Whether the profile's agents may create organizations. Default `false`. */
    add: grantsFields.add.default(false),
    /**
     * The actions (`read`, `edit`, `delete`) allowed on organizations, by exact state
     * combination key (`"service"`, `"service+outreach"`, `"none"` for no state); a key
     * that is not a combination of the configured state flags is `VALIDATION_FAILED`. A
     * combination left out allows nothing. Default none.
     */
    organizations: grantsFields.organizations.default({}),
    /** Which notes the profile's agents may edit or delete; a rule left out is `false`. Default none. */
    notes: grantsFields.notes.default({}),
  })
  .strict();
/**
 * Input of `kit.profiles.create`: a staff profile (seed 004). `organizations` maps a state
 * combination key (`"service"`, `"service+outreach"`, … or `"none"`) to the actions allowed
 * on organizations in exactly that combination.
 *
 * @example
 * ```ts
 * await kit.profiles.create(admin, {
 *   name: "Support agents",
 *   add: false,
 *   organizations: { service: ["read", "edit"], "service+outreach": ["read"], none: ["read"] },
 *   notes: { editOwn: true, deleteOwn: true },
 * });
 * ```
 */
export type CreateStaffProfileInput<State extends string = string> = string extends State
  ? z.input<typeof createStaffProfileInputSchema>
  : (Omit<z.input<typeof createStaffProfileInputSchema>, "organizations"> & {
        /** The actions allowed on organizations, by combination of the declared states (`"none"` for no state); default none. */
        readonly organizations?: StateCombinationGrants<State>;
      }) extends infer O
    ? { [K in keyof O]: O[K] }
    : never;

/** A staff profile's `organizations` with declared states: the actions by state combination key. */
export type StateCombinationGrants<State extends string> = { readonly [K in StateCombinationKey<State>]?: readonly OrganizationAction[] };
/** Schema of {@link UpdateStaffProfileInput}. */
export const updateStaffProfileInputSchema = z
  .object({
    /** The new display name, trimmed, 1–200 characters. */
    name: z.string().trim().min(1).max(200).optional(),
    /** Whether the profile's agents may create organizations. */
    add: grantsFields.add.optional(),
    /** The actions allowed on organizations by state combination key, replacing the whole current map (a combination left out then allows nothing). */
    organizations: grantsFields.organizations.optional(),
    /** The note rules, replacing the current ones (a rule left out is then `false`). */
    notes: grantsFields.notes.optional(),
  })
  .strict();
/** Patch of `kit.profiles.update`. */
export type UpdateStaffProfileInput<State extends string = string> = string extends State
  ? z.input<typeof updateStaffProfileInputSchema>
  : (Omit<z.input<typeof updateStaffProfileInputSchema>, "organizations"> & {
        /** The actions allowed on organizations by combination of the declared states, replacing the whole current map. */
        readonly organizations?: StateCombinationGrants<State>;
      }) extends infer O
    ? { [K in keyof O]: O[K] }
    : never;

/** Checks every combination key of a profile against the configured state flags. */
function assertCombinationKeys(keys: readonly string[], states: readonly string[]): void {
  const issues = keys.flatMap((key) => {
    if (key === "none") return [];
    const flags = key.split("+");
    const unknown = flags.filter((f) => !states.includes(f));
    const duplicate = new Set(flags).size !== flags.length;
    return unknown.length > 0 || duplicate
      ? [{ path: `organizations.${key}`, message: `not a combination of the state flags (${states.join(", ")})`, code: "invalid_key" }]
      : [];
  });
  if (issues.length > 0) {
    throw new OrgKitError("VALIDATION_FAILED", `Invalid staff profile at ${issues[0]!.path}: ${issues[0]!.message}`, { details: { issues } });
  }
}

/**
 * Usergroup use cases (platform admins only; see {@link OrgKit.usergroups}); `Permission`
 * and `V` are the kit's declared permissions and vocabulary (see `defineConfig`).
 */
export interface UsergroupsApi<Permission extends string = string, V extends OrganizationVocabulary = OrganizationVocabulary> {
  /**
   * Creates a usergroup (platform admins and the system actor; others `FORBIDDEN`) and
   * returns it at version 1. A permission that is not declared is `VALIDATION_FAILED`; an
   * `id` already taken is `CONFLICT`.
   *
   * @example
   * ```ts
   * const portal = await kit.usergroups.create(SYSTEM_ACTOR, { name: "Portal users", permissions: ["portal.tickets.create"] });
   * await kit.usergroups.linkOrganization(SYSTEM_ACTOR, "acme", portal.id);
   * ```
   */
  create(actor: Actor, input: CreateUsergroupInput<Permission>): Promise<UsergroupRecord>;
  /**
   * Renames a usergroup or replaces its permissions (platform admins and the system actor)
   * and returns it with its version increased. `NOT_FOUND` for an unknown id; `CONFLICT`
   * when `options.expectedVersion` is given and the group is at another version.
   */
  update(actor: Actor, id: string, patch: UpdateUsergroupInput<Permission>, options?: { readonly expectedVersion?: number }): Promise<UsergroupRecord>;
  /** Deletes the group and unlinks it from every organization and user that referenced it. */
  delete(actor: Actor, id: string): Promise<boolean>;
  /** The usergroup, or `null` when there is none with this id (platform admins and the system actor; reading usergroups is platform administration, others `FORBIDDEN`). */
  get(actor: Actor, id: string): Promise<UsergroupRecord | null>;
  /** Every usergroup, built-in ones included (platform admins and the system actor; others `FORBIDDEN`). */
  list(actor: Actor): Promise<UsergroupRecord[]>;
  /** Links an organization to a usergroup: the organization's members get the group's permissions. */
  linkOrganization(actor: Actor, organizationId: string, usergroupId: string): Promise<Organization<V>>;
  /**
   * Unlinks a usergroup from an organization (platform admins and the system actor): its
   * members no longer get the group's permissions through it. Returns the organization;
   * unlinking a group that was not linked changes nothing. `NOT_FOUND` for an unknown
   * organization or usergroup.
   */
  unlinkOrganization(actor: Actor, organizationId: string, usergroupId: string): Promise<Organization<V>>;
}

/** Staff profile use cases (platform admins only; see {@link OrgKit.profiles}). */
export interface StaffProfilesApi<State extends string = string> {
  /**
   * Creates a staff profile (platform admins and the system actor; others `FORBIDDEN`) and
   * returns it at version 1; give it to agents with `users.upsert({ id, profileId })`. A
   * combination key that is not made of the configured state flags is
   * `VALIDATION_FAILED`; an `id` already taken is `CONFLICT`.
   */
  create(actor: Actor, input: CreateStaffProfileInput<State>): Promise<StaffProfileRecord>;
  /**
   * Changes a staff profile (platform admins and the system actor): the fields given
   * replace the current ones, the others stay. Returns it with its version increased; its
   * agents' rights change at once. `NOT_FOUND` for an unknown id; `CONFLICT` when
   * `options.expectedVersion` is given and the profile is at another version.
   */
  update(actor: Actor, id: string, patch: UpdateStaffProfileInput<State>, options?: { readonly expectedVersion?: number }): Promise<StaffProfileRecord>;
  /** Deletes the profile; refused with `CONFLICT` while users still have it. */
  delete(actor: Actor, id: string): Promise<boolean>;
  /** The staff profile, or `null` when there is none with this id (platform admins and the system actor; others `FORBIDDEN`). */
  get(actor: Actor, id: string): Promise<StaffProfileRecord | null>;
  /** Every staff profile (platform admins and the system actor; others `FORBIDDEN`). */
  list(actor: Actor): Promise<StaffProfileRecord[]>;
}

const byId = (record: { readonly id: string }) => record.id;

const versionOption = z.object({ expectedVersion: z.number().int().min(1).optional() }).strict();

function checkVersion(entity: string, current: { id: string; version: number }, expected: number | undefined): void {
  if (expected !== undefined && expected !== current.version) {
    throw versionConflict(entity, current.id, expected, current.version);
  }
}

export function createUsergroupsApi(runtime: Runtime): UsergroupsApi {
  const idOf = (id: unknown, path = "id") => parseInput(idSchema, id, "id", [path]);

  async function link(actor: Actor, organizationId: unknown, usergroupId: unknown, linked: boolean): Promise<Organization> {
    const ref = parseActor(actor);
    const orgId = idOf(organizationId, "organizationId");
    const groupId = idOf(usergroupId, "usergroupId");
    return runtime.execute(
      requestsThen("write", platformAdministration("link usergroups to organizations"), async (scope) => {
        const organization = await loadOrganization(scope.session, orgId);
        if (!(await scope.session.usergroups.get(groupId))) throw notFound("usergroup", groupId);
        const context = { now: scope.now, config: runtime.config.organization };
        const result = linked ? linkOrganizationUsergroups(organization, [groupId], context) : unlinkOrganizationUsergroups(organization, [groupId], context);
        await scope.session.organizations.update(result.organization, organization.version);
        scope.recordDomain(result.events);
        return result.organization;
      }),
      ref,
      null,
    );
  }

  return {
    async create(actor, input) {
      const ref = parseActor(actor);
      const data = parseInput(createUsergroupInputSchema, input, "usergroup");
      assertDeclaredPermissions(runtime.config, data.permissions, "permissions", "usergroup");
      return runtime.execute(
        requestsThen("write", platformAdministration("create usergroups"), async (scope) => {
          const at = scope.now.toISOString();
          const group: UsergroupRecord = { id: data.id ?? scope.ids("usergroup"), name: data.name, permissions: data.permissions, builtIn: data.builtIn, createdAt: at, updatedAt: at, version: 1 };
          await scope.session.usergroups.insert(group);
          scope.record({ type: "usergroup.created", organizationId: null, data: { usergroup: group } });
          return group;
        }),
        ref,
        null,
      );
    },
    async update(actor, id, patch, options) {
      const ref = parseActor(actor);
      const groupId = idOf(id);
      const data = parseInput(updateUsergroupInputSchema, patch, "usergroup patch");
      assertDeclaredPermissions(runtime.config, data.permissions, "permissions", "usergroup patch");
      const { expectedVersion } = parseInput(versionOption, options ?? {}, "options", ["options"]);
      return runtime.execute(
        requestsThen("write", platformAdministration("edit usergroups"), async (scope) => {
          const current = await scope.session.usergroups.get(groupId);
          if (!current) throw notFound("usergroup", groupId);
          checkVersion("Usergroup", current, expectedVersion);
          const next: UsergroupRecord = {
            ...current,
            ...(data.name !== undefined ? { name: data.name } : {}),
            ...(data.permissions !== undefined ? { permissions: data.permissions } : {}),
            updatedAt: scope.now.toISOString(),
            version: current.version + 1,
          };
          await scope.session.usergroups.update(next, current.version);
          scope.record({ type: "usergroup.updated", organizationId: null, data: { id: groupId, changes: data } });
          return next;
        }),
        ref,
        null,
      );
    },
    async delete(actor, id) {
      const ref = parseActor(actor);
      const groupId = idOf(id);
      return runtime.execute(
        requestsThen("write", platformAdministration("delete usergroups"), async (scope) => {
          if (!(await scope.session.usergroups.get(groupId))) return false;
          // Unlink from organizations and users so no dangling reference survives the group.
          for await (const page of keysetPages((o) => scope.session.organizations.scan(o), byId)) {
            for (const organization of page) {
              if (!organization.usergroupIds.includes(groupId)) continue;
              const result = unlinkOrganizationUsergroups(organization, [groupId], { now: scope.now, config: runtime.config.organization });
              await scope.session.organizations.update(result.organization, organization.version);
              scope.recordDomain(result.events);
            }
          }
          for await (const page of keysetPages((o) => scope.session.users.scan(o), byId)) {
            for (const user of page) {
              if (!user.usergroupIds.includes(groupId)) continue;
              await scope.session.users.update(
                { ...user, usergroupIds: user.usergroupIds.filter((g) => g !== groupId), updatedAt: scope.now.toISOString(), version: user.version + 1 },
                user.version,
              );
            }
          }
          await scope.session.usergroups.delete(groupId);
          scope.record({ type: "usergroup.deleted", organizationId: null, data: { id: groupId } });
          return true;
        }),
        ref,
        null,
      );
    },
    async get(actor, id) {
      const ref = parseActor(actor);
      const groupId = idOf(id);
      return runtime.execute(
        requestsThen("read", platformAdministration("read usergroups"), (scope) => {
          return scope.session.usergroups.get(groupId);
        }),
        ref,
        null,
      );
    },
    async list(actor) {
      const ref = parseActor(actor);
      return runtime.execute(
        requestsThen("read", platformAdministration("list usergroups"), (scope) => {
          return scope.session.usergroups.list();
        }),
        ref,
        null,
      );
    },
    linkOrganization: (actor, organizationId, usergroupId) => link(actor, organizationId, usergroupId, true),
    unlinkOrganization: (actor, organizationId, usergroupId) => link(actor, organizationId, usergroupId, false),
  };
}

export function createStaffProfilesApi(runtime: Runtime): StaffProfilesApi {
  const idOf = (id: unknown) => parseInput(idSchema, id, "id", ["id"]);
  const states = runtime.config.organization.states;
  return {
    async create(actor, input) {
      const ref = parseActor(actor);
      const data = parseInput(createStaffProfileInputSchema, input, "staff profile");
      assertCombinationKeys(Object.keys(data.organizations), states);
      return runtime.execute(
        requestsThen("write", platformAdministration("create staff profiles"), async (scope) => {
          const at = scope.now.toISOString();
          const profile: StaffProfileRecord = {
            id: data.id ?? scope.ids("profile"),
            name: data.name,
            grants: { add: data.add, organizations: data.organizations, notes: data.notes },
            createdAt: at,
            updatedAt: at,
            version: 1,
          };
          await scope.session.profiles.insert(profile);
          scope.record({ type: "profile.created", organizationId: null, data: { profile } });
          return profile;
        }),
        ref,
        null,
      );
    },
    async update(actor, id, patch, options) {
      const ref = parseActor(actor);
      const profileId = idOf(id);
      const data = parseInput(updateStaffProfileInputSchema, patch, "staff profile patch");
      if (data.organizations) assertCombinationKeys(Object.keys(data.organizations), states);
      const { expectedVersion } = parseInput(versionOption, options ?? {}, "options", ["options"]);
      return runtime.execute(
        requestsThen("write", platformAdministration("edit staff profiles"), async (scope) => {
          const current = await scope.session.profiles.get(profileId);
          if (!current) throw notFound("staff profile", profileId);
          checkVersion("Staff profile", current, expectedVersion);
          const { name, ...grants } = data;
          const next: StaffProfileRecord = {
            ...current,
            ...(name !== undefined ? { name } : {}),
            grants: { ...current.grants, ...Object.fromEntries(Object.entries(grants).filter(([, v]) => v !== undefined)) },
            updatedAt: scope.now.toISOString(),
            version: current.version + 1,
          };
          await scope.session.profiles.update(next, current.version);
          scope.record({ type: "profile.updated", organizationId: null, data: { id: profileId, changes: data } });
          return next;
        }),
        ref,
        null,
      );
    },
    async delete(actor, id) {
      const ref = parseActor(actor);
      const profileId = idOf(id);
      return runtime.execute(
        requestsThen("write", platformAdministration("delete staff profiles"), async (scope) => {
          if (!(await scope.session.profiles.get(profileId))) return false;
          for await (const page of keysetPages((o) => scope.session.users.scan(o), byId)) {
            const holder = page.find((u) => u.profileId === profileId);
            if (holder) {
              throw new OrgKitError("CONFLICT", `Staff profile ${profileId} is still assigned to user ${holder.id}`, { details: { reason: "in_use", entity: "staff profile", id: profileId, userId: holder.id } });
            }
          }
          await scope.session.profiles.delete(profileId);
          scope.record({ type: "profile.deleted", organizationId: null, data: { id: profileId } });
          return true;
        }),
        ref,
        null,
      );
    },
    async get(actor, id) {
      const ref = parseActor(actor);
      const profileId = idOf(id);
      return runtime.execute(
        requestsThen("read", platformAdministration("read staff profiles"), (scope) => {
          return scope.session.profiles.get(profileId);
        }),
        ref,
        null,
      );
    },
    async list(actor) {
      const ref = parseActor(actor);
      return runtime.execute(
        requestsThen("read", platformAdministration("list staff profiles"), (scope) => {
          return scope.session.profiles.list();
        }),
        ref,
        null,
      );
    },
  };
}
