import { z } from "zod";
import { notFound, OrgKitError, organizationMerged, uniqueConflict } from "../errors.js";
import { assertCanSetParent } from "../domain/hierarchy/assert-can-set-parent.js";
import {
  createOrganization,
  discontinueOrganization,
  reactivateOrganization,
  renameOrganization,
  setOrganizationParent,
  updateOrganization,
  type CommandResult,
} from "../domain/organization/commands.js";
import { idSchema, type CreateOrganizationInput, type Organization, type UpdateOrganizationInput } from "../domain/organization/schema.js";
import { parseInput } from "../domain/validation.js";
import type { OrganizationSearchQuery, OrganizationVisibility, SearchPage } from "../storage/ports.js";
import { stateSetKey } from "../storage/search-query.js";
import { ORGANIZATION_STATUSES } from "../permissions/snapshot.js";
import type { Authorization } from "./authorization.js";
import { defineUseCase, noFacts } from "./use-case.js";
import type { OrganizationVocabulary } from "../domain/organization/vocabulary.js";
import { parseActor, type Actor } from "./actor.js";
import { followMerges } from "./follow-merges.js";
import { linkUsersMatchingRule } from "./linking.js";
import { loadOrganization, type CommandScope, type Runtime } from "./runtime.js";
import { assertDeclaredRoles } from "./vocabulary.js";

/** Input of `kit.organizations.create`: the organization fields, plus an optional id of your own. */
export type CreateOrganizationRequest<V extends OrganizationVocabulary = OrganizationVocabulary> = CreateOrganizationInput<V> & {
  /** Use this id instead of a generated one. */
  readonly id?: string;
};

/** Options of commands on one organization. */
export interface WriteOptions {
  /** Fail with `CONFLICT` unless the organization is at this version (optimistic concurrency). */
  readonly expectedVersion?: number;
}

/** Options of `kit.organizations.get` and `getByExternalId`. */
export interface LookupOptions {
  /** Answer the survivor for an organization merged into another (default `true`); `false` answers the merged organization itself. */
  readonly followMerges?: boolean;
}

/** A node of `kit.organizations.tree`. */
export interface OrganizationTreeNode<V extends OrganizationVocabulary = OrganizationVocabulary> {
  /** The organization at this node. */
  readonly organization: Organization<V>;
  /** Its direct children the actor may see, sorted by name, each with its own subtree; empty for a leaf. */
  readonly children: readonly OrganizationTreeNode<V>[];
}

/**
 * A page of search results: only organizations the actor may read, a cursor that only
 * ever holds one of them, and `total`, the number of matching organizations the actor
 * may read.
 */
export interface OrganizationSearchResult<V extends OrganizationVocabulary = OrganizationVocabulary> {
  /** This page's organizations, in the query's sort order (at most `limit`). */
  readonly items: readonly Organization<V>[];
  /** Pass it as `cursor`, with the same query, for the next page; `null` on the last page. */
  readonly nextCursor: string | null;
  /** How many organizations the actor may read match the query, across all pages. */
  readonly total: number;
}

// Schemas are built once: building a zod schema costs far more than parsing with it.
const ownIdSchema = z.object({ id: idSchema.optional() }).passthrough();
const treeOptionsSchema = z.object({ includeDiscontinued: z.boolean().optional() }).strict();
const lookupOptionsSchema = z.object({ followMerges: z.boolean().default(true) }).strict();
const writeOptionsSchema = z.object({ expectedVersion: z.number().int().min(1).optional() }).strict();

const searchSchema = z
  .object({
    text: z.string().trim().max(200).optional(),
    types: z.array(z.string().min(1)).max(50).optional(),
    tags: z.array(z.string().trim().min(1)).max(50).optional(),
    states: z.array(z.string().min(1)).max(16).optional(),
    status: z.enum(ORGANIZATION_STATUSES).optional(),
    parentId: idSchema.nullable().optional(),
    sort: z.enum(["name", "createdAt", "updatedAt"]).optional(),
    direction: z.enum(["asc", "desc"]).optional(),
    limit: z.number().int().min(1).max(1000).optional(),
    cursor: z.string().max(2000).nullable().optional(),
  })
  .strict();

