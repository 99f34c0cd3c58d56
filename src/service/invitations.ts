/**
 * Invitations (`kit.invitations`): platform admins, and org admins within their
 * organization's allowed roles, invite an email address or phone number to an
 * organization; the host calls `accept(token, userId)` once it has authenticated the
 * person, which verifies that identity and adds the membership (source `invitation`).
 *
 * @module
 */
import { z } from "zod";
import { atInputPath, invitationInvalid, invitationUsed, isOrgKitError, notFound, OrgKitError, userErased } from "../errors.js";
import type { ActorRef } from "../domain/actor-ref.js";
import { normalizeEmail } from "../domain/matching/email.js";
import { normalizePhone, type PhoneRegion } from "../domain/matching/phone.js";
import {
  assertAcceptable,
  endInvitation,
  INVITATION_STATUSES,
  MAX_INVITATION_EXPIRY_MS,
  MIN_INVITATION_EXPIRY_MS,
  toInvitation,
  type Invitation,
  type InvitationKind,
  type InvitationRecord,
} from "../domain/invitation/model.js";
import type { Membership, MembershipSource, User } from "../domain/membership/model.js";
import { assertAssignable } from "../domain/organization/commands.js";
import { idSchema, type Organization } from "../domain/organization/schema.js";
import { parseInput } from "../domain/validation.js";
import type { InvitationRepository, StorageSession } from "../storage/ports.js";
import { parseActor, type Actor } from "./actor.js";
import type { OrgKitConfig } from "./config.js";
import { hashInvitationToken, isWellFormedInvitationToken, newInvitationToken } from "./invitation-tokens.js";
import { relinkUser } from "./linking.js";
import { assignRole, designateAdmins, manageUsers, putMembership, roleSchema } from "./memberships.js";
import { loadOrganization, type CommandScope, type Runtime } from "./runtime.js";
import { defineUseCase, type Need } from "./use-case.js";
import { assertDeclaredRole } from "./vocabulary.js";

/** Schema of {@link CreateInvitationInput}. */
export const createInvitationInputSchema = z
  .object({
    /** Id of the organization to invite to; it must exist (`NOT_FOUND`) and be active (`ORGANIZATION_DISCONTINUED`). */
    organizationId: idSchema,
    /** The email address to invite, normalized as users' emails are (`INVALID_EMAIL`); give it or `phone`, not both. */
    email: z.string().max(1000).optional(),
    /** The phone number to invite, parsed to E.164 with the kit's `defaultPhoneRegion` (`INVALID_PHONE`); give it or `email`, not both. */
    phone: z.string().max(100).optional(),
    /** The role the membership gets on acceptance: `member` (default), `manager` or a custom role; an org admin may give only the organization's `allowedRoles`. */
    role: roleSchema.default("member"),
    /** Whether the invited person becomes an admin of the organization (default `false`); `true` needs a platform admin. */
    admin: z.boolean().default(false),
    /** How long the token stays acceptable, in milliseconds: one minute to 90 days; default the kit's `invitationExpiryMs` (7 days). */
    expiresInMs: z.number().int().min(MIN_INVITATION_EXPIRY_MS).max(MAX_INVITATION_EXPIRY_MS).optional(),
  })
  .strict()
  .superRefine((input, context) => {
    if ((input.email === undefined) === (input.phone === undefined)) {
      context.addIssue({ code: "custom", path: ["email"], message: "give exactly one of email or phone", params: { orgkitCode: "exactly_one" } });
    }
  });

/**
 * Input of `kit.invitations.create`: the organization, exactly one of `email` or `phone`
 * (normalized as users' identities are: `INVALID_EMAIL` / `INVALID_PHONE`), the role
 * (default `member`), the admin flag (platform admins only) and, optionally, the expiry
 * in milliseconds (one minute to 90 days; default the kit's `invitationExpiryMs`, 7 days).
 */
export type CreateInvitationInput<Role extends string = string> = string extends Role
  ? z.input<typeof createInvitationInputSchema>
  : (Omit<z.input<typeof createInvitationInputSchema>, "role"> & {
        /** One of the kit's declared roles (default `member`), given on acceptance; an org admin may give only the organization's `allowedRoles`. */
        readonly role?: Role;
      }) extends infer O
    ? { [K in keyof O]: O[K] }
    : never;

