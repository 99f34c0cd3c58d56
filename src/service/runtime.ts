import { randomUUID } from "node:crypto";
import { OrgKitError, notFound } from "../errors.js";
import type { Organization } from "../domain/organization/schema.js";
import type { OrganizationEvent } from "../domain/organization/events.js";
import type { ActorRef, AuditEvent, NewAuditEvent, Storage, StorageSession } from "../storage/ports.js";
import type { OrgKitConfig } from "./config.js";
import type { Authorization } from "./authorization.js";
import type { ConfigurationGuard } from "./configuration-guard.js";
import type { PolicyChange } from "../permissions/changes.js";
import { recordPolicyChanges } from "./change-recorder.js";
import { guardMembershipWrites } from "./membership-guard.js";
import { runUseCase, type UseCase } from "./use-case.js";
import { unguarded } from "../storage/arguments.js";

/** What kinds of id the service generates. */
export type IdKind = "organization" | "rule" | "usergroup" | "profile" | "user" | "invitation";

/** Generates a new id for an entity kind. Default: a prefixed random UUID (`org_…`). */
export type IdGenerator = (kind: IdKind) => string;

const PREFIX: Record<IdKind, string> = { organization: "org", rule: "rule", usergroup: "ug", profile: "prof", user: "usr", invitation: "inv" };

/** The default id generator: `org_<uuid>`, `rule_<uuid>`, … Throws `VALIDATION_FAILED` for a kind that is not an {@link IdKind}. */
export const randomIds: IdGenerator = (kind) => {
  if (typeof kind !== "string" || !Object.hasOwn(PREFIX, kind)) {
    const message = `must be one of ${Object.keys(PREFIX).join(", ")}`;
    throw new OrgKitError("VALIDATION_FAILED", `Invalid id kind: ${message}`, { details: { issues: [{ path: "kind", message, code: "invalid_value" }] } });
  }
  return `${PREFIX[kind]}_${randomUUID()}`;
};

/** Events appended per call (one multi-row statement on PostgreSQL). */
const EVENT_CHUNK = 1000;

/** The feed is pruned on every this-many-th revision (by revision number, so gaps only delay it). */
const PRUNE_EVERY = 64;

/** Everything a use case sees while it runs inside one transaction. */
export interface CommandScope {
  readonly session: StorageSession;
  readonly actor: ActorRef;
  /** Answers the use case's permission requests (the evaluator over the actor's slice). */
  readonly auth: Authorization;
  readonly now: Date;
  readonly config: OrgKitConfig;
  readonly ids: IdGenerator;
  /** Events recorded so far; appended to the audit trail when the use case succeeds, in the same transaction. */
  record(event: Omit<NewAuditEvent, "actor" | "at"> & { at?: string }): void;
  /** Records the domain events a pure command returned. */
  recordDomain(events: readonly OrganizationEvent[]): void;
  /**
   * Runs `fn` under a savepoint: when it throws, what it wrote through `session`, and the
   * events and policy changes recorded meanwhile, are undone, and the use case goes on
   * (see `StorageSession.savepoint`). `null` when the storage has no savepoints.
   */
  readonly savepoint: (<T>(fn: () => Promise<T>) => Promise<T>) | null;
}

/** Shared plumbing: run a use case in a transaction with an authorized actor, then append its events. */
export interface Runtime {
  readonly storage: Storage;
  readonly config: OrgKitConfig;
  readonly clock: () => Date;
  readonly ids: IdGenerator;
  run<T>(actor: ActorRef, fn: (scope: CommandScope) => Promise<T>): Promise<T>;
  /** Read-only use cases: same as `run` but appends nothing (still one transaction for a consistent view). */
  read<T>(actor: ActorRef, fn: (scope: CommandScope) => Promise<T>): Promise<T>;
  /** Runs a use case defined as data: load → authorize every request → command (see `use-case.ts`). */
  execute<I, F, O>(useCase: UseCase<I, F, O>, actor: ActorRef, input: I): Promise<O>;
  /**
   * Runs a write use case on another actor's authority (see {@link OnBehalfOf}): accepting
   * an invitation is the invitee's act, done with the rights of whoever sent it.
   */
  executeOnBehalf<I, F, O>(useCase: UseCase<I, F, O>, on: OnBehalfOf, input: I): Promise<O>;
  /**
   * `execute` without the configuration check: only for adopting a configuration, which
   * is what a kit whose configuration differs from the recorded one may still do.
   */
  executeWithoutConfigurationCheck<I, F, O>(useCase: UseCase<I, F, O>, actor: ActorRef, input: I): Promise<O>;
  /** Called after every committed write with its revision (the policy cache listens). */
  onWrite(listener: (revision: number) => void): void;
}

/**
 * A write done by one actor on another's authority. `actor` is who acts (the audit
 * trail names it); the requests and every membership write are checked against the
 * rights of `authority`, read inside the transaction (so it is the authority as it is
 * now, not as it was when it was delegated). `consentingUserId` consented to the change:
 * ending that user's own memberships needs no rights (its move under `"single"`).
 */
export interface OnBehalfOf {
  readonly actor: ActorRef;
  /** Reads, in the use case's transaction, whose rights apply; may throw (nothing is written then). */
  readonly authority: (session: StorageSession) => Promise<ActorRef>;
  readonly consentingUserId: string;
}

