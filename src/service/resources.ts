import { z } from "zod";
import { assertAssignable } from "../domain/organization/commands.js";
import { idSchema } from "../domain/organization/schema.js";
import type { ResourceOwnership } from "../domain/membership/model.js";
import { parseInput } from "../domain/validation.js";
import type { KeysetOptions } from "../storage/ports.js";
import { parseActor, type Actor } from "./actor.js";
import { notFound } from "../errors.js";
import type { Runtime } from "./runtime.js";
import { defineUseCase, type Need } from "./use-case.js";

const kindSchema = z.string().trim().min(1).max(64).regex(/^[a-z][a-z0-9_-]*$/, "must be lower-case letters, digits, '_' or '-'");
const pageSchema = z.object({ after: z.string().max(300).nullable().optional(), limit: z.number().int().min(1).max(1000).default(100) }).strict();
/** Schema of {@link AssignResourceInput}. */
export const assignResourceInputSchema = z
  .object({
    /** The host's kind of resource (`asset`, `system`…): 1–64 characters, a lower-case letter, then lower-case letters, digits, `_` or `-`. */
    kind: kindSchema,
    /** The resource's id within its kind (1–128 characters). */
    id: idSchema,
    /** The organization that becomes the resource's owner (it must exist and be active). */
    organizationId: idSchema,
  })
  .strict();
/** Input of `kit.resources.assign`: which resource (`kind`: `asset`, `system`, any host kind) goes to which organization. */
export type AssignResourceInput = z.input<typeof assignResourceInputSchema>;

/** Resource ownership use cases (assets, systems…; see {@link OrgKit.resources}). */
export interface ResourcesApi {
  /**
   * Gives a resource to an organization (platform admins). A resource has one owner: it
   * leaves its previous organization in the same transaction, and access follows (members
   * of the new owner gain it, the old owner's lose it).
   */
  assign(actor: Actor, input: AssignResourceInput): Promise<ResourceOwnership>;
  /** Removes the resource's owner; `false` when it had none. */
  unassign(actor: Actor, kind: string, id: string): Promise<boolean>;
  /** Who owns the resource; `null` when nobody does, or when the actor may not access it (the evaluator's `canAccessResource`). */
  get(actor: Actor, kind: string, id: string): Promise<ResourceOwnership | null>;
  /** Resources of an organization, by (kind, id); `after` = `kind + "\u0000" + id` of the last one seen. */
  listByOrganization(actor: Actor, organizationId: string, page?: Partial<KeysetOptions>): Promise<ResourceOwnership[]>;
}

type ResourceKey = { readonly kind: string; readonly id: string };

const platformOnly = (action: string): Need[] => [{ request: { check: "canAdministerPlatform" }, action }];

/** `resources.assign`: platform administration; the resource moves to its new owner in one transaction. */
const assignResource = defineUseCase({
  kind: "write",
  load: async (scope, data: z.output<typeof assignResourceInputSchema>) => ({
    organization: await scope.session.organizations.get(data.organizationId),
    previous: await scope.session.resources.get(data.kind, data.id),
  }),
  requests: () => platformOnly("assign resources"),
  async command(scope, data, { organization, previous }) {
    if (!organization) throw notFound("organization", data.organizationId);
    assertAssignable(organization);
    const resource: ResourceOwnership = { kind: data.kind, id: data.id, organizationId: organization.id, assignedAt: scope.now.toISOString() };
    await scope.session.resources.put(resource);
    if (previous && previous.organizationId !== organization.id) {
      scope.record({ type: "resource.unassigned", organizationId: previous.organizationId, data: { kind: data.kind, id: data.id, reason: "moved", to: organization.id } });
    }
    scope.record({ type: "resource.assigned", organizationId: organization.id, data: { kind: data.kind, id: data.id, from: previous?.organizationId ?? null } });
    return resource;
  },
});

/** `resources.unassign`: platform administration. */
const unassignResource = defineUseCase({
  kind: "write",
  load: async (scope, k: ResourceKey) => scope.session.resources.get(k.kind, k.id),
  requests: () => platformOnly("unassign resources"),
  async command(scope, k, previous) {
    if (!previous) return false;
    await scope.session.resources.delete(k.kind, k.id);
    scope.record({ type: "resource.unassigned", organizationId: previous.organizationId, data: { kind: k.kind, id: k.id, reason: "removed" } });
    return true;
  },
});

export function createResourcesApi(runtime: Runtime): ResourcesApi {
  const key = (kind: unknown, id: unknown) => ({
    kind: parseInput(kindSchema, kind, "resource kind", ["kind"]),
    id: parseInput(idSchema, id, "resource id", ["id"]),
  });
  return {
    async assign(actor, input) {
      const ref = parseActor(actor);
      const data = parseInput(assignResourceInputSchema, input, "resource assignment");
      return runtime.execute(assignResource, ref, data);
    },

    async unassign(actor, kind, id) {
      const ref = parseActor(actor);
      return runtime.execute(unassignResource, ref, key(kind, id));
    },

    async get(actor, kind, id) {
      const ref = parseActor(actor);
      const k = key(kind, id);
      return runtime.read(ref, async (scope) => {
        const resource = await scope.session.resources.get(k.kind, k.id);
        if (!resource) return null;
        const owner = await scope.session.organizations.get(resource.organizationId);
        // Exactly the evaluator's canAccessResource: reading the owner (a staff profile) is not access to its resources.
        return owner && scope.auth.allows({ check: "canAccessResource", resource, owner }) ? resource : null;
      });
    },

    async listByOrganization(actor, organizationId, page) {
      const ref = parseActor(actor);
      const orgId = parseInput(idSchema, organizationId, "organization id", ["organizationId"]);
      const options = parseInput(
        pageSchema,
        page ?? {},
        "page",
        ["page"],
      );
      return runtime.read(ref, async (scope) => {
        const owner = await scope.session.organizations.get(orgId);
        if (!owner) return [];
        const page = await scope.session.resources.listByOrganization(orgId, { after: options.after ?? null, limit: options.limit });
        // Every row has the same owner, so the evaluator's answer for one is its answer for all.
        return page.length > 0 && scope.auth.allows({ check: "canAccessResource", resource: page[0]!, owner }) ? page : [];
      });
    },
  };
}