/** Schema of {@link ListInvitationsOptions}. */
export const listInvitationsOptionsSchema = z
  .object({
    /** Only invitations in this stored state: `pending` (expired ones included), `accepted`, `revoked` or `replaced`. Default: all. */
    status: z.enum(INVITATION_STATUSES).optional(),
    /** The id of the last invitation of the previous page; the page starts after it. `null` or absent: the first page. */
    after: z.string().max(300).nullable().optional(),
    /** Page size, 1–1000 (default 100). */
    limit: z.number().int().min(1).max(1000).default(100),
  })
  .strict();

/** Options of `kit.invitations.list`: only one stored state (`pending`, `accepted`, `revoked`, `replaced`), and keyset pages by id. */
export type ListInvitationsOptions = z.input<typeof listInvitationsOptionsSchema>;

const tokenSchema = z.string().min(1, "must not be empty").max(256);

/** What `kit.invitations.create` returns: the invitation, and its token — returned this once, never stored. */
export interface CreatedInvitation<Role extends string = string> {
  /** The new invitation, `pending`, with its normalized address and expiry. */
  readonly invitation: Invitation<Role>;
  /** Send it to the invited address (a link, a code); `accept` takes it. orgkit keeps only its SHA-256. */
  readonly token: string;
}

/** What `kit.invitations.accept` returns. */
export interface AcceptedInvitation<Role extends string = string> {
  /** The invitation, now `accepted`. */
  readonly invitation: Invitation<Role>;
  /** The membership it created (or turned into an invited one), with source `invitation`. */
  readonly membership: Membership<Role>;
  /** The user, with the invited address among its verified identities. */
  readonly user: User;
}

/** Invitation use cases (see {@link OrgKit.invitations}). */
export interface InvitationsApi<Role extends string = string> {
  /**
   * Invites an email address or a phone number to an organization with a role (platform
   * admins: any role, and the admin flag; org admins: their organization's
   * `allowedRoles`). A pending invitation to the same address and organization is
   * replaced (it becomes `replaced`, and its token stops working). The token comes back
   * this once: orgkit stores only its SHA-256.
   *
   * @example
   * ```ts
   * const { invitation, token } = await kit.invitations.create(carl, { organizationId: "acme", email: "dana@contractor.example", role: "technician" });
   * await sendMail(invitation.address, `https://helpdesk.example/join?token=${token}`);
   * ```
   */
  create(actor: Actor, input: CreateInvitationInput<Role>): Promise<CreatedInvitation<Role>>;
  /** Revokes a pending invitation (expired or not); its token stops working. Revoking it again changes nothing; an accepted one is `INVITATION_USED`. */
  revoke(actor: Actor, invitationId: string): Promise<Invitation<Role>>;
  /** The organization's invitations by id, for those who manage its users (others get `[]`). */
  list(actor: Actor, organizationId: string, options?: ListInvitationsOptions): Promise<Invitation<Role>[]>;
  /**
   * Accepts an invitation for the user `userId`, whom the host has authenticated as the
   * person who holds the token. There is no actor: the token is the authority, checked
   * as it is now — the sender must still have the right to invite (else `FORBIDDEN`) and
   * the organization must be active (`ORGANIZATION_DISCONTINUED`). In one transaction the
   * invited address becomes a verified identity of the user (created when it does not
   * exist), the membership is created with source `invitation` (under `"single"` the user
   * moves: it consented), the user is re-linked by member rules, and the invitation is
   * `accepted`. A malformed, unknown or other tenant's token is `INVITATION_INVALID`; an
   * expired one `INVITATION_EXPIRED`; a revoked or replaced one `INVITATION_REVOKED`; an
   * accepted one `INVITATION_USED`. Nothing is written then.
   *
   * @example
   * ```ts
   * // In the handler of the link, once the person signed in (or signed up) as user "u_42":
   * const { membership } = await kit.invitations.accept(tokenFromLink, "u_42");
   * ```
   */
  accept(token: string, userId: string): Promise<AcceptedInvitation<Role>>;
}

/** The storage's invitation repository; `STORAGE_FAILURE` (reason `unsupported`) for an adapter without one. */
function invitationsOf(session: StorageSession): InvitationRepository {
  const repository = session.invitations;
  if (repository === undefined) {
    throw new OrgKitError("STORAGE_FAILURE", "This storage has no invitations repository (an adapter written before invitations); kit.invitations needs one", {
      details: { reason: "unsupported", repository: "invitations" },
    });
  }
  return repository;
}

