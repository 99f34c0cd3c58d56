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
// Invitations: the model and its bounds (the pure checks stay internal to the service).
export {
  DEFAULT_INVITATION_EXPIRY_MS,
  INVITATION_KINDS,
  INVITATION_STATUSES,
  MAX_INVITATION_EXPIRY_MS,
  MIN_INVITATION_EXPIRY_MS,
  type Invitation,
  type InvitationKind,
  type InvitationRecord,
  type InvitationStatus,
} from "./domain/invitation/model.js";
export type * from "./storage/ports.js";
export { ERASED_MARKER, scrubPersonalData } from "./storage/scrub.js";
export * from "./service/index.js";
