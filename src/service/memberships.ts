import { z } from "zod";
import { forbidden, notFound, OrgKitError, uniqueConflict, userErased } from "../errors.js";
import { assertAssignable } from "../domain/organization/commands.js";
import { idSchema, type Organization } from "../domain/organization/schema.js";
import type { DomainChallengeRecord, Membership, MembershipSource, MemberRuleProof, MemberRuleRecord, User } from "../domain/membership/model.js";
import { parseInput } from "../domain/validation.js";
import type { KeysetOptions } from "../storage/ports.js";
import { parseActor, type Actor } from "./actor.js";
import { canRead } from "./organizations.js";
import { loadOrganization, type CommandScope, type Runtime } from "./runtime.js";
import { defineUseCase, type Need } from "./use-case.js";
import { assertDeclaredRole } from "./vocabulary.js";

/** Organization role names: `member`, `manager`, or a custom role. */
export const roleSchema = z.string().trim().min(1, "must not be empty").max(64);

/** Schema of {@link AddMembershipInput}. */
export const addMembershipInputSchema = z
  .object({
    /** Id of the user to add; the user must exist (`NOT_FOUND`) and not be erased (`CONFLICT`, reason `erased`). */
    userId: idSchema,
    /** Id of the organization; it must exist (`NOT_FOUND`) and be active (`ORGANIZATION_DISCONTINUED`). */
    organizationId: idSchema,
    /** The organization role: `member` (default), `manager` or a custom role, 1–64 characters; an org admin may give only the organization's `allowedRoles`. */
    role: roleSchema.default("member"),
    /** Whether the user becomes an admin of the organization (default `false`); `true` needs a platform admin. */
    admin: z.boolean().default(false),
  })
  .strict();

/** Input of `kit.memberships.add`; `role` typed by a kit's declared roles (see `defineConfig`). */
export type AddMembershipInput<Role extends string = string> = string extends Role
  ? z.input<typeof addMembershipInputSchema>
  : (Omit<z.input<typeof addMembershipInputSchema>, "role"> & {
        /** One of the kit's declared roles (default `member`); an org admin may give only the organization's `allowedRoles`. */
        readonly role?: Role;
      }) extends infer O
    ? { [K in keyof O]: O[K] }
    : never;

const booleanSchema = z.boolean();
const pageSchema = z.object({ after: z.string().max(300).nullable().optional(), limit: z.number().int().min(1).max(1000).default(100) }).strict();

/** Why a user is (or is not) a member of an organization. */
export interface MembershipExplanation<Role extends string = string> {
  /** Whether the user is a member of the organization now. */
  readonly member: boolean;
  /** The membership, with its role, admin flag and source; `null` when the user is not a member. */
  readonly membership: Membership<Role> | null;
  /** For rule-created memberships, the rule (or `null` if it has since been removed). */
  readonly rule: MemberRuleRecord | null;
  /**
   * For a membership a domain rule created: whether the rule is proven, how, when and by
   * whom (`proof`), and its last failed proof check (`lastFailure`). `null` otherwise.
   */
  readonly domainProof: DomainProofStatus | null;
  /** A sentence a person can read. */
  readonly reason: string;
}

/** The proof state of a domain rule, as `memberships.explain` shows it. */
export interface DomainProofStatus {
  /** Whether the domain rule is proven (by DNS or by an admin's affiliation). */
  readonly proven: boolean;
  /** How, when and by whom the rule was proven; `null` while it is not. */
  readonly proof: MemberRuleProof | null;
  /** The last failed proof check of the rule (when, which method, why); `null` when none has failed. */
  readonly lastFailure: DomainChallengeRecord["lastFailure"];
}

