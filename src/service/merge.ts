/**
 * `kit.organizations.merge` and `previewMerge`: a duplicate organization merged into a
 * survivor, in one transaction. The pure part (`mergeOrganizations` in the domain) decides
 * what becomes of the two aggregates; this module checks the hierarchy, then moves the
 * rest a page at a time with the ports' set-wise methods (`moveChildren`,
 * `memberships.reassignOrganization`, `resources.reassignOrganization`) when the adapter
 * has them, one call per row otherwise. An organization with 100,000 members is never
 * loaded whole: a page of 1,000 at a time moves in one or two statements.
 *
 * @module
 */
import { z } from "zod";
import { isOrgKitError, notFound, OrgKitError } from "../errors.js";
import { setOrganizationParent } from "../domain/organization/commands.js";
import { mergeOrganizations, type OrganizationMergeAdditions, type OrganizationMergeConflict } from "../domain/organization/merge.js";
import { idSchema, type Organization } from "../domain/organization/schema.js";
import type { Membership, MemberRuleRecord, ResourceOwnership } from "../domain/membership/model.js";
import { parseInput } from "../domain/validation.js";
import { keysetPages } from "../storage/pages.js";
import type { KeysetOptions, MembershipReassignment, StorageSession } from "../storage/ports.js";
import type { OrganizationVocabulary } from "../domain/organization/vocabulary.js";
import { parseActor, type Actor } from "./actor.js";
import { linkUsersMatchingRule } from "./linking.js";
import { describeSource } from "./memberships.js";
import { assertPlatformFieldsAllowed } from "./organizations.js";
import type { CommandScope, Runtime } from "./runtime.js";
import { defineUseCase, platformAdministration, type UseCase } from "./use-case.js";

/** Options of `kit.organizations.merge` and `kit.organizations.previewMerge`. */
export interface MergeOptions {
  /** Fail with `CONFLICT` (reason `version`) unless the duplicate is at this version. */
  readonly expectedDuplicateVersion?: number;
  /** Fail with `CONFLICT` (reason `version`) unless the survivor is at this version. */
  readonly expectedSurvivorVersion?: number;
  /** List at most this many conflicts (1–10,000; default 1,000). `conflictCount` counts them all. */
  readonly conflictLimit?: number;
}

/** How much a merge moved from the duplicate to the survivor. */
export interface OrganizationMergeCounts {
  /** Memberships that moved to the survivor (role, admin flag, source and `createdAt` kept). */
  readonly memberships: number;
  /** Users who already belonged to the survivor: they kept that membership, and the duplicate's ended. */
  readonly membershipsKept: number;
  /** Resources the duplicate owned that now belong to the survivor (`assignedAt` the merge's time). */
  readonly resources: number;
  /** Direct children that moved under the survivor (with their subtrees). */
  readonly children: number;
  /**
   * Users the moved rules looked at. A discontinued duplicate's rules linked nobody new
   * while it was discontinued; in the survivor they run again, as on reactivation (0 for
   * an active duplicate, whose rules had done their work).
   */
  readonly usersRelinked: number;
}

/** What `kit.organizations.merge` did, or what `previewMerge` found it would do. */
export interface OrganizationMergeResult<V extends OrganizationVocabulary = OrganizationVocabulary> {
  /** `true` from `previewMerge`: nothing was written. */
  readonly preview: boolean;
  /** The duplicate as the merge leaves it: discontinued, `mergedInto` the survivor. */
  readonly duplicate: Organization<V>;
  /** The survivor as the merge leaves it. */
  readonly survivor: Organization<V>;
  /** How many memberships, resources and children moved (or would move) to the survivor, and how many users its rules re-linked. */
  readonly moved: OrganizationMergeCounts;
  /** What the survivor gained from the duplicate's own fields: rules, usergroup links, tags, allowed roles and apps, custom fields. */
  readonly added: OrganizationMergeAdditions;
  /** Duplicate rules dropped for an identical rule of the survivor (duplicate rule id → survivor rule id). */
  readonly replacedRules: Readonly<Record<string, string>>;
  /** The differences the merge settled, the survivor's side winning (at most `conflictLimit`). */
  readonly conflicts: readonly OrganizationMergeConflict[];
  /** How many conflicts there were, listed or not. */
  readonly conflictCount: number;
}