/**
 * The query of `kit.organizations.search`, its `types` and `states` filters typed by a
 * kit's declared vocabulary `V` (see `defineConfig`).
 */
export type OrganizationSearchInput<V extends OrganizationVocabulary = OrganizationVocabulary> = OrganizationVocabulary extends Pick<V, keyof OrganizationVocabulary>
  ? OrganizationSearchQuery
  : (Omit<OrganizationSearchQuery, "types" | "states"> & {
        /** Type is one of these declared organization types. */
        readonly types?: readonly V["organizationType"][];
        /** Has every one of these declared state flags. */
        readonly states?: readonly V["state"][];
      }) extends infer O
    ? { [K in keyof O]: O[K] }
    : never;

/** Organization use cases (see {@link OrgKit.organizations}); `V` is the kit's declared vocabulary (see `defineConfig`). */
export interface OrganizationsApi<V extends OrganizationVocabulary = OrganizationVocabulary> {
  /**
   * Creates an organization (platform admins, or agents whose staff profile grants `add`).
   * With `parentId` it is created under that parent (which must exist and be active).
   *
   * @example
   * ```ts
   * const acme = await kit.organizations.create(admin, { name: "Acme Manufacturing", type: "customer" });
   * const east = await kit.organizations.create(admin, { name: "Acme East Region", parentId: acme.id });
   * ```
   */
  create(actor: Actor, input: CreateOrganizationRequest<V>): Promise<Organization<V>>;
  /**
   * Applies a patch (see `updateOrganization`); needs `edit` on the organization's state
   * combination (old and new). This and every other change below refuses an organization
   * merged into another: `CONFLICT` (reason `merged`, `details.mergedInto`).
   */
  update(actor: Actor, id: string, patch: UpdateOrganizationInput<V>, options?: WriteOptions): Promise<Organization<V>>;
  /** Renames; the name must be unique among active organizations (case-insensitive) unless configured otherwise. */
  rename(actor: Actor, id: string, name: string, options?: WriteOptions): Promise<Organization<V>>;
  /**
   * Discontinues (soft delete; needs `delete`): kept, readable, history kept, no new
   * assignments (its rules link nobody). Its memberships, whatever their source, are kept
   * *dormant*: they grant nothing, and re-linking users never removes or changes them.
   */
  discontinue(actor: Actor, id: string, options?: WriteOptions): Promise<Organization<V>>;
  /**
   * Reactivates a discontinued organization (needs `delete`, the right that discontinued
   * it). Its dormant memberships wake up unchanged (role, admin flag, source), and its
   * member rules run again as when they were added: users who signed up or changed
   * identity meanwhile and match them are linked (`membership.added`).
   */
  reactivate(actor: Actor, id: string, options?: WriteOptions): Promise<Organization<V>>;
  /** Moves an organization (with its subtree) under `parentId`; refusals as in `assertCanSetParent`. */
  setParent(actor: Actor, id: string, parentId: string, options?: WriteOptions): Promise<Organization<V>>;
  /** Makes an organization a root. */
  detach(actor: Actor, id: string, options?: WriteOptions): Promise<Organization<V>>;
  /**
   * The organization, or `null` when it does not exist or the actor may not read it. For
   * an organization merged into another, the survivor (the end of the chain of merges),
   * under the same rule: compare its `id` with the one asked for to redirect (like an HTTP
   * 301). `{ followMerges: false }` answers the merged organization itself.
   */
  get(actor: Actor, id: string, options?: LookupOptions): Promise<Organization<V> | null>;
  /** The organization by the host's external id, under the same rules as `get` (a merged organization's external id leads to its survivor). */
  getByExternalId(actor: Actor, externalId: string, options?: LookupOptions): Promise<Organization<V> | null>;
  /** The subtree under `id` (itself included) that the actor may see, children sorted by name; hidden organizations are left out with their subtrees. */
  tree(actor: Actor, id: string, options?: { readonly includeDiscontinued?: boolean }): Promise<OrganizationTreeNode<V> | null>;
  /** Ancestors of `id`, nearest first. */
  ancestors(actor: Actor, id: string): Promise<Organization<V>[]>;
  /** Search by name, id or external id (case-insensitive, partial), with filters, sorting and cursor pagination. */
  search(actor: Actor, query?: OrganizationSearchInput<V>): Promise<OrganizationSearchResult<V>>;
}