/** A clause on a domain rule's proof: `proven by DNS (…) on … by user u1`, or `not proven`. */
function describeProof(status: DomainProofStatus): string {
  const { proof, lastFailure } = status;
  if (proof) {
    const how = proof.method === "dns" ? `DNS (TXT record at ${proof.recordName})` : `affiliation (admin ${proof.userId}, ${proof.email})`;
    return `proven by ${how} on ${proof.provenAt} by ${proof.provenBy.type} ${proof.provenBy.id}`;
  }
  return lastFailure ? `not proven (last check, by ${lastFailure.method}, failed on ${lastFailure.at}: ${lastFailure.reason})` : "not proven";
}

/** Membership use cases (see {@link OrgKit.memberships}); `Role` is the kit's declared roles (see `defineConfig`). */
export interface MembershipsApi<Role extends string = string> {
  /**
   * Adds a user to an organization (platform admins, or that organization's admins with
   * one of its allowed roles). Under the `"single"` policy the user leaves its other
   * organization in the same transaction. Designating an admin needs a platform admin.
   */
  add(actor: Actor, input: AddMembershipInput<Role>): Promise<Membership<Role>>;
  /** Removes a membership; `false` when there was none. */
  remove(actor: Actor, userId: string, organizationId: string): Promise<boolean>;
  /** Changes the member's organization role (`member`, `manager` or custom). */
  setRole(actor: Actor, userId: string, organizationId: string, role: Role): Promise<Membership<Role>>;
  /** Designates or removes an organization admin (platform admins only). */
  setAdmin(actor: Actor, userId: string, organizationId: string, admin: boolean): Promise<Membership<Role>>;
  /**
   * The user's membership of the organization, for the user itself and for whoever may read
   * the organization or manage its users; `null` when there is none or the actor may not
   * see it (a refusal reads as "no membership", so it tells nothing).
   */
  get(actor: Actor, userId: string, organizationId: string): Promise<Membership<Role> | null>;
  /** The organization's memberships by user id, a page at a time (`after` = last user id seen). */
  listByOrganization(actor: Actor, organizationId: string, page?: Partial<KeysetOptions>): Promise<Membership<Role>[]>;
  /** The user's memberships (users may list their own; otherwise platform admins). */
  listByUser(actor: Actor, userId: string): Promise<Membership<Role>[]>;
  /** Why the user is or is not a member: manual, import, which rule, or which invitation (sent by whom, when). */
  explain(actor: Actor, userId: string, organizationId: string): Promise<MembershipExplanation<Role>>;
}

/**
 * Puts a membership, enforcing the `"single"` policy: the user's other memberships are
 * removed (each recorded as `membership.removed` with `reason: "moved"`). Returns the
 * memberships removed. Moving a user out of an organization needs the right to manage
 * that organization's users: the guarded session checks it (see `membership-guard.ts`).
 */
export async function putMembership(scope: CommandScope, membership: Membership): Promise<Membership[]> {
  const { session } = scope;
  const removed: Membership[] = [];
  if (scope.config.membershipPolicy === "single") {
    for (const other of await session.memberships.listByUser(membership.userId)) {
      if (other.organizationId === membership.organizationId) continue;
      await session.memberships.delete(other.userId, other.organizationId);
      removed.push(other);
      scope.record({ type: "membership.removed", organizationId: other.organizationId, data: { userId: other.userId, reason: "moved", to: membership.organizationId } });
    }
  }
  await session.memberships.put(membership);
  return removed;
}

/** Why a user is a member, as a person reads it: by hand, by an import, by an invitation (who sent it, when) or by which rule (`rule`: the source rule, `null` if removed since). */
export function membershipReason(membership: Membership, rule: MemberRuleRecord | null, domainProof: DomainProofStatus | null = null): string {
  const role = `role ${membership.role}${membership.admin ? ", organization admin" : ""}`;
  const source = membership.source;
  if (source.type === "rule") {
    const what = rule
      ? `its ${rule.kind} rule '${rule.value}'${rule.includeSubdomains ? " (with subdomains)" : ""} (${rule.id})${domainProof ? `, ${describeProof(domainProof)}` : ""}`
      : `rule ${source.ruleId}, since removed`;
    return `Linked automatically by ${what}; ${role}.`;
  }
  if (source.type === "invitation") {
    return `Joined by accepting invitation ${source.invitationId}, sent by ${describeActor(source.invitedBy)} at ${source.invitedAt}; ${role}.`;
  }
  return `${source.type === "manual" ? "Added by hand" : "Brought in by an import"}; ${role}.`;
}

