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
  /** The organization whose record the note is on. */
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
  /** The host's kind of resource, e.g. `asset` or `system`. */
  readonly kind: string;
  /** The resource's id within its kind. */
  readonly id: string;
}

/**
 * An organization looked up once with `policy.organization(id)`; pass it instead of the
 * id to skip the lookup in a loop. A handle belongs to the policy that made it (another
 * policy version looks the id up again).
 */
export interface OrganizationHandle {
  /** The organization id the handle was made for. */
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
  /** The user id; `null` or absent for the guest. */
  readonly id?: string | null;
  /** `guest` for the guest; any other kind is ignored (the policy's own record of the user decides). */
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
  | {
      /** Which check (see `Policy.can`). */
      readonly check: "can";
      /** The subject the check is about: a user id, a subject handle, or {@link SubjectData}. */
      readonly subject: S;
      /** The usergroup permission asked for. */
      readonly permission: P;
    }
  | {
      /** Which check (see `Policy.canAll`). */
      readonly check: "canAll";
      /** The subject the check is about: a user id, a subject handle, or {@link SubjectData}. */
      readonly subject: S;
      /** The permissions that must all be granted (an empty list is denied). */
      readonly permissions: readonly P[];
    }
  | {
      /** Which check (see `Policy.canOnOrganization`). */
      readonly check: "canOnOrganization";
      /** The subject the check is about: a user id, a subject handle, or {@link SubjectData}. */
      readonly subject: S;
      /** `read`, `edit` or `delete` (discontinue). */
      readonly action: OrganizationAction;
      /** The organization, by id or handle. */
      readonly organization: OrganizationRef;
    }
  | {
      /** Which check (see `Policy.canAddOrganization`). */
      readonly check: "canAddOrganization";
      /** The subject the check is about: a user id, a subject handle, or {@link SubjectData}. */
      readonly subject: S;
    }
  | {
      /** Which check (see `Policy.canAdministerPlatform`). */
      readonly check: "canAdministerPlatform";
      /** The subject the check is about: a user id, a subject handle, or {@link SubjectData}. */
      readonly subject: S;
    }
  | {
      /** Which check (see `Policy.canGrantPlatformRoles`). */
      readonly check: "canGrantPlatformRoles";
      /** The subject the check is about: a user id, a subject handle, or {@link SubjectData}. */
      readonly subject: S;
    }
  | {
      /** Which check (see `Policy.canEditNote`). */
      readonly check: "canEditNote";
      /** The subject the check is about: a user id, a subject handle, or {@link SubjectData}. */
      readonly subject: S;
      /** The note to edit. */
      readonly note: NoteRef;
    }
  | {
      /** Which check (see `Policy.canDeleteNote`). */
      readonly check: "canDeleteNote";
      /** The subject the check is about: a user id, a subject handle, or {@link SubjectData}. */
      readonly subject: S;
      /** The note to delete. */
      readonly note: NoteRef;
    }
  | {
      /** Which check (see `Policy.canManageUser`). */
      readonly check: "canManageUser";
      /** The subject the check is about: a user id, a subject handle, or {@link SubjectData}. */
      readonly subject: S;
      /** The user to create or edit; `null` for a user not yet created. */
      readonly targetUserId: string | null;
      /** The organization within which the user is managed. */
      readonly organizationId: string;
    }
  | {
      /** Which check (see `Policy.canAssignRole`). */
      readonly check: "canAssignRole";
      /** The subject the check is about: a user id, a subject handle, or {@link SubjectData}. */
      readonly subject: S;
      /** The organization the role would be assigned in. */
      readonly organizationId: string;
      /** The organization role to assign. */
      readonly role: string;
    }
  | {
      /** Which check (see `Policy.canUseApp`). */
      readonly check: "canUseApp";
      /** The subject the check is about: a user id, a subject handle, or {@link SubjectData}. */
      readonly subject: S;
      /** The organization the app would be used for. */
      readonly organizationId: string;
      /** The app. */
      readonly app: string;
    }
  | {
      /** Which check (see `Policy.canAccessResource`). */
      readonly check: "canAccessResource";
      /** The subject the check is about: a user id, a subject handle, or {@link SubjectData}. */
      readonly subject: S;
      /** The resource, by kind and id. */
      readonly resource: ResourceRef;
    }
  | {
      /** Which check (see `Policy.canViewTicket`). */
      readonly check: "canViewTicket";
      /** The subject the check is about: a user id, a subject handle, or {@link SubjectData}. */
      readonly subject: S;
      /** The ticket: its requester and organization. */
      readonly ticket: TicketRef;
    };
