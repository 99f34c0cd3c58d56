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
      /** Tells this grant apart from the other kinds. */
      readonly type: "usergroup";
      /** Id of the usergroup. */
      readonly usergroupId: string;
      /** The usergroup's display name (its id when it has none). */
      readonly usergroupName: string;
      /** The permission it grants. */
      readonly permission: string;
      /** How the subject has the group: its own, a built-in one, or through an organization. */
      readonly via: UsergroupVia;
      /** With `via: "organization"`: the organization that links the group. */
      readonly organizationId?: string;
    }
  /** The subject is a platform super_admin or admin. */
  | {
      /** Tells this grant apart from the other kinds. */
      readonly type: "platform-role";
      /** The subject's platform role. */
      readonly role: PlatformRole;
    }
  /** The agent's staff profile allows `action` on organizations in exactly this state combination. */
  | {
      /** Tells this grant apart from the other kinds. */
      readonly type: "profile-cell";
      /** Id of the agent's staff profile. */
      readonly profileId: string;
      /** The organization's state combination key, e.g. `service+outreach`, or `none`. */
      readonly combination: string;
      /** The action the cell allows. */
      readonly action: OrganizationAction;
    }
  /** The agent's staff profile allows adding organizations. */
  | {
      /** Tells this grant apart from the other kinds. */
      readonly type: "profile-add";
      /** Id of the agent's staff profile. */
      readonly profileId: string;
    }
  /** The agent's staff profile has this note rule. */
  | {
      /** Tells this grant apart from the other kinds. */
      readonly type: "profile-notes";
      /** Id of the agent's staff profile. */
      readonly profileId: string;
      /** The note rule that allows it (`editOwn`, `deleteAny`…). */
      readonly rule: NoteRule;
    }
  /** The subject's membership of the organization (with its role and admin flag). */
  | {
      /** Tells this grant apart from the other kinds. */
      readonly type: "membership";
      /** The organization the subject is a member of. */
      readonly organizationId: string;
      /** The membership's organization role. */
      readonly role: string;
      /** Whether the membership carries the organization admin flag. */
      readonly admin: boolean;
    }
  /** The role is one the organization lets its admins assign. */
  | {
      /** Tells this grant apart from the other kinds. */
      readonly type: "allowed-role";
      /** The organization whose `allowedRoles` lists the role. */
      readonly organizationId: string;
      /** The role asked for. */
      readonly role: string;
    }
  /** The app is one the organization lets its admins use. */
  | {
      /** Tells this grant apart from the other kinds. */
      readonly type: "allowed-app";
      /** The organization whose `allowedApps` lists the app. */
      readonly organizationId: string;
      /** The app asked for. */
      readonly app: string;
    }
  /**
   * A membership of an organization above that cascades to its descendants and reaches
   * `reachedOrganizationId` (no discontinued organization in between): through its role
   * (`via: "role"`, a role whose rule has `cascade: "descendants"`) or its admin flag
   * (`via: "admin"`, when the policy's `admins` cascade).
   */
  | {
      /** Tells this grant apart from the other kinds. */
      readonly type: "cascade";
      /** The organization above, whose membership cascades. */
      readonly organizationId: string;
      /** That membership's organization role. */
      readonly role: string;
      /** Whether that membership carries the admin flag. */
      readonly admin: boolean;
      /** What cascades: the role's rule, or the admin flag. */
      readonly via: "role" | "admin";
      /** The organization the cascade reaches: the one the check is about. */
      readonly reachedOrganizationId: string;
    }
  /** The managed user is a member of the organization. */
  | {
      /** Tells this grant apart from the other kinds. */
      readonly type: "target-membership";
      /** The managed user. */
      readonly userId: string;
      /** The organization it is a member of. */
      readonly organizationId: string;
      /** Its organization role there. */
      readonly role: string;
    }
  /** `canManageUser` for a user not yet created (`targetUserId: null`). */
  | {
      /** Tells this grant apart from the other kinds. */
      readonly type: "new-user";
      /** The organization the new user would join. */
      readonly organizationId: string;
    }
  /** The subject raised the ticket. */
  | {
      /** Tells this grant apart from the other kinds. */
      readonly type: "requester";
      /** The ticket's requester: the subject. */
      readonly userId: string;
    }
  /** The organization that owns the resource. */
  | {
      /** Tells this grant apart from the other kinds. */
      readonly type: "resource-owner";
      /** The resource's kind. */
      readonly kind: string;
      /** The resource's id. */
      readonly id: string;
      /** The organization that owns it. */
      readonly organizationId: string;
    };

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
  /** The answer: what the matching `can*` method returns. */
  readonly allowed: boolean;
  /** The subject the check was about; `{ id: null, kind: "unknown" }` when the request's subject was malformed. */
  readonly subject: {
    /** The user id; `null` for a guest or a malformed subject. */
    readonly id: string | null;
    /** `guest`, `user`, `agent`, or `unknown` (a user id the policy does not hold, or a malformed subject). */
    readonly kind: SubjectKind;
  };
  /** When allowed, every fact that allowed it; empty when denied. */
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