/** The invitation whose token hashes to `tokenHash`, or `INVITATION_INVALID`. */
async function findByToken(session: StorageSession, tokenHash: string): Promise<InvitationRecord> {
  const invitation = await invitationsOf(session).getByTokenHash(tokenHash);
  if (invitation === null) throw invitationInvalid();
  return invitation;
}

interface CreateData {
  readonly organizationId: string;
  readonly kind: InvitationKind;
  readonly address: string;
  readonly role: string;
  readonly admin: boolean;
  readonly expiresInMs: number;
  readonly tokenHash: string;
}

interface CreateFacts {
  readonly organization: Organization;
  /** The pending invitation the new one replaces, if any. */
  readonly pending: InvitationRecord | null;
}

/** The requests of sending an invitation: those of adding the member directly (`memberships.add`). */
function invitingNeeds(organization: Organization, role: string, admin: boolean): Need[] {
  return [manageUsers(organization), assignRole(organization, role), ...(admin ? [designateAdmins] : [])];
}

/** `invitations.create`. */
const createInvitation = defineUseCase<CreateData, CreateFacts, Invitation>({
  kind: "write",
  async load(scope, data) {
    const organization = await loadOrganization(scope.session, data.organizationId);
    const pending = await invitationsOf(scope.session).findPending(organization.id, data.kind, data.address);
    return { organization, pending };
  },
  requests: (data, { organization }) => invitingNeeds(organization, data.role, data.admin),
  async command(scope, data, { organization, pending }) {
    assertAssignable(organization);
    const invitations = invitationsOf(scope.session);
    const at = scope.now.toISOString();
    if (pending !== null) {
      await invitations.update(endInvitation(pending, "replaced", scope.actor, at), pending.version);
      scope.record({ type: "invitation.revoked", organizationId: organization.id, data: { invitationId: pending.id, reason: "replaced" } });
    }
    const invitation: InvitationRecord = {
      id: scope.ids("invitation"),
      organizationId: organization.id,
      kind: data.kind,
      address: data.address,
      role: data.role,
      admin: data.admin,
      tokenHash: data.tokenHash,
      invitedBy: scope.actor,
      createdAt: at,
      expiresAt: new Date(scope.now.getTime() + data.expiresInMs).toISOString(),
      status: "pending",
      endedAt: null,
      endedBy: null,
      version: 1,
    };
    await invitations.insert(invitation);
    // Neither the token nor the address goes into the audit trail (append-only; addresses are personal data).
    scope.record({
      type: "invitation.created",
      organizationId: organization.id,
      data: { invitationId: invitation.id, kind: invitation.kind, role: invitation.role, admin: invitation.admin, expiresAt: invitation.expiresAt, replaced: pending?.id ?? null },
    });
    return toInvitation(invitation, scope.now);
  },
});

type RevokeFacts = { readonly invitation: InvitationRecord; readonly organization: Organization } | null;

/** `invitations.revoke`. An unknown id is refused as an invitation the actor may not manage (unless it administers the platform), so the answer does not tell which ids exist. */
const revokeInvitation = defineUseCase<{ readonly id: string }, RevokeFacts, Invitation>({
  kind: "write",
  async load(scope, { id }) {
    const invitation = await invitationsOf(scope.session).get(id);
    return invitation === null ? null : { invitation, organization: await loadOrganization(scope.session, invitation.organizationId) };
  },
  requests: ({ id }, facts): Need[] => (facts === null ? [{ request: { check: "canAdministerPlatform" }, action: `revoke invitation ${id}` }] : [manageUsers(facts.organization)]),
  async command(scope, { id }, facts) {
    if (facts === null) throw notFound("invitation", id);
    const { invitation } = facts;
    if (invitation.status === "accepted") throw invitationUsed(invitation.id);
    if (invitation.status !== "pending") return toInvitation(invitation, scope.now); // revoked or replaced already
    const revoked = endInvitation(invitation, "revoked", scope.actor, scope.now.toISOString());
    await invitationsOf(scope.session).update(revoked, invitation.version);
    scope.record({ type: "invitation.revoked", organizationId: invitation.organizationId, data: { invitationId: invitation.id, reason: "revoked" } });
    return toInvitation(revoked, scope.now);
  },
});

