import type { PlatformRole, UserKind } from "../../permissions/snapshot.js";
import type { ActorRef } from "../actor-ref.js";
import type { MemberRule } from "../matching/rule.js";

// The closed sets live in the dependency-free `permissions/` (which may not import the
// domain); the domain re-exports them so `orgkit` keeps its names.
export { PLATFORM_ROLES, USER_KINDS, type PlatformRole, type UserKind } from "../../permissions/snapshot.js";

/**
 * orgkit's projection of a host user: just what matching and permissions need.
 * Emails, username and phones are stored normalized (see `orgkit/matching`).
 */
export interface User {
  /** The host's id for the user. */
  readonly id: string;
  /** `user` for a portal user, `agent` for helpdesk staff. */
  readonly kind: UserKind;
  /** Normalized email addresses (lower-cased domain, IDN as ASCII). */
  readonly emails: readonly string[];
  /** Normalized username, or `null`. */
  readonly username: string | null;
  /** Phone numbers in E.164. */
  readonly phones: readonly string[];
  /**
   * The emails (a subset of `emails`) the host verified. Member rules link a user by
   * verified identities only, unless the kit is configured with
   * `identitiesVerifiedUpstream: true`. Only the system actor and platform admins may
   * mark an identity verified.
   */
  readonly verifiedEmails: readonly string[];
  /** The phones (a subset of `phones`) the host verified. */
  readonly verifiedPhones: readonly string[];
  /** Whether the host verified the username (`false` when there is none). */
  readonly usernameVerified: boolean;
  /** Registered users get the Registered usergroup; guests and unregistered users do not. */
  readonly registered: boolean;
  /** Usergroups the user was put in directly (organization-linked groups come on top). */
  readonly usergroupIds: readonly string[];
  /** `super_admin` or `admin` for a platform administrator; `null` for anyone else. */
  readonly platformRole: PlatformRole | null;
  /** The staff profile that grants state permissions on organizations (agents). */
  readonly profileId: string | null;
  /** When it was created (ISO 8601). */
  readonly createdAt: string;
  /** When it was last changed (ISO 8601). */
  readonly updatedAt: string;
  /** Starts at 1; every change adds 1. */
  readonly version: number;
  /**
   * When the user was erased (`kit.users.erase`, ISO 8601): the record is a tombstone that
   * keeps the id (so the host's id cannot come back with its old links) and nothing
   * personal. Absent for every user that was not erased.
   */
  readonly erasedAt?: string;
}

/** The built-in organization roles; hosts may use any other role name too (custom org roles). */
export const BUILT_IN_ORGANIZATION_ROLES = ["member", "manager"] as const;

/**
 * Why a membership exists: set by hand, created by a member rule, brought in by an
 * import, or an accepted invitation (which one, who sent it and when).
 */
export type MembershipSource =
  | {
      /** Added by hand (`kit.memberships.add`…). */
      readonly type: "manual";
    }
  | {
      /** Created by a member rule that matched the user. */
      readonly type: "rule";
      /** Id of the member rule. */
      readonly ruleId: string;
    }
  | {
      /** Brought in by an import. */
      readonly type: "import";
    }
  | {
      /** An accepted invitation. */
      readonly type: "invitation";
      /** Id of the invitation accepted. */
      readonly invitationId: string;
      /** Who sent the invitation. */
      readonly invitedBy: ActorRef;
      /** When it was sent (ISO 8601). */
      readonly invitedAt: string;
    };

/** A user's membership of an organization; `Role` is a kit's declared roles (see `defineConfig`), any `string` by default. */
export interface Membership<Role extends string = string> {
  /** The member. */
  readonly userId: string;
  /** The organization. */
  readonly organizationId: string;
  /** `member`, `manager` (sees all the organization's tickets) or a custom organization role. */
  readonly role: Role;
  /** Organization admin: manages this organization's users (only this one, not its children). */
  readonly admin: boolean;
  /** Why the membership exists: by hand, a member rule, an import or an invitation. */
  readonly source: MembershipSource;
  /** When the user joined the organization (ISO 8601). */
  readonly createdAt: string;
  /** When the membership last changed (ISO 8601). */
  readonly updatedAt: string;
}

/**
 * A host resource (asset, system, anything) owned by one organization at a time.
 * Members of the owner can access it; parent, sibling and child organizations cannot.
 */
