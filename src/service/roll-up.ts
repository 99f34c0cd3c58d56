/**
 * `kit.organizations.rollUp`: the reporting roll-up of seed 002's "Business Outcomes" —
 * an organization and its descendants, limited to what the actor may read. The
 * evaluator decides every organization (`canOnOrganization("read")`: platform roles,
 * staff profiles, memberships, and cascading roles and admins from above), and the pure
 * `rollUp` of the hierarchy module folds them, so the use case holds no access rule of
 * its own.
 *
 * @module
 */
import { z } from "zod";
import { createHierarchyIndex } from "../domain/hierarchy/hierarchy-index.js";
import { rollUp } from "../domain/hierarchy/roll-up.js";
import type { DiscontinuedFilter } from "../domain/hierarchy/types.js";
import { idSchema, type Organization } from "../domain/organization/schema.js";
import { parseInput } from "../domain/validation.js";
import type { OrganizationVocabulary } from "../domain/organization/vocabulary.js";
import { parseActor, type Actor } from "./actor.js";
import { canRead } from "./organizations.js";
import type { Runtime } from "./runtime.js";

/** Options of `kit.organizations.rollUp`. */
export interface OrganizationRollUpOptions<V extends OrganizationVocabulary = OrganizationVocabulary> {
  /**
   * Whether discontinued organizations count: `"include"` (default: their history still
   * counts), `"skip"` (left out, their descendants still count) or `"prune"` (left out
   * with everything below them). As for the hierarchy module's `rollUp`.
   */
  readonly discontinued?: DiscontinuedFilter;
  /**
   * The figure of one organization (open tickets, revenue…), summed into `total`. Called
   * once per included organization, in order, after the organizations were read (outside
   * orgkit's transaction, so it may query the host's own tables); what it throws passes
   * unchanged. Without it, `total` is 0.
   */
  readonly value?: (organization: Organization<V>) => number | Promise<number>;
}

/** What `kit.organizations.rollUp` returns. */
export interface OrganizationRollUp<V extends OrganizationVocabulary = OrganizationVocabulary> {
  /** The organizations that count, the root first, then depth-first (siblings by id): those the actor may read. */
  readonly organizations: readonly Organization<V>[];
  /** How many organizations count. */
  readonly count: number;
  /** The sum of `value` over them (0 without `value`). */
  readonly total: number;
}

const optionsSchema = z
  .object({
    discontinued: z.enum(["include", "skip", "prune"]).optional(),
    value: z.custom<(organization: Organization) => number | Promise<number>>((v) => typeof v === "function", "must be a function").optional(),
  })
  .strict();

/**
 * The roll-up use case (see {@link OrganizationRollUpOptions}): `null` when the root does
 * not exist or the actor may not read it (as `tree` answers), else the readable
 * organizations of the subtree. A hidden organization counts for nothing while readable
 * ones below it still count (access is per organization). Cost: one query for the
 * subtree, one evaluator read decision per organization in it.
 *
 * @example
 * ```ts
 * const report = await kit.organizations.rollUp(regionalManager, "acme", { value: (o) => openTickets(o.id) });
 * report?.count; // the organizations the manager sees under Acme: its region and everything below it
 * ```
 */
export function createRollUp(runtime: Runtime): (actor: Actor, rootId: string, options?: OrganizationRollUpOptions) => Promise<OrganizationRollUp | null> {
  return async (actor, rootId, options) => {
    const ref = parseActor(actor);
    const id = parseInput(idSchema, rootId, "organization id", ["rootId"]);
    const { discontinued = "include", value } = parseInput(optionsSchema, options ?? {}, "options", ["options"]);
    const organizations = await runtime.read(ref, async ({ session, auth }) => {
      const root = await session.organizations.get(id);
      if (!root || !canRead(auth, root)) return null;
      const descendants = await session.organizations.descendants(id, { includeDiscontinued: discontinued !== "prune" });
      const byId = new Map([root, ...descendants].map((o) => [o.id, o]));
      // Storage lists the subtree depth-first with siblings by id; the index keeps that order.
      const index = createHierarchyIndex([{ id: root.id, status: root.status }, ...descendants.map((o) => ({ id: o.id, parentId: o.parentId, status: o.status }))]);
      const { includedIds } = rollUp(index, id, {
        canSee: (orgId) => canRead(auth, byId.get(orgId)!),
        value: () => 0,
        combine: (total) => total,
        initial: 0,
        discontinued,
      });
      return includedIds.map((orgId) => byId.get(orgId)!);
    });
    if (organizations === null) return null;
    let total = 0;
    if (value !== undefined) for (const organization of organizations) total += await value(organization);
    return { organizations, count: organizations.length, total };
  };
}
