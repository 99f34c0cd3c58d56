/**
 * Invitations: an email address or phone number invited to an organization with a role
 * (and, from a platform admin, the admin flag), until an expiry. The token that accepts
 * it is handed out once and stored only as its SHA-256 hash; the states and the checks
 * of acceptance live here, pure (the time is a parameter).
 *
 * @module
 */
import { invitationExpired, invitationRevoked, invitationUsed } from "../../errors.js";
import type { ActorRef } from "../actor-ref.js";

/** What an invitation is addressed to: an email address or a phone number. */
export const INVITATION_KINDS = ["email", "phone"] as const;
/** What an invitation is addressed to: an email address or a phone number. */
export type InvitationKind = (typeof INVITATION_KINDS)[number];

/**
 * The stored states of an invitation. `pending` until it is accepted, revoked, or
 * replaced by a newer invitation to the same address and organization; a pending
 * invitation past its expiry is *expired* (`Invitation.expired`), which is a matter of
 * time, not a stored state.
 */
export const INVITATION_STATUSES = ["pending", "accepted", "revoked", "replaced"] as const;
/** A stored state of an invitation (see {@link INVITATION_STATUSES}). */
export type InvitationStatus = (typeof INVITATION_STATUSES)[number];

/** How long an invitation stays acceptable unless configured otherwise: 7 days. */
export const DEFAULT_INVITATION_EXPIRY_MS = 7 * 24 * 60 * 60 * 1000;
/** The shortest expiry an invitation (or the configuration) may ask for: one minute. */
export const MIN_INVITATION_EXPIRY_MS = 60 * 1000;
/** The longest expiry an invitation (or the configuration) may ask for: 90 days. A token is a bearer credential; it should not live for years. */
export const MAX_INVITATION_EXPIRY_MS = 90 * 24 * 60 * 60 * 1000;

/** An invitation as storage keeps it. */
export interface InvitationRecord {
  /** The invitation's id. */
  readonly id: string;
  /** The organization the invitation is to. */
  readonly organizationId: string;
  /** Whether `address` is an email address or a phone number. */
  readonly kind: InvitationKind;
  /** The invited address, normalized as users' identities are (`jane@acme.example`, `+14155550100`). */
  readonly address: string;
  /** The organization role the membership gets. */
  readonly role: string;
  /** Whether the membership is an organization admin's (only platform admins invite admins). */
  readonly admin: boolean;
  /** The SHA-256 of the token, as 64 lower-case hex digits. The token itself is never stored. */
  readonly tokenHash: string;
  /** Who sent it. */
  readonly invitedBy: ActorRef;
  /** When it was sent (ISO 8601). */
  readonly createdAt: string;
  /** When it stops being acceptable (ISO 8601). */
  readonly expiresAt: string;
  /** `pending`, `accepted`, `revoked` or `replaced` (a pending one past its expiry is still `pending`). */
  readonly status: InvitationStatus;
  /** When it was accepted, revoked or replaced; `null` while pending. */
  readonly endedAt: string | null;
  /** Who ended it: the user who accepted it, or the actor who revoked or replaced it; `null` while pending. */
  readonly endedBy: ActorRef | null;
  /** Starts at 1; every change adds 1. */
  readonly version: number;
}

/**
 * An invitation as the facade returns it: the stored record without the token's hash, and
 * whether it has expired. `Role` is a kit's declared roles (see `defineConfig`), any
 * `string` by default.
 */
export interface Invitation<Role extends string = string> {
  /** The invitation's id. */
  readonly id: string;
  /** The organization the invitation is to. */
  readonly organizationId: string;
  /** Whether `address` is an email address or a phone number. */
  readonly kind: InvitationKind;
  /** The invited address, normalized (`jane@acme.example`, `+14155550100`). */
  readonly address: string;
  /** The organization role the membership gets. */
  readonly role: Role;
  /** Whether the membership is an organization admin's. */
  readonly admin: boolean;
  /** Who sent it. */
  readonly invitedBy: ActorRef;
  /** When it was sent (ISO 8601). */
  readonly createdAt: string;
  /** When it stops being acceptable (ISO 8601). */
  readonly expiresAt: string;
  /** `pending`, `accepted`, `revoked` or `replaced` (see `expired` for a pending one past its expiry). */
  readonly status: InvitationStatus;
  /** Pending and past its expiry: it can no longer be accepted (but may still be revoked or replaced). */
  readonly expired: boolean;
  /** When it was accepted, revoked or replaced; `null` while pending. */
  readonly endedAt: string | null;
  /** Who ended it: the user who accepted it, or the actor who revoked or replaced it; `null` while pending. */
  readonly endedBy: ActorRef | null;
}

/** Whether `invitation` is pending and past its expiry at `now`. */
export function isInvitationExpired(invitation: Pick<InvitationRecord, "status" | "expiresAt">, now: Date): boolean {
  return invitation.status === "pending" && now.getTime() >= Date.parse(invitation.expiresAt);
}

/** The facade's view of a stored invitation at `now` (no token hash). */
export function toInvitation(record: InvitationRecord, now: Date): Invitation {
  return {
    id: record.id,
    organizationId: record.organizationId,
    kind: record.kind,
    address: record.address,
    role: record.role,
    admin: record.admin,
    invitedBy: record.invitedBy,
    createdAt: record.createdAt,
    expiresAt: record.expiresAt,
    status: record.status,
    expired: isInvitationExpired(record, now),
    endedAt: record.endedAt,
    endedBy: record.endedBy,
  };
}

/**
 * Checks that `invitation` can be accepted at `now`: `INVITATION_USED` when it was
 * accepted, `INVITATION_REVOKED` when it was revoked or replaced (`details.reason`),
 * `INVITATION_EXPIRED` when it is past its expiry. The time is a parameter (the service
 * passes its clock's).
 */
export function assertAcceptable(invitation: InvitationRecord, now: Date): void {
  switch (invitation.status) {
    case "accepted":
      throw invitationUsed(invitation.id);
    case "revoked":
    case "replaced":
      throw invitationRevoked(invitation.id, invitation.status);
    case "pending":
      if (isInvitationExpired(invitation, now)) throw invitationExpired(invitation.id, invitation.expiresAt);
      return;
  }
}

/**
 * The invitation as ended by `by` at `at`: accepted, revoked or replaced, one version on.
 * (Pure: storage checks the version, so that of two concurrent endings only one counts.)
 */
export function endInvitation(invitation: InvitationRecord, status: Exclude<InvitationStatus, "pending">, by: ActorRef, at: string): InvitationRecord {
  return { ...invitation, status, endedAt: at, endedBy: by, version: invitation.version + 1 };
}

/** The user who accepted `invitation`, or `null` when it was not accepted (storage indexes it, for erasure). */
export function acceptedByOf(invitation: Pick<InvitationRecord, "status" | "endedBy">): string | null {
  return invitation.status === "accepted" && invitation.endedBy?.type === "user" ? invitation.endedBy.id : null;
}