/** A membership's source as events record it (a rule source names only the rule's id). */
export function describeSource(source: MembershipSource): MembershipSource {
  if (source.type === "rule") return { type: "rule", ruleId: source.ruleId };
  if (source.type === "invitation") return { type: "invitation", invitationId: source.invitationId, invitedBy: source.invitedBy, invitedAt: source.invitedAt };
  return source.type === "manual" ? { type: "manual" } : { type: "import" };
}

/** An actor as a sentence names it: `user carl`, `the system actor (sync-job)`. */
function describeActor(actor: { readonly type: "user" | "system"; readonly id: string }): string {
  return actor.type === "user" ? `user ${actor.id}` : `the system actor (${actor.id})`;
}

type MembershipKey = { readonly userId: string; readonly organizationId: string };

/** What changing one user's membership in one organization needs to know. */
interface MembershipFacts {
  readonly organization: Organization;
  /** `null` when there is no such user (`NOT_FOUND`, reported after authorization). */
  readonly user: User | null;
  readonly membership: Membership | null;
}

async function loadMembershipFacts(scope: CommandScope, key: MembershipKey): Promise<MembershipFacts> {
  const organization = await loadOrganization(scope.session, key.organizationId);
  const user = await scope.session.users.get(key.userId);
  const membership = user ? await scope.session.memberships.get(key.userId, organization.id) : null;
  return { organization, user, membership };
}

/** The request to manage an organization's users in general (add members, invite, list invitations). */
export const manageUsers = (organization: Organization): Need => ({
  request: { check: "canManageUser", organization },
  action: `manage users of organization ${organization.id}`,
});

/** The evaluator's `canManageUser` for an existing user: org admins only for plain members of their organization. */
function manageUser({ organization, user, membership }: MembershipFacts): Need[] {
  return user === null ? [] : [{ request: { check: "canManageUser", organization, target: { user, membership } }, action: `manage user ${user.id} in organization ${organization.id}` }];
}

/** The request to give `role` in an organization (platform admins: any; org admins: its `allowedRoles`). */
export const assignRole = (organization: Organization, role: string): Need => ({
  request: { check: "canAssignRole", organization, role },
  action: `assign role '${role}' in organization ${organization.id}`,
});

/** The request to designate organization admins: platform administration. */
export const designateAdmins: Need = { request: { check: "canAdministerPlatform" }, action: "designate organization admins" };

function requireUser(facts: MembershipFacts, key: MembershipKey): User {
  if (facts.user === null) throw notFound("user", key.userId);
  return facts.user;
}

function requireMembership(facts: MembershipFacts, key: MembershipKey): Membership {
  requireUser(facts, key);
  if (facts.membership === null) {
    throw new OrgKitError("NOT_FOUND", `User ${key.userId} is not a member of organization ${key.organizationId}`, {
      details: { entity: "membership", userId: key.userId, organizationId: key.organizationId },
    });
  }
  return facts.membership;
}