const mergeOptionsSchema = z
  .object({
    expectedDuplicateVersion: z.number().int().min(1).optional(),
    expectedSurvivorVersion: z.number().int().min(1).optional(),
    conflictLimit: z.number().int().min(1).max(10_000).default(1000),
  })
  .strict();

/** Rows moved per call of a set-wise method (the ports' largest page). */
const PAGE = 1000;

interface MergeInput {
  readonly duplicateId: string;
  readonly survivorId: string;
  readonly options: z.output<typeof mergeOptionsSchema>;
}

interface MergeFacts {
  readonly duplicate: Organization | null;
  readonly survivor: Organization | null;
}

/** Ends the preview's transaction without writing, carrying the result out. */
class PreviewRollback extends Error {
  constructor(readonly result: OrganizationMergeResult) {
    super("merge preview rolled back");
  }
}

/** Collects conflicts, listing at most `limit`. */
class ConflictList {
  readonly listed: OrganizationMergeConflict[] = [];
  count = 0;

  constructor(private readonly limit: number) {}

  add(conflict: OrganizationMergeConflict): void {
    this.count++;
    if (this.listed.length < this.limit) this.listed.push(conflict);
  }
}

/**
 * Refuses a merge whose survivor sits in the duplicate's subtree (its children would move
 * under one of their own descendants: `HIERARCHY_CYCLE`, `details.path` the chain from the
 * duplicate down to the survivor), or whose moved subtrees would nest deeper than
 * `maxDepth` (`MAX_DEPTH_EXCEEDED`).
 */
async function checkHierarchy(scope: CommandScope, duplicate: Organization, survivor: Organization): Promise<void> {
  const ancestorIds = (await scope.session.organizations.ancestors(survivor.id)).map((a) => a.id);
  const at = ancestorIds.indexOf(duplicate.id);
  if (at !== -1) {
    const path = [...ancestorIds.slice(0, at + 1).reverse(), survivor.id];
    throw new OrgKitError(
      "HIERARCHY_CYCLE",
      `Cannot merge ${duplicate.id} into ${survivor.id}: ${survivor.id} is one of its descendants (${path.join(" → ")}), so its children would move under their own descendant; move ${survivor.id} out of the subtree first`,
      { details: { duplicateId: duplicate.id, survivorId: survivor.id, path } },
    );
  }
  const maxDepth = scope.config.maxDepth;
  if (maxDepth === undefined) return;
  const height = await scope.session.organizations.subtreeHeight(duplicate.id);
  if (height === 0) return;
  // The children land one level below the survivor; the deepest of their subtrees `height - 1` below that.
  const childDepth = ancestorIds.length + 1;
  const depth = childDepth + height - 1;
  if (depth > maxDepth) {
    throw new OrgKitError(
      "MAX_DEPTH_EXCEEDED",
      `Cannot merge ${duplicate.id} into ${survivor.id}: the children's subtrees would reach depth ${depth} under it, beyond the maximum ${maxDepth}`,
      { details: { duplicateId: duplicate.id, survivorId: survivor.id, parentId: survivor.id, maxDepth, depth, childDepth, childSubtreeHeight: height - 1 } },
    );
  }
}

/** Moves the duplicate's rule records to the survivor (same ids, same claim), and deletes those an identical survivor rule replaces. */
async function moveRules(scope: CommandScope, duplicateId: string, survivorId: string, replaced: Readonly<Record<string, string>>): Promise<MemberRuleRecord[]> {
  const { session } = scope;
  const moved: MemberRuleRecord[] = [];
  for (const record of await session.rules.listByOrganization(duplicateId)) {
    await session.rules.delete(record.id);
    if (Object.hasOwn(replaced, record.id)) continue;
    const next: MemberRuleRecord = { ...record, organizationId: survivorId };
    try {
      await session.rules.insert(next);
    } catch (error) {
      // The rule's own claim was deleted just before: only a storage that disagrees could refuse it.
      if (isOrgKitError(error, "CONFLICT") && error.details.reason === "unique") {
        throw new OrgKitError("RULE_CONFLICT", `The ${record.kind} rule '${record.value}' (${record.id}) could not move to ${survivorId}: its claim is taken`, {
          details: { kind: record.kind, value: record.value, existingRule: null },
          cause: error,
        });
      }
      throw error;
    }
    moved.push(next);
  }
  return moved;
}