/**
 * May the actor read this organization? The evaluator decides: platform roles, the staff
 * profile's cell for the organization's states, or an active membership (members of a
 * discontinued organization read it no more).
 */
export function canRead(auth: Authorization, organization: Organization): boolean {
  return auth.allows({ check: "canOnOrganization", action: "read", organization });
}

/** How {@link assertPlatformFieldsAllowed} asks its questions; a batch (an import) passes memoized ones. */
export interface PlatformFieldLookups {
  /** Asks the evaluator (default `scope.auth.require`). */
  readonly require?: Authorization["require"];
  /** Whether a usergroup exists (default: `scope.session.usergroups.get`). */
  readonly usergroupExists?: (id: string) => Promise<boolean>;
}

/**
 * What an organization grants its members (linked usergroups) and what its org admins may
 * hand out (allowed roles and apps) is platform administration, not an edit: changing any
 * of it needs a platform admin (or the system actor), whichever use case carries the
 * change (`create`, `update`, `import`). Newly linked usergroups must exist (`NOT_FOUND`),
 * and a discontinued organization takes no new links (`ORGANIZATION_DISCONTINUED`).
 * `before` is `null` for a new organization.
 */
export async function assertPlatformFieldsAllowed(scope: CommandScope, before: Organization | null, after: Organization, lookups: PlatformFieldLookups = {}): Promise<void> {
  const changed = (field: "usergroupIds" | "allowedRoles" | "allowedApps") => !sameSet(before?.[field] ?? [], after[field]);
  const fields = (["usergroupIds", "allowedRoles", "allowedApps"] as const).filter(changed);
  if (fields.length === 0) return;
  const action = `set ${fields.join(", ")} of organizations (platform administration)`;
  if (lookups.require) lookups.require({ check: "canAdministerPlatform" }, action);
  else scope.auth.require({ check: "canAdministerPlatform" }, action);
  const added = after.usergroupIds.filter((id) => !(before?.usergroupIds ?? []).includes(id));
  if (added.length === 0) return;
  if (after.status === "discontinued") {
    throw new OrgKitError("ORGANIZATION_DISCONTINUED", `Organization ${after.id} is discontinued and takes no new usergroup links`, { details: { id: after.id } });
  }
  const exists = lookups.usergroupExists ?? (async (id: string) => (await scope.session.usergroups.get(id)) !== null);
  for (const groupId of added) {
    if (!(await exists(groupId))) throw notFound("usergroup", groupId);
  }
}

/**
 * `add` lets an agent create organizations, but not in a state combination its profile
 * grants no right on: the new organization must be one the actor can at least read.
 */
export function assertMayHold(scope: CommandScope, organization: Organization): void {
  scope.auth.require({ check: "canOnOrganization", action: "read", organization }, `create organizations in states [${organization.states.join(", ")}]`);
}

/** A predicate for organizations a visibility filter leaves out. */
function outsideOf(visibility: OrganizationVisibility): (organization: Organization) => boolean {
  const ids = new Set(visibility.organizationIds);
  const stateKeys = new Set(visibility.stateSets.map(stateSetKey));
  return (organization) => !ids.has(organization.id) && !stateKeys.has(stateSetKey(organization.states));
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const set = new Set(a);
  return b.every((value) => set.has(value));
}