/** `memberships.add`: a manual membership; under `"single"` the user leaves its other organization. */
const addMembership = defineUseCase<z.output<typeof addMembershipInputSchema>, MembershipFacts, Membership>({
  kind: "write",
  load: loadMembershipFacts,
  requests: (data, facts) => [
    manageUsers(facts.organization),
    assignRole(facts.organization, data.role),
    ...(data.admin ? [designateAdmins] : []),
    ...manageUser(facts),
  ],
  async command(scope, data, facts) {
    const { organization } = facts;
    assertAssignable(organization);
    if (requireUser(facts, data).erasedAt !== undefined) throw userErased(data.userId);
    if (facts.membership) {
      throw uniqueConflict(`User ${data.userId} is already a member of organization ${organization.id}`, { entity: "membership", userId: data.userId, organizationId: organization.id });
    }
    const at = scope.now.toISOString();
    const membership: Membership = { userId: data.userId, organizationId: organization.id, role: data.role, admin: data.admin, source: { type: "manual" }, createdAt: at, updatedAt: at };
    await putMembership(scope, membership);
    scope.record({ type: "membership.added", organizationId: organization.id, data: { userId: data.userId, role: data.role, admin: data.admin, source: { type: "manual" } } });
    return membership;
  },
});

/** `memberships.remove`. An unknown organization is refused as one the actor may not manage (unless it may manage any), so the answer does not tell which ids exist. */
const removeMembership = defineUseCase({
  kind: "write",
  load: async (scope, key: MembershipKey) => {
    const organization = await scope.session.organizations.get(key.organizationId);
    if (!organization) return null;
    return loadMembershipFacts(scope, key);
  },
  requests: (key: MembershipKey, facts: MembershipFacts | null): Need[] =>
    facts === null ? [{ request: { check: "canAdministerPlatform" }, action: `manage users of organization ${key.organizationId}` }] : [manageUsers(facts.organization), ...(facts.membership ? manageUser(facts) : [])],
  async command(scope, key, facts) {
    const existing = facts?.membership ?? (facts && !facts.user ? await scope.session.memberships.get(key.userId, key.organizationId) : null);
    if (!existing) return false;
    await scope.session.memberships.delete(key.userId, key.organizationId);
    scope.record({ type: "membership.removed", organizationId: key.organizationId, data: { userId: key.userId, reason: "removed", source: describeSource(existing.source) } });
    return true;
  },
});

/** `memberships.setRole`. */
const setMembershipRole = defineUseCase<MembershipKey & { readonly role: string }, MembershipFacts, Membership>({
  kind: "write",
  load: loadMembershipFacts,
  requests: (input, facts) => [manageUsers(facts.organization), assignRole(facts.organization, input.role), ...manageUser(facts)],
  async command(scope, input, facts) {
    const current = requireMembership(facts, input);
    const next: Membership = { ...current, role: input.role, updatedAt: scope.now.toISOString() };
    await scope.session.memberships.put(next);
    scope.record({ type: "membership.role_set", organizationId: input.organizationId, data: { userId: input.userId, from: current.role, to: input.role } });
    return next;
  },
});

/** `memberships.setAdmin`: platform administration. */
const setMembershipAdmin = defineUseCase<MembershipKey & { readonly admin: boolean }, MembershipFacts, Membership>({
  kind: "write",
  load: loadMembershipFacts,
  requests: (_input, facts) => [designateAdmins, ...manageUser(facts)],
  async command(scope, input, facts) {
    const current = requireMembership(facts, input);
    const next: Membership = { ...current, admin: input.admin, updatedAt: scope.now.toISOString() };
    await scope.session.memberships.put(next);
    scope.record({ type: "membership.admin_set", organizationId: input.organizationId, data: { userId: input.userId, admin: input.admin } });
    return next;
  },
});