export interface ResourceOwnership {
  /** The host's kind of resource, e.g. `asset` or `system`. */
  readonly kind: string;
  /** The resource's id within its kind. */
  readonly id: string;
  /** The owning organization. */
  readonly organizationId: string;
  /** When it was assigned to that organization (ISO 8601). */
  readonly assignedAt: string;
}

/** Membership policy: a user (and asset, system) belongs to one organization, or to several. */
export type MembershipPolicy = "single" | "multiple";

/**
 * A member rule as storage indexes it for matching: the one rule shape of
 * `orgkit/matching` ({@link MemberRule}: id, owner, kind, normalized value,
 * `includeSubdomains`) plus how storage enforces claims.
 */
export interface MemberRuleRecord extends MemberRule {
  /**
   * True under the `"reject"` conflict policy: no other exclusive rule may have the same
   * `kind` and `value` (storage enforces it, so concurrent claims cannot both win).
   */
  readonly exclusive: boolean;
  /**
   * Domain rules only: how the organization proved it controls the domain (see
   * `kit.rules.proveDomain`), or `null` / absent while unproven. Two organizations'
   * proofs never nest: storage refuses a proof of a domain another organization proved,
   * or of a domain above or under one.
   */
  readonly proof?: MemberRuleProof | null;
}

/** How a domain rule was proven. */
export type DomainProofMethod = "dns" | "affiliation";

/** Who proved a domain rule (the actor of `kit.rules.proveDomain`). */
export interface DomainProofActor {
  /** `user` for a user of the host, `system` for automation. */
  readonly type: "user" | "system";
  /** The user's id, or the system actor's name. */
  readonly id: string;
}

/**
 * The proof of a domain rule: a TXT record `orgkit-verification=<token>` at
 * `_orgkit.<domain>` (`"dns"`), or an admin of the organization holding a verified
 * address at the domain itself (`"affiliation"`).
 */
export type MemberRuleProof =
  | {
      /** Proven by a DNS TXT record. */
      readonly method: "dns";
      /** When the proof was recorded (ISO 8601). */
      readonly provenAt: string;
      /** Who ran the successful check. */
      readonly provenBy: DomainProofActor;
      /** The TXT record's name that held the token. */
      readonly recordName: string;
    }
  | {
      /** Proven by an organization admin's verified address at the domain. */
      readonly method: "affiliation";
      /** When the proof was recorded (ISO 8601). */
      readonly provenAt: string;
      /** Who ran the successful check. */
      readonly provenBy: DomainProofActor;
      /** The organization admin whose verified address proved it. */
      readonly userId: string;
      /** That admin's verified address at the domain. */
      readonly email: string;
    };

/** Why a proof check failed (see `kit.rules.proveDomain`). */
export type DomainProofFailureReason =
  /** No challenge had been issued for the rule, so no record could hold its token (one is issued now). */
  | "no_challenge"
  /** The resolver found no TXT record at the name (NXDOMAIN, no data, an empty answer). */
  | "no_record"
  /** TXT records exist at the name, but none holds the token. */
  | "token_mismatch"
  /** The resolver did not answer in time. */
  | "timeout"
  /** The resolver failed (a server failure, a refused query, a resolver that threw). */
  | "resolver_error"
  /** The resolver's answer was not a list of TXT records, or too large. */
  | "invalid_response"
  /** `_orgkit.<domain>` is longer than a domain name may be: the record cannot exist. */
  | "name_too_long"
  /** No admin of the organization holds a verified address at the domain. */
  | "no_affiliated_admin";

/**
 * The challenge of a domain rule: the token the organization publishes to prove the
 * domain, and the last failed check. Stored per rule (and tenant), removed with the rule;
 * never part of the rule record, so reading rules never shows the token.
 */
export interface DomainChallengeRecord {
  /** The domain rule the challenge is for. */
  readonly ruleId: string;
  /** The organization that holds the rule. */
  readonly organizationId: string;
  /** The rule's domain. */
  readonly domain: string;
  /** Random, URL-safe; the TXT record holds `orgkit-verification=<token>`. */
  readonly token: string;
  /** When the token was issued (ISO 8601). */
  readonly issuedAt: string;
  /** The last check that failed (cleared by nothing but a new failure; a proof is on the rule); `null` when none failed. */
  readonly lastFailure: {
    /** When the check ran (ISO 8601). */
    readonly at: string;
    /** Which proof was tried. */
    readonly method: DomainProofMethod;
    /** Why it failed. */
    readonly reason: DomainProofFailureReason;
  } | null;
}
