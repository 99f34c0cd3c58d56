/**
 * What `explain` returns: the decision, and the facts that granted it.
 *
 * @module
 */
import type { PermissionRequestIssue } from "./parse-request.js";
import type { CheckName, SubjectKind } from "./requests.js";
import type { NoteRule, OrganizationAction, PlatformRole } from "./snapshot.js";

/** How a usergroup reached a subject. */
export type UsergroupVia = "own" | "everyone" | "registered" | "organization";

/**
 * One fact that contributed to allowing a check. A decision lists every fact that
 * applies: for "either" rules (a platform role *or* a profile cell *or* a membership)
 * each sufficient one, for "both" rules (an org admin membership *and* a role the
 * organization allows) each required one.
 */
export type Grant =
  /** A usergroup grants the permission; `via` says how the subject has the group (`organizationId` when through a linked organization). */
  | {
      readonly type: "usergroup";
      readonly usergroupId: string;
      readonly usergroupName: string;
      readonly permission: string;
      readonly via: UsergroupVia;
      readonly organizationId?: string;
    }
  /** The subject is a platform super_admin or admin. */
  | { readonly type: "platform-role"; readonly role: PlatformRole }
  /** The agent's staff profile allows `action` on organizations in exactly this state combination. */
  | { readonly type: "profile-cell"; readonly profileId: string; readonly combination: string; readonly action: OrganizationAction }
  /** The agent's staff profile allows adding organizations. */
  | { readonly type: "profile-add"; readonly profileId: string }
  /** The agent's staff profile has this note rule. */
  | { readonly type: "profile-notes"; readonly profileId: string; readonly rule: NoteRule }
  /** The subject's membership of the organization (with its role and admin flag). */
  | { readonly type: "membership"; readonly organizationId: string; readonly role: string; readonly admin: boolean }
  /** The role is one the organization lets its admins assign. */
  | { readonly type: "allowed-role"; readonly organizationId: string; readonly role: string }
  /** The app is one the organization lets its admins use. */
  | { readonly type: "allowed-app"; readonly organizationId: string; readonly app: string }
  /**
   * A membership of an organization above that cascades to its descendants and reaches
   * `reachedOrganizationId` (no discontinued organization in between): through its role
   * (`via: "role"`, a role whose rule has `cascade: "descendants"`) or its admin flag
   * (`via: "admin"`, when the policy's `admins` cascade).
   */
  | {
      readonly type: "cascade";
      readonly organizationId: string;
      readonly role: string;
      readonly admin: boolean;
      readonly via: "role" | "admin";
      readonly reachedOrganizationId: string;
    }
  /** The managed user is a member of the organization. */
  | { readonly type: "target-membership"; readonly userId: string; readonly organizationId: string; readonly role: string }
  /** `canManageUser` for a user not yet created (`targetUserId: null`). */
  | { readonly type: "new-user"; readonly organizationId: string }
  /** The subject raised the ticket. */
  | { readonly type: "requester"; readonly userId: string }
  /** The organization that owns the resource. */
  | { readonly type: "resource-owner"; readonly kind: string; readonly id: string; readonly organizationId: string };

/** The kind of a {@link Grant}. */
export type GrantType = Grant["type"];

/**
 * The answer to a check with its explanation. `allowed` always equals what the
 * matching `can*` method returns. When allowed, `grants` lists the facts that allowed
 * it; when denied, `grants` is empty and `reason` says what was missing — or, for a
 * malformed request, `issues` says what was malformed.
 *
 * @example
 * ```json
 * {
 *   "check": "can",
 *   "allowed": true,
 *   "subject": { "id": "u1", "kind": "user" },
 *   "grants": [{ "type": "usergroup", "usergroupId": "vip", "usergroupName": "VIPs", "permission": "chat.support", "via": "own" }],
 *   "reason": "usergroup \"VIPs\" (own) grants \"chat.support\""
 * }
 * ```
 */
export interface Decision {
  /**
   * The check asked. For a malformed request (`issues` present) it is the request's
   * `check` text as given (cut to 512 characters), or `"(invalid)"` when that is not a
   * string, so it may be outside {@link CheckName}.
   */
  readonly check: CheckName;
  readonly allowed: boolean;
  /** The subject the check was about; `{ id: null, kind: "unknown" }` when the request's subject was malformed. */
  readonly subject: { readonly id: string | null; readonly kind: SubjectKind };
  readonly grants: readonly Grant[];
  /** One sentence a person can read in a log or an admin UI. */
  readonly reason: string;
  /**
   * Present only when the request was malformed (then `allowed` is false, `grants` is
   * empty and `reason` joins the messages): each malformed field with its path, as
   * `parsePermissionRequest` reports it.
   */
  readonly issues?: readonly PermissionRequestIssue[];
}