interface AcceptData {
  readonly tokenHash: string;
  readonly userId: string;
}

interface AcceptFacts {
  readonly invitation: InvitationRecord;
  readonly organization: Organization;
  readonly user: User | null;
  readonly membership: Membership | null;
}

/**
 * `invitations.accept`, run on the authority of the invitation's sender (see
 * {@link Runtime.executeOnBehalf}): its requests are the sender's rights as they are now.
 */
const acceptInvitation = defineUseCase<AcceptData, AcceptFacts, AcceptedInvitation>({
  kind: "write",
  async load(scope, { tokenHash, userId }) {
    const invitation = await findByToken(scope.session, tokenHash);
    assertAcceptable(invitation, scope.now);
    const organization = await loadOrganization(scope.session, invitation.organizationId);
    // Before the sender's rights: a discontinued organization is the reason, whoever sent it
    // (its org admins' rights sleep with it), and the token's holder may know where it leads.
    assertAssignable(organization);
    const user = await scope.session.users.get(userId);
    const membership = user === null ? null : await scope.session.memberships.get(userId, organization.id);
    return { invitation, organization, user, membership };
  },
  // An invitation does not outlive the authority that sent it: the sender must still be
  // allowed to add this member directly. (Who the invitee is needs no right: it consents.)
  requests: ({ userId }, { invitation, organization }) =>
    invitingNeeds(organization, invitation.role, invitation.admin).map((need) => ({
      ...need,
      action: `${need.action}, which admitting user ${userId} by invitation ${invitation.id} needs (the invitation's sender no longer may)`,
    })),
  async command(scope, { userId }, { invitation, organization, user: current, membership: existing }) {
    // An erased person's id stays a tombstone: no invitation brings it (or an address) back.
    if (current?.erasedAt !== undefined) throw userErased(userId);
    const at = scope.now.toISOString();
    // First the conditional update: of two acceptances of one token, the second stops here.
    const accepted = endInvitation(invitation, "accepted", { type: "user", id: userId }, at);
    await invitationsOf(scope.session).update(accepted, invitation.version);
    scope.record({
      type: "invitation.accepted",
      organizationId: organization.id,
      data: { invitationId: invitation.id, userId, invitedBy: invitation.invitedBy, invitedAt: invitation.createdAt, role: invitation.role, admin: invitation.admin },
    });

    const user = await withVerifiedIdentity(scope, current, userId, invitation);

    const source: MembershipSource = { type: "invitation", invitationId: invitation.id, invitedBy: invitation.invitedBy, invitedAt: invitation.createdAt };
    // A member already (by hand, an import or a rule) takes the invited role; accepting never takes an admin flag away.
    const membership: Membership = existing
      ? { ...existing, role: invitation.role, admin: existing.admin || invitation.admin, source, updatedAt: at }
      : { userId, organizationId: organization.id, role: invitation.role, admin: invitation.admin, source, createdAt: at, updatedAt: at };
    await putMembership(scope, membership);
    scope.record({
      type: existing ? "membership.source_changed" : "membership.added",
      organizationId: organization.id,
      data: { userId, role: membership.role, admin: membership.admin, source },
    });

    // The verified address may match member rules: linked in this same transaction.
    await relinkUser(scope, user);
    return { invitation: toInvitation(accepted, scope.now), membership, user };
  },
});

/**
 * The user with the invited address among its verified identities: created (kind `user`,
 * not registered, nothing else) when there is none, updated when the address is missing
 * or unverified, as it is otherwise. Records `user.created` / `user.updated`.
 */