/** A page of the duplicate's children moved under the survivor: the set-wise method, else one update per child. */
async function moveChildrenPage(session: StorageSession, fromParentId: string, children: readonly Organization[]): Promise<void> {
  if (session.organizations.moveChildren) return session.organizations.moveChildren(fromParentId, children);
  for (const child of children) await session.organizations.update(child, child.version - 1);
}

/** A page of memberships moved, as `reassignOrganization` does it, with the single-row methods. */
async function reassignMembershipsOneByOne(session: StorageSession, from: string, to: string, options: KeysetOptions & { readonly updatedAt: string; readonly sourceRules: Readonly<Record<string, string>> }): Promise<MembershipReassignment[]> {
  const out: MembershipReassignment[] = [];
  for (const previous of await session.memberships.listByOrganization(from, { after: options.after ?? null, limit: options.limit })) {
    const existing = await session.memberships.get(previous.userId, to);
    if (existing === null) {
      const replacement = previous.source.type === "rule" ? options.sourceRules[previous.source.ruleId] : undefined;
      const current: Membership = { ...previous, organizationId: to, updatedAt: options.updatedAt, ...(replacement !== undefined ? { source: { type: "rule", ruleId: replacement } as const } : {}) };
      await session.memberships.put(current);
      out.push({ previous, current, kept: false });
    } else out.push({ previous, current: existing, kept: true });
    await session.memberships.delete(previous.userId, from);
  }
  return out;
}

/** A page of resources moved, as `reassignOrganization` does it, with the single-row methods. */
async function reassignResourcesOneByOne(session: StorageSession, from: string, to: string, options: KeysetOptions & { readonly assignedAt: string }): Promise<ResourceOwnership[]> {
  const out: ResourceOwnership[] = [];
  for (const resource of await session.resources.listByOrganization(from, { after: options.after ?? null, limit: options.limit })) {
    const moved: ResourceOwnership = { ...resource, organizationId: to, assignedAt: options.assignedAt };
    await session.resources.put(moved);
    out.push(moved);
  }
  return out;
}


/**
 * The merge itself, in the scope's transaction (see {@link OrganizationsMergeApi.merge}).
 * Every refusal comes before the first write, except the storage's own (a unique or version
 * clash from a concurrent writer), which fails the transaction: nothing is written either way.
 */