export function createRuntime(
  storage: Storage,
  config: OrgKitConfig,
  clock: () => Date,
  ids: IdGenerator,
  loadAuthorization: (session: StorageSession, actor: ActorRef) => Promise<Authorization>,
  guard?: ConfigurationGuard,
): Runtime {
  const listeners: ((revision: number) => void)[] = [];
  async function execute<T>(actor: ActorRef, write: boolean, fn: (scope: CommandScope) => Promise<T>, delegation?: Omit<OnBehalfOf, "actor">, checkConfiguration = true): Promise<T> {
    let checkedAt: number | null = null;
    const result = await storage.transaction(async (given) => {
      const session = trusted(given);
      const now = clock();
      if (!(now instanceof Date) || Number.isNaN(now.getTime())) {
        throw new OrgKitError("VALIDATION_FAILED", "The configured clock returned an invalid date", {
          details: { issues: [{ path: "clock", message: "must return a valid Date", code: "invalid_date" }] },
        });
      }
      // First, whoever the actor: a kit configured otherwise than its storage records does nothing.
      checkedAt = guard !== undefined && checkConfiguration ? await guard.verify(session, { always: write, now }) : null;
      const at = now.toISOString();
      const events: NewAuditEvent[] = [];
      const changes: PolicyChange[] = [];
      const auth = await loadAuthorization(session, delegation ? await delegation.authority(session) : actor);
      const consent = delegation ? { consentingUserId: delegation.consentingUserId } : {};
      const scope: CommandScope = {
        session: write ? guardMembershipWrites(recordPolicyChanges(session, changes), auth, consent) : session,
        actor,
        auth,
        now,
        config,
        ids,
        record: (event) => events.push({ ...event, at: event.at ?? at, actor }),
        recordDomain: (domainEvents) => {
          for (const e of domainEvents) {
            events.push({ type: e.type, organizationId: e.organizationId, actor, at: e.at, data: { version: e.version, ...e.data } });
          }
        },
        savepoint: session.savepoint
          ? async (body) => {
              const recorded = { events: events.length, changes: changes.length };
              try {
                return await session.savepoint!(body);
              } catch (error) {
                events.length = recorded.events;
                changes.length = recorded.changes;
                throw error;
              }
            }
          : null,
      };
      const value = await fn(scope);
      if (!write || (events.length === 0 && changes.length === 0)) return { value, revision: null };
      const appended = await appendEvents(session, events);
      // The feed entry goes last: its append orders this transaction among the others (see ChangeFeedRepository).
      const revision = await session.changes.append({ at, changes, events: appended });
      const retention = config.changeFeedRetention;
      if (revision > retention && revision % PRUNE_EVERY === 0) await session.changes.prune(revision - retention);
      return { value, revision };
    });
    if (checkedAt !== null) guard!.passed(checkedAt);
    if (result.revision !== null) for (const listener of listeners) listener(result.revision);
    return result.value;
  }
  return {
    storage,
    config,
    clock,
    ids,
    run: (actor, fn) => execute(actor, true, fn),
    execute: (useCase, actor, input) => execute(actor, useCase.kind === "write", (scope) => runUseCase(scope, useCase, input)),
    executeOnBehalf: (useCase, { actor, ...delegation }, input) => execute(actor, true, (scope) => runUseCase(scope, useCase, input), delegation),
    executeWithoutConfigurationCheck: (useCase, actor, input) => execute(actor, useCase.kind === "write", (scope) => runUseCase(scope, useCase, input), undefined, false),
    read: (actor, fn) => execute(actor, false, fn),
    onWrite: (listener) => {
      listeners.push(listener);
    },
  };
}


/**
 * Appends a transaction's events in chunks — one statement of 100,000 events (an import)
 * costs far more than 100 of 1,000 — pipelined: the next chunk is prepared while the
 * storage writes the one before (a session runs its calls in the order they were made).
 */
async function appendEvents(session: StorageSession, events: readonly NewAuditEvent[]): Promise<AuditEvent[]> {
  if (events.length <= EVENT_CHUNK) return events.length === 0 ? [] : session.events.append(events);
  const chunks: Promise<AuditEvent[]>[] = [];
  const appended: AuditEvent[] = [];
  try {
    for (let start = 0; start < events.length; start += EVENT_CHUNK) {
      chunks.push(session.events.append(events.slice(start, start + EVENT_CHUNK)));
      if (chunks.length >= 2) appended.push(...(await chunks.shift()!));
    }
    while (chunks.length > 0) appended.push(...(await chunks.shift()!));
  } finally {
    // Nothing is left running when this ends (also after a failure).
    await Promise.allSettled(chunks);
  }
  return appended;
}

/** Loads an organization or throws `NOT_FOUND`. */
export async function loadOrganization(session: StorageSession, id: string): Promise<Organization> {
  const organization = await session.organizations.get(id);
  if (!organization) throw notFound("organization", id);
  return organization;
}

/**
 * The session with the repositories the adapter guards for outside callers unwrapped (see
 * `unguarded`): the facade's calls carry data it built itself.
 */
function trusted(session: StorageSession): StorageSession {
  return {
    ...session,
    organizations: unguarded(session.organizations),
    users: unguarded(session.users),
    memberships: unguarded(session.memberships),
    rules: unguarded(session.rules),
    usergroups: unguarded(session.usergroups),
    profiles: unguarded(session.profiles),
    resources: unguarded(session.resources),
    events: unguarded(session.events),
    changes: unguarded(session.changes),
  };
}
