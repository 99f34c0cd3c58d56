/**
 * The zod schemas of orgkit's inputs and model, and the JSON Schemas of the model, for
 * hosts that validate at their own edge (an HTTP handler, a form, an OpenAPI document)
 * with exactly the rules the kit applies. The kit validates every input itself; these
 * are for failing earlier, or describing the API to others.
 *
 * @example
 * ```ts
 * import { createOrganizationInputSchema, organizationJsonSchemas } from "orgkit/schemas";
 *
 * const parsed = createOrganizationInputSchema.safeParse(await request.json());
 * if (!parsed.success) return new Response(JSON.stringify(parsed.error.issues), { status: 400 });
 * const { organization, createOrganizationInput } = organizationJsonSchemas(); // for an OpenAPI document
 * ```
 *
 * @module orgkit/schemas
 */

// ── The organization model.
export {
  addressPatchSchema,
  addressSchema,
  contactPatchSchema,
  contactSchema,
  createOrganizationInputSchema,
  idSchema,
  memberRuleSchema,
  organizationJsonSchemas,
  organizationSchema,
  statesSchema,
  tagsSchema,
  updateOrganizationInputSchema,
} from "./domain/organization/schema.js";
export { customFieldDefinitionSchema, customFieldValueSchema, customFieldsSchema } from "./domain/organization/custom-fields.js";

// ── Use case inputs.
export { addMemberRuleInputSchema } from "./service/rules.js";
export { addMembershipInputSchema } from "./service/memberships.js";
export { assignResourceInputSchema } from "./service/resources.js";
export { createInvitationInputSchema, listInvitationsOptionsSchema } from "./service/invitations.js";
export { listUsersOptionsSchema, upsertUserInputSchema, upsertUserOptionsSchema } from "./service/users.js";
export {
  createStaffProfileInputSchema,
  createUsergroupInputSchema,
  updateStaffProfileInputSchema,
  updateUsergroupInputSchema,
} from "./service/access-control.js";
