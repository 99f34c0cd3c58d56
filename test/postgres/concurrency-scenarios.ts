/**
 * Concurrency scenarios written against the storage ports, each as the service would
 * run it: a transaction that reads, checks, then writes. A one-shot barrier makes the
 * transactions read before any of them writes, so the race really happens; retried
 * attempts pass the barrier at once. The lead will switch these to the facade later.
 */
import { OrgKitError, isOrgKitError, notFound } from "../../src/errors.js";
import type { Membership, MemberRuleRecord } from "../../src/domain/membership/model.js";
import type { Storage } from "../../src/storage/ports.js";

/** Releases everyone once `parties` have arrived (or after `timeoutMs`); later arrivals pass straight through. */
export class Barrier {
  private arrived = 0;
  private release!: () => void;
  private readonly released: Promise<void>;

  constructor(private readonly parties: number, timeoutMs = 2000) {
    this.released = new Promise<void>((resolve) => {
      this.release = resolve;
    });
    // A party blocked on a row lock never arrives; do not wait for it forever.
    setTimeout(() => this.release(), timeoutMs).unref?.();
  }

  arrive(): Promise<void> {
    this.arrived += 1;
    if (this.arrived >= this.parties) this.release();
    return this.released;
  }
}

/** The outcome of one concurrent attempt: applied, or the `OrgKitError` code it failed with. */
export type Outcome = { readonly ok: true } | { readonly ok: false; readonly code: string; readonly reason: unknown };

/** Runs `fn` and reports its outcome; anything but an `OrgKitError` is rethrown. */
export async function outcome(fn: () => Promise<unknown>): Promise<Outcome> {
  try {
    await fn();
    return { ok: true };
  } catch (error) {
    if (!isOrgKitError(error)) throw error;
    return { ok: false, code: error.code, reason: (error.details as { readonly reason?: unknown }).reason };
  }
}

/**
 * Moves `childId` under `parentId` the way the service does: read the new parent's
 * ancestors, refuse a cycle (`HIERARCHY_CYCLE`), then update the child's `parentId`
 * with its version as `expectedVersion`.
 */
export function moveOrganization(storage: Storage, childId: string, parentId: string, barrier?: Barrier): Promise<void> {
  return storage.transaction(async (tx) => {
    const chain = [parentId, ...(await tx.organizations.ancestors(parentId)).map((o) => o.id)];
    const child = await tx.organizations.get(childId);
    if (child === null) throw notFound("organization", childId);
    await barrier?.arrive();
    if (chain.includes(childId)) {
      throw new OrgKitError("HIERARCHY_CYCLE", `Moving ${childId} under ${parentId} would make a cycle`, { details: { path: [childId, ...chain] } });
    }
    await tx.organizations.update({ ...child, parentId, version: child.version + 1 }, child.version);
  });
}

/** Reads an organization, renames it and writes it back with `expectedVersion`, in one transaction. */
export function renameOrganization(storage: Storage, id: string, name: string, barrier?: Barrier): Promise<number> {
  return storage.transaction(async (tx) => {
    const organization = await tx.organizations.get(id);
    if (organization === null) throw notFound("organization", id);
    await barrier?.arrive();
    await tx.organizations.update({ ...organization, name, version: organization.version + 1 }, organization.version);
    return organization.version;
  });
}

/**
 * Assigns a user to one organization under the `"single"` policy: delete all its
 * memberships, insert the new one, in one transaction.
 */
export function moveUser(storage: Storage, userId: string, organizationId: string, at: string, barrier?: Barrier): Promise<void> {
  return storage.transaction(async (tx) => {
    const current = await tx.memberships.listByUser(userId);
    await barrier?.arrive();
    for (const membership of current) await tx.memberships.delete(membership.userId, membership.organizationId);
    const membership: Membership = { userId, organizationId, role: "member", admin: false, source: { type: "manual" }, createdAt: at, updatedAt: at };
    await tx.memberships.put(membership);
  });
}

/**
 * Claims a rule value for an organization under the `"reject"` policy: look for an
 * exclusive claim by another organization (`RULE_CONFLICT` if there is one), then insert
 * the rule as exclusive. The partial unique index decides when both look at once.
 */
export function claimRule(storage: Storage, rule: MemberRuleRecord, barrier?: Barrier): Promise<void> {
  return storage.transaction(async (tx) => {
    const existing = await tx.rules.findByKeys([{ kind: rule.kind, value: rule.value }]);
    await barrier?.arrive();
    const taken = existing.find((r) => r.exclusive && r.organizationId !== rule.organizationId);
    if (taken !== undefined) {
      throw new OrgKitError("RULE_CONFLICT", `${rule.kind} ${rule.value} is claimed by ${taken.organizationId}`, { details: { kind: rule.kind, value: rule.value, existingRule: taken } });
    }
    await tx.rules.insert({ ...rule, exclusive: true });
  });
}
