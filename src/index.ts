/**
 * orgkit: the organization layer for helpdesk, CRM and asset platforms.
 *
 * @example
 * ```ts
 * import { createOrganization } from "orgkit";
 * const { organization } = createOrganization({ name: "Acme" }, { id: "org_1", now: new Date() });
 * ```
 *
 * @module orgkit
 */
export * from "./errors.js";
export * from "./problem-details.js";
export * from "./domain/organization/index.js";
export * from "./domain/hierarchy/index.js";
export * from "./domain/matching/index.js";
export * from "./domain/membership/model.js";
export type * from "./storage/ports.js";
export * from "./service/index.js";