/** Throws CONFLICT when another active organization already has this name (case-insensitive). */
export async function assertNameFree(scope: CommandScope, name: string, selfId: string | null): Promise<void> {
  if (!scope.config.uniqueNames) return;
  const clash = await scope.session.organizations.findActiveByName(name);
  if (clash && clash.id !== selfId) throw nameTaken(clash);
}

/** The `CONFLICT` of a name an active organization (`clash`) already holds; `existingId` is for the logs (the actor may not see that organization). */
export function nameTaken(clash: Pick<Organization, "id" | "name">): OrgKitError<"CONFLICT"> {
  return uniqueConflict(`An active organization is already named '${clash.name}'`, { entity: "organization", field: "name", existingId: clash.id });
}

/** Throws CONFLICT when another organization already has this external id. */
export async function assertExternalIdFree(scope: CommandScope, externalId: string | null, selfId: string | null): Promise<void> {
  if (externalId === null) return;
  const clash = await scope.session.organizations.getByExternalId(externalId);
  if (clash && clash.id !== selfId) {
    // The holder may be an organization the actor may not read: the message does not name it.
    throw uniqueConflict(`External id '${externalId}' already belongs to another organization`, { entity: "organization", field: "externalId", existingId: clash.id });
  }
}

/** Loads what `assertCanSetParent` needs and runs it; returns the child's depth after the move. */
export async function checkMove(scope: CommandScope, childId: string, parentId: string, childIsNew: boolean): Promise<number> {
  const stored = await scope.session.organizations.get(parentId);
  // Nobody nests an organization under one it may not read; such a parent is reported
  // exactly as a missing one (PARENT_NOT_FOUND), so the refusal does not reveal it exists.
  const parent = stored && canRead(scope.auth, stored) ? stored : null;
  const ancestors = parent ? await scope.session.organizations.ancestors(parentId) : [];
  const height = childIsNew ? 0 : await scope.session.organizations.subtreeHeight(childId);
  assertCanSetParent({
    childId,
    parent: parent ? { id: parent.id, status: parent.status } : null,
    parentId,
    parentAncestorIds: ancestors.map((a) => a.id),
    childSubtreeHeight: height,
    maxDepth: scope.config.maxDepth,
  });
  return ancestors.length + 1;
}

