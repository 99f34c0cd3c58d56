/**
 * How a new organization is built from input already parsed by
 * `createOrganizationInputSchema`: the one place an organization is assembled.
 * `createOrganization` parses its input and calls it; the bulk import, which validated
 * every row with the same schema up front, calls it without parsing the rows again. Not
 * part of the package's public surface (a caller with unparsed input must use
 * `createOrganization`, which validates).
 *
 * @internal
 * @module
 */
import type { z } from "zod";
import type { OrganizationConfig } from "./config.js";
import type { CommandResult } from "./commands.js";
import type { createOrganizationInputSchema, Organization } from "./schema.js";

/** What `createOrganizationInputSchema(config)` makes of an input: the normalized fields an organization is built from. */
export type ParsedCreateOrganizationInput = z.output<ReturnType<typeof createOrganizationInputSchema>>;

/**
 * The new organization at version 1, and its `organization.created` event. Trusts its
 * arguments: `data` parsed with `createOrganizationInputSchema(config)`, `id` a valid id,
 * `at` an ISO 8601 time, `config` a checked configuration.
 */
export function newOrganization(data: ParsedCreateOrganizationInput, context: { readonly id: string; readonly at: string; readonly config: OrganizationConfig }): CommandResult {
  const { id, at, config } = context;
  const organization: Organization = Object.freeze({
    id,
    externalId: data.externalId,
    name: data.name,
    type: data.type ?? config.types[0]!,
    description: data.description,
    summary: data.summary,
    industry: data.industry,
    address: data.address,
    contact: data.contact,
    tags: data.tags,
    parentId: data.parentId,
    states: data.states,
    memberRules: [],
    usergroupIds: data.usergroupIds,
    allowedRoles: data.allowedRoles,
    allowedApps: data.allowedApps,
    customFields: data.customFields,
    status: "active",
    createdAt: at,
    updatedAt: at,
    version: 1,
  });
  return { organization, events: [{ type: "organization.created", organizationId: id, version: 1, at, data: { organization } }] };
}