async function performMerge(scope: CommandScope, { duplicateId, survivorId, options }: MergeInput, facts: MergeFacts): Promise<OrganizationMergeResult> {
  const { session } = scope;
  const duplicate = facts.duplicate;
  const survivor = facts.survivor;
  if (duplicate === null) throw notFound("organization", duplicateId);
  if (survivor === null) throw notFound("organization", survivorId);
  const at = scope.now.toISOString();
  const merged = mergeOrganizations(duplicate, survivor, {
    now: scope.now,
    config: scope.config.organization,
    ...(options.expectedDuplicateVersion !== undefined ? { expectedDuplicateVersion: options.expectedDuplicateVersion } : {}),
    ...(options.expectedSurvivorVersion !== undefined ? { expectedSurvivorVersion: options.expectedSurvivorVersion } : {}),
  });
  await checkHierarchy(scope, duplicate, survivor);
  await assertPlatformFieldsAllowed(scope, survivor, merged.survivor);

  const conflicts = new ConflictList(options.conflictLimit);
  for (const conflict of merged.conflicts) conflicts.add(conflict);
  await session.organizations.update(merged.duplicate, duplicate.version);
  await session.organizations.update(merged.survivor, survivor.version);
  const movedRules = await moveRules(scope, duplicate.id, survivor.id, merged.replacedRules);

  // Children, a page at a time (each page leaves the duplicate, so every page starts at the first remaining child).
  let children = 0;
  const context = { now: scope.now, config: scope.config.organization };
  for await (const page of keysetPages((o) => session.organizations.children(duplicate.id, o), (child) => child.id, PAGE)) {
    const results = page.map((child) => setOrganizationParent(child, survivor.id, context));
    await moveChildrenPage(session, duplicate.id, results.map((r) => r.organization));
    for (const result of results) scope.recordDomain(result.events);
    children += page.length;
  }

  let memberships = 0;
  let membershipsKept = 0;
  const reassignMemberships = session.memberships.reassignOrganization
    ? (o: KeysetOptions) => session.memberships.reassignOrganization!(duplicate.id, survivor.id, { ...o, updatedAt: at, sourceRules: merged.replacedRules })
    : (o: KeysetOptions) => reassignMembershipsOneByOne(session, duplicate.id, survivor.id, { ...o, updatedAt: at, sourceRules: merged.replacedRules });
  for await (const page of keysetPages(reassignMemberships, (m) => m.previous.userId, PAGE)) {
    for (const { previous, current, kept } of page) {
      scope.record({ type: "membership.removed", organizationId: duplicate.id, data: { userId: previous.userId, reason: "merged", to: survivor.id, source: describeSource(previous.source) } });
      if (kept) {
        membershipsKept++;
        if (current.role !== previous.role || current.admin !== previous.admin) {
          conflicts.add({ kind: "membership", userId: previous.userId, survivor: { role: current.role, admin: current.admin }, duplicate: { role: previous.role, admin: previous.admin } });
        }
        continue;
      }
      memberships++;
      scope.record({
        type: "membership.added",
        organizationId: survivor.id,
        data: { userId: current.userId, role: current.role, admin: current.admin, source: describeSource(current.source), reason: "merged", from: duplicate.id },
      });
    }
  }

  let resources = 0;
  const reassignResources = session.resources.reassignOrganization
    ? (o: KeysetOptions) => session.resources.reassignOrganization!(duplicate.id, survivor.id, { ...o, assignedAt: at })
    : (o: KeysetOptions) => reassignResourcesOneByOne(session, duplicate.id, survivor.id, { ...o, assignedAt: at });
  for await (const page of keysetPages(reassignResources, (r) => `${r.kind}\u0000${r.id}`, PAGE)) {
    for (const resource of page) {
      scope.record({ type: "resource.unassigned", organizationId: duplicate.id, data: { kind: resource.kind, id: resource.id, reason: "merged", to: survivor.id } });
      scope.record({ type: "resource.assigned", organizationId: survivor.id, data: { kind: resource.kind, id: resource.id, from: duplicate.id, reason: "merged" } });
    }
    resources += page.length;
  }

  // A discontinued duplicate's rules linked nobody new meanwhile; in the active survivor they
  // run again, as a reactivation runs them (its members, just moved, are left as they are).
  let usersRelinked = 0;
  if (duplicate.status === "discontinued") {
    for (const rule of movedRules) usersRelinked += await linkUsersMatchingRule(scope, rule, { exceptMembersOf: survivor.id });
  }

  const moved: OrganizationMergeCounts = { memberships, membershipsKept, resources, children, usersRelinked };
  scope.recordDomain(merged.events.map((e) => ({ ...e, data: { ...e.data, moved } })));
  return {
    preview: false,
    duplicate: merged.duplicate,
    survivor: merged.survivor,
    moved,
    added: merged.added,
    replacedRules: merged.replacedRules,
    conflicts: conflicts.listed,
    conflictCount: conflicts.count,
  };
}

const loadBoth = async (scope: CommandScope, input: MergeInput): Promise<MergeFacts> => ({
  duplicate: await scope.session.organizations.get(input.duplicateId),
  survivor: await scope.session.organizations.get(input.survivorId),
});

/** `organizations.merge`: platform administration; everything moves in one transaction. */
const mergeUseCase: UseCase<MergeInput, MergeFacts, OrganizationMergeResult> = defineUseCase({
  kind: "write",
  load: loadBoth,
  // Unknown ids are reported after authorization (by the command), so they tell nobody else which ids exist.
  requests: () => platformAdministration("merge organizations"),
  command: performMerge,
});