export function createMembershipsApi(runtime: Runtime): MembershipsApi {
  const ids = (userId: unknown, organizationId: unknown) => ({
    userId: parseInput(idSchema, userId, "user id", ["userId"]),
    organizationId: parseInput(idSchema, organizationId, "organization id", ["organizationId"]),
  });

  return {
    async add(actor, input) {
      const ref = parseActor(actor);
      const data = parseInput(addMembershipInputSchema, input, "membership");
      assertDeclaredRole(runtime.config, data.role, "role", "membership");
      return runtime.execute(addMembership, ref, data);
    },

    async remove(actor, userId, organizationId) {
      const ref = parseActor(actor);
      return runtime.execute(removeMembership, ref, ids(userId, organizationId));
    },

    async setRole(actor, userId, organizationId, role) {
      const ref = parseActor(actor);
      const key = ids(userId, organizationId);
      const value = parseInput(roleSchema, role, "role", ["role"]);
      assertDeclaredRole(runtime.config, value, "role", "role");
      return runtime.execute(setMembershipRole, ref, { ...key, role: value });
    },

    async setAdmin(actor, userId, organizationId, admin) {
      const ref = parseActor(actor);
      const key = ids(userId, organizationId);
      return runtime.execute(setMembershipAdmin, ref, { ...key, admin: parseInput(booleanSchema, admin, "admin flag", ["admin"]) });
    },

    async get(actor, userId, organizationId) {
      const ref = parseActor(actor);
      const key = ids(userId, organizationId);
      return runtime.read(ref, async (scope) => {
        if (!(await mayViewMembership(scope, key.userId, key.organizationId))) return null;
        return scope.session.memberships.get(key.userId, key.organizationId);
      });
    },

    async listByOrganization(actor, organizationId, page) {
      const ref = parseActor(actor);
      const orgId = parseInput(idSchema, organizationId, "organization id", ["organizationId"]);
      const options = parseInput(pageSchema, page ?? {}, "page", ["page"]);
      return runtime.read(ref, async (scope) => {
        const organization = await scope.session.organizations.get(orgId);
        if (!organization || !canRead(scope.auth, organization)) return [];
        return scope.session.memberships.listByOrganization(orgId, { after: options.after ?? null, limit: options.limit });
      });
    },

    async listByUser(actor, userId) {
      const ref = parseActor(actor);
      const id = parseInput(idSchema, userId, "user id", ["userId"]);
      return runtime.read(ref, async (scope) => {
        const all = await scope.session.memberships.listByUser(id);
        if ((ref.type === "user" && ref.id === id) || scope.auth.allows({ check: "canAdministerPlatform" })) return all;
        const organizations = new Map((await scope.session.organizations.getMany(all.map((m) => m.organizationId))).map((o) => [o.id, o]));
        return all.filter((m) => {
          const organization = organizations.get(m.organizationId);
          return organization !== undefined && scope.auth.allows({ check: "canManageUser", organization });
        });
      });
    },

    async explain(actor, userId, organizationId) {
      const ref = parseActor(actor);
      const key = ids(userId, organizationId);
      return runtime.read(ref, async (scope) => {
        if (!(await mayViewMembership(scope, key.userId, key.organizationId))) {
          throw forbidden(ref, `view the membership of ${key.userId} in ${key.organizationId}`, "it may not read that organization nor manage its users", {
            userId: key.userId,
            organizationId: key.organizationId,
          });
        }
        const membership = await scope.session.memberships.get(key.userId, key.organizationId);
        if (!membership) {
          return { member: false, membership: null, rule: null, domainProof: null, reason: `User ${key.userId} is not a member of organization ${key.organizationId}.` };
        }
        const source = membership.source;
        const rule = source.type === "rule" ? await scope.session.rules.get(source.ruleId) : null;
        const domainProof: DomainProofStatus | null =
          rule?.kind === "domain" ? { proven: Boolean(rule.proof), proof: rule.proof ?? null, lastFailure: (await scope.session.rules.getChallenge(rule.id))?.lastFailure ?? null } : null;
        return { member: true, membership, rule, domainProof, reason: membershipReason(membership, rule, domainProof) };
      });
    },
  };

  /** The user itself, and whoever may read the organization (managing its users includes reading it). */
  async function mayViewMembership(scope: CommandScope, userId: string, organizationId: string): Promise<boolean> {
    if (scope.actor.type === "user" && scope.actor.id === userId) return true;
    const organization = await scope.session.organizations.get(organizationId);
    if (organization === null) return scope.auth.allows({ check: "canAdministerPlatform" });
    return canRead(scope.auth, organization) || scope.auth.allows({ check: "canManageUser", organization });
  }
}