export function createOrganizationsApi(runtime: Runtime): OrganizationsApi {
  const config = runtime.config;
  const idArg = (id: unknown, path = "id") => parseInput(idSchema, id, "organization id", [path]);
  const options = (value: unknown) => parseInput(writeOptionsSchema, value ?? {}, "options", ["options"]);

  /**
   * Loads, authorizes, applies a pure command, saves with the version check, records
   * events, then runs `afterSave` (what follows from the saved change) in the same transaction.
   */
  async function change(
    actor: Actor,
    id: unknown,
    writeOptions: unknown,
    action: "edit" | "delete",
    apply: (organization: Organization, scope: CommandScope, context: { now: Date; config: typeof config.organization; expectedVersion?: number }) => Promise<CommandResult> | CommandResult,
    afterSave?: (organization: Organization, scope: CommandScope) => Promise<void>,
  ): Promise<Organization> {
    const ref = parseActor(actor);
    const orgId = idArg(id);
    const { expectedVersion } = options(writeOptions);
    return runtime.execute(
      defineUseCase({
        kind: "write",
        load: (scope) => loadOrganization(scope.session, orgId),
        requests: (_input: null, current: Organization) => [{ request: { check: "canOnOrganization", action, organization: current }, action: `${action} organization ${orgId}` }],
        async command(scope, _input, current) {
          // A merged organization is a redirect to its survivor, kept as it was merged.
          if (current.mergedInto !== undefined) throw organizationMerged(current.id, current.mergedInto);
          const context = { now: scope.now, config: config.organization, ...(expectedVersion !== undefined ? { expectedVersion } : {}) };
          // Requests that depend on the change itself (platform-only fields, the states it moves into) are asked by `apply`.
          const result = await apply(current, scope, context);
          await scope.session.organizations.update(result.organization, current.version);
          scope.recordDomain(result.events);
          await afterSave?.(result.organization, scope);
          return result.organization;
        },
      }),
      ref,
      null,
    );
  }

  /** `organizations.create`: `add`, then what the new organization itself needs (asked by the command, which builds it). */
  const createOrganizationUseCase = defineUseCase({
    kind: "write",
    load: noFacts,
    requests: (_input: { readonly ownId: string | undefined; readonly fields: Record<string, unknown> }) => [{ request: { check: "canAddOrganization" }, action: "create organizations" }],
    async command(scope, { ownId, fields }) {
      const id = ownId ?? scope.ids("organization");
      const { organization, events } = createOrganization(fields as CreateOrganizationInput, { id, now: scope.now, config: config.organization });
      assertDeclaredRoles(config, organization.allowedRoles, "allowedRoles", "organization");
      assertMayHold(scope, organization);
      await assertPlatformFieldsAllowed(scope, null, organization);
      if (organization.parentId !== null) await checkMove(scope, id, organization.parentId, true);
      await assertNameFree(scope, organization.name, null);
      await assertExternalIdFree(scope, organization.externalId, null);
      await scope.session.organizations.insert(organization);
      scope.recordDomain(events);
      return organization;
    },
  });

  return {
    async create(actor, input) {
      const ref = parseActor(actor);
      const raw = parseInput(ownIdSchema, input, "organization");
      const { id: ownId, ...fields } = raw as CreateOrganizationRequest & Record<string, unknown>;
      return runtime.execute(createOrganizationUseCase, ref, { ownId, fields });
    },

    update(actor, id, patch, writeOptions) {
      return change(actor, id, writeOptions, "edit", async (current, scope, context) => {
        const result = updateOrganization(current, patch, context);
        const next = result.organization;
        // Only roles the patch sets: roles stored before they were declared do not lock the organization.
        if (next.allowedRoles !== current.allowedRoles) assertDeclaredRoles(config, next.allowedRoles, "allowedRoles", "organization patch");
        await assertPlatformFieldsAllowed(scope, current, next);
        if (next.states.join() !== current.states.join()) {
          scope.auth.require({ check: "canOnOrganization", action: "edit", organization: next }, `move organization ${current.id} into states [${next.states.join(", ")}]`);
        }
        if (next.externalId !== current.externalId) await assertExternalIdFree(scope, next.externalId, current.id);
        return result;
      });
    },

    rename(actor, id, name, writeOptions) {
      return change(actor, id, writeOptions, "edit", async (current, scope, context) => {
        const result = renameOrganization(current, name, context);
        if (current.status === "active") await assertNameFree(scope, result.organization.name, current.id);
        return result;
      });
    },

    discontinue(actor, id, writeOptions) {
      return change(actor, id, writeOptions, "delete", (current, _scope, context) => discontinueOrganization(current, context));
    },

    reactivate(actor, id, writeOptions) {
      return change(
        actor,
        id,
        writeOptions,
        "delete",
        async (current, scope, context) => {
          const result = reactivateOrganization(current, context);
          await assertNameFree(scope, current.name, current.id);
          return result;
        },
        // Its rules run again, as when they were added: users who signed up or changed identity
        // meanwhile are linked. Its dormant memberships wake up as they were kept, so members are left alone.
        async (organization, scope) => {
          for (const rule of await scope.session.rules.listByOrganization(organization.id)) {
            await linkUsersMatchingRule(scope, rule, { exceptMembersOf: organization.id });
          }
        },
      );
    },

    setParent(actor, id, parentId, writeOptions) {
      const target = idArg(parentId, "parentId");
      return change(actor, id, writeOptions, "edit", async (current, scope, context) => {
        await checkMove(scope, current.id, target, false);
        return setOrganizationParent(current, target, context);
      });
    },

    detach(actor, id, writeOptions) {
      return change(actor, id, writeOptions, "edit", (current, _scope, context) => setOrganizationParent(current, null, context));
    },

    async get(actor, id, lookupOptions) {
      const ref = parseActor(actor);
      const orgId = idArg(id);
      const { followMerges: follow } = parseInput(lookupOptionsSchema, lookupOptions ?? {}, "options", ["options"]);
      return runtime.read(ref, async ({ session, auth }) => {
        const stored = await session.organizations.get(orgId);
        const organization = stored && follow ? await followMerges(session, stored) : stored;
        return organization && canRead(auth, organization) ? organization : null;
      });
    },

    async getByExternalId(actor, externalId, lookupOptions) {
      const ref = parseActor(actor);
      const value = parseInput(idSchema, externalId, "external id", ["externalId"]);
      const { followMerges: follow } = parseInput(lookupOptionsSchema, lookupOptions ?? {}, "options", ["options"]);
      return runtime.read(ref, async ({ session, auth }) => {
        const stored = await session.organizations.getByExternalId(value);
        const organization = stored && follow ? await followMerges(session, stored) : stored;
        return organization && canRead(auth, organization) ? organization : null;
      });
    },

    async tree(actor, id, treeOptions) {
      const ref = parseActor(actor);
      const orgId = idArg(id);
      const includeDiscontinued = parseInput(treeOptionsSchema, treeOptions ?? {}, "options", ["options"]).includeDiscontinued ?? true;
      return runtime.read(ref, async ({ session, auth }) => {
        const root = await session.organizations.get(orgId);
        if (!root || !canRead(auth, root)) return null;
        const descendants = await session.organizations.descendants(orgId, { includeDiscontinued });
        const children = new Map<string, Organization[]>();
        for (const organization of descendants) {
          const list = children.get(organization.parentId!) ?? [];
          list.push(organization);
          children.set(organization.parentId!, list);
        }
        const byName = (a: Organization, b: Organization) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()) || (a.id < b.id ? -1 : 1);
        const build = async (organization: Organization): Promise<OrganizationTreeNode> => {
          const nodes: OrganizationTreeNode[] = [];
          for (const child of (children.get(organization.id) ?? []).sort(byName)) {
            if (canRead(auth, child)) nodes.push(await build(child));
          }
          return { organization, children: nodes };
        };
        return build(root);
      });
    },

    async ancestors(actor, id) {
      const ref = parseActor(actor);
      const orgId = idArg(id);
      return runtime.read(ref, async ({ session, auth }) => {
        const self = await session.organizations.get(orgId);
        if (!self || !canRead(auth, self)) return [];
        const result: Organization[] = [];
        for (const organization of await session.organizations.ancestors(orgId)) {
          if (canRead(auth, organization)) result.push(organization);
        }
        return result;
      });
    },

    async search(actor, query) {
      const ref = parseActor(actor);
      const parsed = parseInput(searchSchema, query ?? {}, "search query", ["query"]);
      const q = Object.fromEntries(Object.entries(parsed).filter(([, v]) => v !== undefined)) as OrganizationSearchQuery;
      return runtime.read(ref, async ({ session, auth }) => {
        // The evaluator's read scope goes into the query: pages, cursors and the total only ever involve visible rows.
        const visibility = auth.readVisibility();
        const page: SearchPage<Organization> = await session.organizations.search(visibility === null ? q : { ...q, visibility });
        // An adapter written before `visibility` existed would ignore it: refuse its page rather than leak.
        const outside = visibility === null ? undefined : page.items.find(outsideOf(visibility));
        if (outside !== undefined) {
          throw new OrgKitError("STORAGE_FAILURE", "The storage adapter returned an organization outside the search's visibility filter (it must apply `visibility`)", {
            details: { reason: "adapter_contract", operation: "organizations.search", field: "visibility" },
          });
        }
        return { items: page.items, nextCursor: page.nextCursor, total: page.total };
      });
    },

  };
}