/** `organizations.previewMerge`: the same merge, rolled back; the same requests. */
const previewMergeUseCase: UseCase<MergeInput, MergeFacts, never> = defineUseCase({
  kind: "write",
  load: loadBoth,
  requests: () => platformAdministration("preview merging organizations"),
  async command(scope, input, facts) {
    throw new PreviewRollback({ ...(await performMerge(scope, input, facts)), preview: true });
  },
});

/** The merge use cases of `kit.organizations`. */
export interface OrganizationsMergeApi<V extends OrganizationVocabulary = OrganizationVocabulary> {
  /**
   * Merges the duplicate organization into the survivor (platform admins), in one
   * transaction: its memberships (role, admin flag, source and `createdAt` kept), resources,
   * member rules, children (with their subtrees), usergroup links and custom fields move to
   * the survivor, whose own values win every conflict (listed in the result). A user who
   * belongs to both keeps the survivor's membership. The duplicate ends discontinued with
   * `mergedInto` set: `get` and `getByExternalId` on it answer the survivor, and an import
   * row naming its external id updates the survivor.
   *
   * Refused, writing nothing: `VALIDATION_FAILED` (bad ids or options; the same organization
   * twice), `FORBIDDEN` (not a platform admin), `NOT_FOUND`, `CONFLICT` (reason `merged`:
   * the duplicate was merged already; reason `version`: a stale expected version),
   * `ORGANIZATION_DISCONTINUED` (the survivor is discontinued or merged),
   * `HIERARCHY_CYCLE` (the survivor is in the duplicate's subtree), `MAX_DEPTH_EXCEEDED`,
   * `RULE_CONFLICT` (both claim one value with different subdomain settings).
   *
   * @example
   * ```ts
   * const result = await kit.organizations.merge(admin, acmeInc.id, acme.id);
   * result.moved;     // { memberships: 120, membershipsKept: 3, resources: 40, children: 2, usersRelinked: 0 }
   * result.conflicts; // [{ kind: "membership", userId: "jane", survivor: { role: "manager", admin: false }, duplicate: { role: "member", admin: true } }]
   * (await kit.organizations.get(admin, acmeInc.id))?.id; // acme.id
   * ```
   */
  merge(actor: Actor, duplicateId: string, survivorId: string, options?: MergeOptions): Promise<OrganizationMergeResult<V>>;
  /**
   * What {@link OrganizationsMergeApi.merge} would do, with the same checks and refusals,
   * writing nothing (the merge runs in a transaction that is rolled back); `preview: true`.
   */
  previewMerge(actor: Actor, duplicateId: string, survivorId: string, options?: MergeOptions): Promise<OrganizationMergeResult<V>>;
}

/** Reads a merge's arguments at the door: two organization ids and the options. */
function readMergeInput(duplicateId: unknown, survivorId: unknown, options: unknown): MergeInput {
  const duplicate = parseInput(idSchema, duplicateId, "duplicate organization id", ["duplicateId"]);
  const survivor = parseInput(idSchema, survivorId, "survivor organization id", ["survivorId"]);
  const parsed = parseInput(mergeOptionsSchema, options ?? {}, "merge options", ["options"]);
  // The same organization twice is refused by the domain, after authorization like every
  // other refusal of the merge (`mergeOrganizations`: VALIDATION_FAILED at `survivorId`).
  return { duplicateId: duplicate, survivorId: survivor, options: parsed };
}

/** Builds `merge` and `previewMerge`. */
export function createMergeApi(runtime: Runtime): OrganizationsMergeApi {
  return {
    async merge(actor, duplicateId, survivorId, options) {
      const ref = parseActor(actor);
      return runtime.execute(mergeUseCase, ref, readMergeInput(duplicateId, survivorId, options));
    },
    async previewMerge(actor, duplicateId, survivorId, options) {
      const ref = parseActor(actor);
      const input = readMergeInput(duplicateId, survivorId, options);
      try {
        return await runtime.execute(previewMergeUseCase, ref, input);
      } catch (error) {
        if (error instanceof PreviewRollback) return error.result;
        throw error;
      }
    },
  };
}
