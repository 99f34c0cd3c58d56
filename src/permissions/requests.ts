/**
 * The checks a policy answers, as data. Every `Policy.canX(...)` method has a request
 * form, so a service can pass one value to `policy.check(request)` (a boolean),
 * `policy.explain(request)` (a {@link Decision}) or into a `FORBIDDEN` error's details.
 *
 * @module
 */
import type { Decision } from "./decision.js";
import type { OrganizationAction } from "./snapshot.js";
import type { Subject } from "./subject.js";

/** A note on an organization record (seed 004's "thread"). */
export interface NoteRef {
  readonly organizationId: string;
  /** The user or agent who wrote the note. */
  readonly authorId: string;
}

/** A ticket, as far as visibility is concerned. */
export interface TicketRef {
  /** The user who raised the ticket. */
  readonly requesterId: string;
  /** The organization the ticket belongs to; `null`/absent for a ticket without one. */
  readonly organizationId?: string | null;
}

/** A resource (asset, system, any host kind); its owner is looked up in the snapshot's `resources`. */
export interface ResourceRef {
  readonly kind: string;
  readonly id: string;
}

/**
 * An organization looked up once with `policy.organization(id)`; pass it instead of the
 * id to skip the lookup in a loop. A handle belongs to the policy that made it (another
 * policy version looks the id up again).
 */
export interface OrganizationHandle {
  readonly id: string;
  /** False when the policy has no such organization (every check on it is denied). */
  readonly known: boolean;
}

/**
 * A subject as plain data: what a {@link Decision} reports as its `subject` and what a
 * subject handle becomes in JSON, so a request can travel as JSON. `kind: "guest"` is
 * the guest; anything else is the user with this `id` (its `kind` is not trusted).
 *
 * @example
 * ```json
 * { "check": "can", "subject": { "kind": "guest" }, "permission": "kb.read" }
 * ```
 */
export interface SubjectData {
  readonly id?: string | null;
  readonly kind?: SubjectKind;
}

/**
 * A subject given by user id, as a handle from `policy.subject(id)` / `policy.guest()`,
 * or as {@link SubjectData}.
 */
export type SubjectRef<P extends string = string> = string | Subject<P> | SubjectData;

/** An organization given by id or by handle. */
export type OrganizationRef = string | OrganizationHandle;

/** What kind of subject a check is about. `unknown`: a user id the policy does not hold (denied everything). */
export type SubjectKind = "guest" | "user" | "agent" | "unknown";

/** The names of the checks, i.e. the `check` field of a {@link PermissionRequest}. */
export const CHECK_NAMES = [
  "can",
  "canAll",
  "canOnOrganization",
  "canAddOrganization",
  "canAdministerPlatform",
  "canGrantPlatformRoles",
  "canEditNote",
  "canDeleteNote",
  "canManageUser",
  "canAssignRole",
  "canUseApp",
  "canAccessResource",
  "canViewTicket",
] as const;
/** One of {@link CHECK_NAMES}. */
export type CheckName = (typeof CHECK_NAMES)[number];

/**
 * One check as data. `subject` is a user id, a subject handle from
 * `policy.subject(id)` / `policy.guest()`, or {@link SubjectData}. A value from outside
 * (a JSON body) may be anything: `policy.check` and `policy.explain` deny a malformed
 * one, and `parsePermissionRequest` validates one.
 *
 * @example
 * ```ts
 * policy.explain({ check: "canOnOrganization", subject: "agent_7", action: "edit", organization: "org_1" });
 * ```
 */
export type PermissionRequest<P extends string = string, S = SubjectRef<P>> =
  | { readonly check: "can"; readonly subject: S; readonly permission: P }
  | { readonly check: "canAll"; readonly subject: S; readonly permissions: readonly P[] }
  | { readonly check: "canOnOrganization"; readonly subject: S; readonly action: OrganizationAction; readonly organization: OrganizationRef }
  | { readonly check: "canAddOrganization"; readonly subject: S }
  | { readonly check: "canAdministerPlatform"; readonly subject: S }
  | { readonly check: "canGrantPlatformRoles"; readonly subject: S }
  | { readonly check: "canEditNote"; readonly subject: S; readonly note: NoteRef }
  | { readonly check: "canDeleteNote"; readonly subject: S; readonly note: NoteRef }
  | { readonly check: "canManageUser"; readonly subject: S; readonly targetUserId: string | null; readonly organizationId: string }
  | { readonly check: "canAssignRole"; readonly subject: S; readonly organizationId: string; readonly role: string }
  | { readonly check: "canUseApp"; readonly subject: S; readonly organizationId: string; readonly app: string }
  | { readonly check: "canAccessResource"; readonly subject: S; readonly resource: ResourceRef }
  | { readonly check: "canViewTicket"; readonly subject: S; readonly ticket: TicketRef };