async function withVerifiedIdentity(scope: CommandScope, current: User | null, userId: string, invitation: InvitationRecord): Promise<User> {
  const at = scope.now.toISOString();
  const email = invitation.kind === "email";
  if (current === null) {
    const identity = [invitation.address];
    const user: User = {
      id: userId,
      kind: "user",
      emails: email ? identity : [],
      username: null,
      phones: email ? [] : identity,
      verifiedEmails: email ? identity : [],
      verifiedPhones: email ? [] : identity,
      usernameVerified: false,
      registered: false,
      usergroupIds: [],
      platformRole: null,
      profileId: null,
      createdAt: at,
      updatedAt: at,
      version: 1,
    };
    await scope.session.users.insert(user);
    scope.record({ type: "user.created", organizationId: null, data: { userId, version: user.version } });
    return user;
  }
  const values = email ? current.emails : current.phones;
  // Users stored before verification existed have no lists: nothing of theirs is verified.
  const verified = (email ? current.verifiedEmails : current.verifiedPhones) ?? [];
  if (values.includes(invitation.address) && verified.includes(invitation.address)) return current;
  const nextValues = values.includes(invitation.address) ? values : [...values, invitation.address];
  const nextVerified = [...verified, invitation.address];
  const user: User = {
    ...current,
    ...(email ? { emails: nextValues, verifiedEmails: nextVerified } : { phones: nextValues, verifiedPhones: nextVerified }),
    updatedAt: at,
    version: current.version + 1,
  };
  await scope.session.users.update(user, current.version);
  scope.record({ type: "user.updated", organizationId: null, data: { userId, version: user.version } });
  return user;
}

/** The invited address, normalized as users' identities are; an unusable one is `INVALID_EMAIL` / `INVALID_PHONE` at its path. */
function normalizeAddress(config: OrgKitConfig, input: { readonly email?: string | undefined; readonly phone?: string | undefined }): { kind: InvitationKind; address: string } {
  const path = input.email !== undefined ? "email" : "phone";
  try {
    return input.email !== undefined
      ? { kind: "email", address: normalizeEmail(input.email, { lowerCaseLocalPart: config.lowercaseEmailLocalPart }) }
      : { kind: "phone", address: normalizePhone(input.phone!, { defaultRegion: config.defaultPhoneRegion as PhoneRegion }) };
  } catch (error) {
    if (!isOrgKitError(error)) throw error;
    throw atInputPath(error, path);
  }
}

/** Builds `kit.invitations` over the runtime. */
export function createInvitationsApi(runtime: Runtime): InvitationsApi {
  const { config } = runtime;
  return {
    async create(actor, input) {
      const ref = parseActor(actor);
      const data = parseInput(createInvitationInputSchema, input, "invitation");
      assertDeclaredRole(config, data.role, "role", "invitation");
      const { kind, address } = normalizeAddress(config, data);
      const token = newInvitationToken();
      const invitation = await runtime.execute(createInvitation, ref, {
        organizationId: data.organizationId,
        kind,
        address,
        role: data.role,
        admin: data.admin,
        expiresInMs: data.expiresInMs ?? config.invitationExpiryMs,
        tokenHash: await hashInvitationToken(token),
      });
      return { invitation, token };
    },

    async revoke(actor, invitationId) {
      const ref = parseActor(actor);
      const id = parseInput(idSchema, invitationId, "invitation id", ["invitationId"]);
      return runtime.execute(revokeInvitation, ref, { id });
    },

    async list(actor, organizationId, options) {
      const ref = parseActor(actor);
      const orgId = parseInput(idSchema, organizationId, "organization id", ["organizationId"]);
      const query = parseInput(listInvitationsOptionsSchema, options ?? {}, "options", ["options"]);
      return runtime.read(ref, async (scope) => {
        const organization = await scope.session.organizations.get(orgId);
        // Invitations name people's addresses: for those who manage the organization's users.
        if (organization === null || !scope.auth.allows({ check: "canManageUser", organization })) return [];
        const records = await invitationsOf(scope.session).listByOrganization(orgId, {
          after: query.after ?? null,
          limit: query.limit,
          ...(query.status !== undefined ? { status: query.status } : {}),
        });
        return records.map((record) => toInvitation(record, scope.now));
      });
    },

    async accept(token, userId) {
      const presented = parseInput(tokenSchema, token, "invitation token", ["token"]);
      const user = parseInput(idSchema, userId, "user id", ["userId"]);
      // A token of the wrong shape is no token: refused without asking storage.
      if (!isWellFormedInvitationToken(presented)) throw invitationInvalid();
      const tokenHash = await hashInvitationToken(presented);
      const actor: ActorRef = { type: "user", id: user };
      return runtime.executeOnBehalf(
        acceptInvitation,
        { actor, authority: async (session) => (await findByToken(session, tokenHash)).invitedBy, consentingUserId: user },
        { tokenHash, userId: user },
      );
    },
  };
}
