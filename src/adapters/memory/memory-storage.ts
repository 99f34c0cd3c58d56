import type {
  ChangeFeedRepository,
  EventRepository,
  InvitationRepository,
  MemberRuleRepository,
  MembershipRepository,
  OrganizationRepository,
  ResourceRepository,
  SettingsRepository,
  StaffProfileRecord,
  StaffProfileRepository,
  Storage,
  StorageListener,
  StorageListenHandlers,
  StorageSession,
  UserRepository,
  UsergroupRecord,
  UsergroupRepository,
} from "../../storage/ports.js";
import { OrgKitError } from "../../errors.js";
import { readPlainInput } from "../../domain/plain-input.js";
import { ChangeStore } from "./change-store.js";
import { EventStore } from "./event-store.js";
import { MEMORY_INTERNALS, type MemoryInternals, type MemoryTable, type WithMemoryInternals } from "./internals.js";
import { InvitationStore } from "./invitation-store.js";
import { Journal } from "./journal.js";
import { MembershipStore } from "./membership-store.js";
import { OrganizationStore } from "./organization-store.js";
import { RecordStore, type StaffProfileStore, type UsergroupStore } from "./record-store.js";
import { ResourceStore } from "./resource-store.js";
import { RuleStore } from "./rule-store.js";
import { SettingStore } from "./setting-store.js";
import { methodList, toRepository, type Runner } from "./sync-repository.js";
import { UserStore } from "./user-store.js";
import { checkTenant, DEFAULT_TENANT } from "../../storage/tenant.js";

/** Options of {@link memoryStorage}. */
export interface MemoryStorageOptions {
  /**
   * Enforce that active organizations' lower-cased names are unique: `insert` and
   * `update` throw `CONFLICT` (reason `unique`, `details.field: "name"`) on a clash.
   * Default `true`.
   */
  readonly uniqueNames?: boolean;
  /**
   * The tenant this storage is scoped to. Default `"default"`. Tenants of one memory
   * storage share nothing but the object: each has its own rows, uniqueness, event
   * sequences, revisions and transaction queue. {@link MemoryStorage.forTenant} gives
   * another tenant's storage.
   */
  readonly tenant?: string;
}

/** The memory storage: the {@link Storage} port, scoped to one tenant. */
export interface MemoryStorage extends Storage {
  readonly invitations: InvitationRepository;
  /** The tenant this storage reads and writes. */
  readonly tenant: string;
  /**
   * The storage of another tenant in the same memory storage (made on first use, the same
   * object afterwards; `VALIDATION_FAILED` for a bad tenant id).
   */
  forTenant(tenant: string): MemoryStorage;
}

const ORGANIZATION_METHODS = methodList<OrganizationRepository>()(
  "get",
  "getMany",
  "getByExternalId",
  "findActiveByName",
  "insert",
  "update",
  "children",
  "ancestors",
  "descendants",
  "descendantIds",
  "subtreeHeight",
  "search",
  "scan",
  "getManyByExternalId",
  "findActiveByNames",
  "ancestorIdsOfMany",
  "insertMany",
  "moveChildren",
);
const USER_METHODS = methodList<UserRepository>()("get", "getMany", "insert", "update", "findMatching", "scan", "delete");
const MEMBERSHIP_METHODS = methodList<MembershipRepository>()(
  "get",
  "listByUser",
  "listByOrganization",
  "countByOrganization",
  "listBySourceRule",
  "put",
  "delete",
  "scan",
  "listAdmins",
  "reassignOrganization",
);
const RULE_METHODS = methodList<MemberRuleRepository>()(
  "get",
  "insert",
  "delete",
  "findByKeys",
  "listByOrganization",
  "scan",
  "findWithinDomain",
  "setProof",
  "getChallenge",
  "putChallenge",
);
const USERGROUP_METHODS = methodList<UsergroupRepository>()("get", "list", "insert", "update", "delete");
const PROFILE_METHODS = methodList<StaffProfileRepository>()("get", "list", "insert", "update", "delete");
const RESOURCE_METHODS = methodList<ResourceRepository>()("get", "put", "delete", "listByOrganization", "scan", "reassignOrganization");
const EVENT_METHODS = methodList<EventRepository>()("append", "list", "lastSequence", "listByUser", "scrub");
const CHANGE_METHODS = methodList<ChangeFeedRepository>()("append", "since", "latestRevision", "horizon", "prune", "scrub");
const INVITATION_METHODS = methodList<InvitationRepository>()(
  "get",
  "getByTokenHash",
  "findPending",
  "insert",
  "update",
  "listByOrganization",
  "deleteByAddress",
  "deleteAcceptedBy",
  "scan",
);
const SETTING_METHODS = methodList<SettingsRepository>()("get", "insertIfAbsent", "compareAndSet");

interface Stores {
  readonly organizations: OrganizationStore;
  readonly users: UserStore;
  readonly memberships: MembershipStore;
  readonly rules: RuleStore;
  readonly usergroups: UsergroupStore;
  readonly profiles: StaffProfileStore;
  readonly resources: ResourceStore;
  readonly invitations: InvitationStore;
  readonly events: EventStore;
  readonly changes: ChangeStore;
  readonly settings: SettingStore;
}

function createSession(stores: Stores, run: Runner, savepoint?: StorageSession["savepoint"]): StorageSession & { readonly invitations: InvitationRepository } {
  return Object.freeze({
    ...(savepoint ? { savepoint } : {}),
    organizations: toRepository<OrganizationRepository>(stores.organizations, ORGANIZATION_METHODS, run, "organizations"),
    users: toRepository<UserRepository>(stores.users, USER_METHODS, run, "users"),
    memberships: toRepository<MembershipRepository>(stores.memberships, MEMBERSHIP_METHODS, run, "memberships"),
    rules: toRepository<MemberRuleRepository>(stores.rules, RULE_METHODS, run, "rules"),
    usergroups: toRepository<UsergroupRepository>(stores.usergroups, USERGROUP_METHODS, run, "usergroups"),
    profiles: toRepository<StaffProfileRepository>(stores.profiles, PROFILE_METHODS, run, "profiles"),
    resources: toRepository<ResourceRepository>(stores.resources, RESOURCE_METHODS, run, "resources"),
    invitations: toRepository<InvitationRepository>(stores.invitations, INVITATION_METHODS, run, "invitations"),
    events: toRepository<EventRepository>(stores.events, EVENT_METHODS, run, "events"),
    changes: toRepository<ChangeFeedRepository>(stores.changes, CHANGE_METHODS, run, "changes"),
    settings: toRepository<SettingsRepository>(stores.settings, SETTING_METHODS, run, "settings"),
  });
}

const noop = () => {};

/**
 * In-memory storage implementing the full {@link Storage} contract: for tests, demos and
 * single-process hosts that do not need persistence. Each call creates an independent
 * store (nothing is shared between two storages), scoped to one tenant; `forTenant(id)`
 * gives the storage of another tenant of the same store, as on PostgreSQL.
 *
 * - **Transactions** run one at a time, in call order (a promise queue). Everything a
 *   transaction wrote is undone when its callback throws (the error is rethrown
 *   unchanged). Rollback replays an undo log of the writes made, so its cost is the
 *   size of the transaction, not of the store.
 * - **Direct calls** (`storage.organizations.get(…)` outside a transaction) wait their
 *   turn in the same queue (and run at once when nothing is queued), so they never see
 *   a transaction's uncommitted writes. Do not
 *   call the storage itself from inside a transaction callback — use the session it is
 *   given; a direct call there would wait for the transaction that is waiting for it.
 * - **Each repository call is atomic**: a call that throws (`CONFLICT`, `NOT_FOUND`…)
 *   has written nothing, even inside a transaction.
 * - **Returned objects are deep-frozen copies** made when the value was written; the
 *   store never mutates them (writes replace them), so they stay detached.
 * - **Indexes**: external id, active lower-cased name, children by parent, users by
 *   email, username, phone and email host, memberships by user, organization and
 *   source rule, rules by (kind, value) and organization, resources by organization,
 *   invitations by token hash, pending address, organization, address and accepting user.
 *   `organizations.search` scans the organizations (or one parent's children when the
 *   query has `parentId`): one pass per page, O(n log limit).
 * - **Event sequences** start at 1; a rolled-back transaction gives its sequence
 *   numbers back, so committed sequences have no gaps.
 *
 * @example
 * ```ts
 * import { createOrgKit } from "orgkit";
 * import { memoryStorage } from "orgkit/memory";
 *
 * const storage = memoryStorage();
 * const kit = createOrgKit({ storage });
 *
 * // Or use the ports directly:
 * await storage.transaction(async (session) => {
 *   await session.organizations.insert(organization);
 *   await session.events.append([{ type: "organization.created", organizationId: organization.id, actor, at, data: {} }]);
 * });
 * ```
 */
export function memoryStorage(untrustedOptions: MemoryStorageOptions = {}): MemoryStorage {
  const options = readPlainInput<MemoryStorageOptions | undefined | null>(untrustedOptions, "memoryStorage options") ?? {};
  if (typeof options !== "object" || (options.uniqueNames !== undefined && typeof options.uniqueNames !== "boolean")) {
    throw new OrgKitError("VALIDATION_FAILED", "Invalid memoryStorage options: uniqueNames must be a boolean", {
      details: { issues: [{ path: "uniqueNames", message: "must be a boolean", code: "invalid_type" }] },
    });
  }
  const uniqueNames = options.uniqueNames ?? true;
  const tenants = new Map<string, MemoryStorage>();
  const forTenant = (tenant: string): MemoryStorage => {
    const id = checkTenant(tenant);
    let storage = tenants.get(id);
    if (storage === undefined) tenants.set(id, (storage = createTenantStorage(uniqueNames, id, forTenant)));
    return storage;
  };
  return forTenant(options.tenant ?? DEFAULT_TENANT);
}

/** One tenant's stores, queue and listeners. */
function createTenantStorage(uniqueNames: boolean, tenant: string, forTenant: (tenant: string) => MemoryStorage): MemoryStorage {
  const journal = new Journal();
  const stores: Stores = {
    organizations: new OrganizationStore(journal, uniqueNames),
    users: new UserStore(journal),
    memberships: new MembershipStore(journal),
    rules: new RuleStore(journal),
    usergroups: new RecordStore<UsergroupRecord>(journal, "usergroup"),
    profiles: new RecordStore<StaffProfileRecord>(journal, "profile"),
    resources: new ResourceStore(journal),
    invitations: new InvitationStore(journal),
    events: new EventStore(journal),
    changes: new ChangeStore(journal),
    settings: new SettingStore(journal),
  };

  // Listeners hear of each revision once its unit of work has committed.
  const listeners = new Set<StorageListenHandlers>();
  let announced = 0;
  function announce(): void {
    const latest = stores.changes.latestRevision();
    if (latest <= announced) return;
    announced = latest;
    for (const handlers of listeners) queueMicrotask(() => handlers.onRevision(latest));
  }

  let tail: Promise<unknown> = Promise.resolve();
  /** Units of work queued or running. */
  let pending = 0;
  /** Runs `task` after every task queued before it has settled. */
  function enqueue<T>(task: () => Promise<T>): Promise<T> {
    pending++;
    const result = tail.then(task).finally(() => {
      pending--;
    });
    tail = result.then(noop, noop);
    return result;
  }

  /** Runs one store operation as a unit of work of its own, committed at once. */
  function runDirect<T>(op: () => T): T {
    try {
      return journal.atomically(op);
    } finally {
      journal.commit();
      announce();
    }
  }

  // A direct call is a unit of work of its own: atomic, queued behind any transaction.
  // When nothing is queued it runs at once (same order, no promise chain to walk).
  const direct: Runner = (op) => {
    if (pending > 0) return enqueue(async () => runDirect(op));
    try {
      return Promise.resolve(runDirect(op));
    } catch (error) {
      return Promise.reject(error);
    }
  };
  const outside = createSession(stores, direct);

  async function transaction<T>(fn: (session: StorageSession) => Promise<T>): Promise<T> {
    if (typeof fn !== "function") {
      throw new OrgKitError("VALIDATION_FAILED", "transaction() needs a callback", {
        details: { issues: [{ path: "fn", message: "must be a function", code: "invalid_type" }] },
      });
    }
    return enqueue(async () => {
      let open = true;
      const inside: Runner = (op) => {
        if (!open) {
          return Promise.reject(
            new OrgKitError("STORAGE_FAILURE", "This transaction has already ended; its session can no longer be used", {
              details: { reason: "transaction_ended" },
            }),
          );
        }
        try {
          return Promise.resolve(journal.atomically(op));
        } catch (error) {
          return Promise.reject(error);
        }
      };
      // Undoes the writes `fn` made (the journal from its mark on); earlier writes of the transaction stay.
      async function savepoint<T>(fn: () => Promise<T>): Promise<T> {
        if (!open) throw new OrgKitError("STORAGE_FAILURE", "This transaction has already ended; its session can no longer be used", { details: { reason: "transaction_ended" } });
        if (typeof fn !== "function") throw new OrgKitError("VALIDATION_FAILED", "savepoint() needs a callback", { details: { issues: [{ path: "fn", message: "must be a function", code: "invalid_type" }] } });
        const mark = journal.mark();
        try {
          return await fn();
        } catch (error) {
          if (open) journal.undoTo(mark);
          throw error;
        }
      }
      try {
        const value = await fn(createSession(stores, inside, savepoint));
        open = false;
        journal.commit();
        announce();
        return value;
      } catch (error) {
        open = false;
        journal.rollback();
        throw error;
      }
    });
  }

  const internals: MemoryInternals = {
    row(table: MemoryTable, key: string) {
      if (table === "events") return (stores.events.rawEvents().find((event) => String(event.sequence) === key) ?? null) as Record<string, unknown> | null;
      if (table === "changes") return (stores.changes.rawEntries().find((entry) => String(entry.revision) === key) ?? null) as Record<string, unknown> | null;
      const rows = stores[table].rawRows() as ReadonlyMap<string, unknown>;
      const row = rows.get(key);
      if (row === undefined) return null;
      return (table === "organizations" ? (row as { organization: Record<string, unknown> }).organization : row) as Record<string, unknown>;
    },
    setting(key: string) {
      return (stores.settings.rawRows().get(key) ?? null) as Record<string, unknown> | null;
    },
    count(table: MemoryTable) {
      if (table === "changes") return stores.changes.rawEntries().length;
      return table === "events" ? stores.events.rawEvents().length : stores[table].rawRows().size;
    },
    challenge: (ruleId: string) => (stores.rules.rawChallenges().get(ruleId) ?? null) as Record<string, unknown> | null,
    dump() {
      const lines: string[] = [];
      for (const [table, store] of Object.entries(stores) as [MemoryTable, Stores[MemoryTable]][]) {
        // Rows by key: a rollback re-inserts what it puts back, which changes a map's iteration order, not its rows.
        const rows = store instanceof EventStore ? store.rawEvents() : store instanceof ChangeStore ? store.rawEntries() : [...store.rawRows()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
        lines.push(`${table}: ${JSON.stringify(rows)}`);
      }
      return lines.join("\n");
    },
    pendingWrites: () => journal.size,
    busy: () => pending > 0,
  };

  const storage: MemoryStorage & WithMemoryInternals = {
    ...outside,
    tenant,
    forTenant,
    transaction,
    async listen(handlers: StorageListenHandlers): Promise<StorageListener> {
      if (typeof handlers !== "object" || handlers === null || typeof handlers.onRevision !== "function" || typeof handlers.onError !== "function") {
        throw new OrgKitError("VALIDATION_FAILED", "listen() needs { onRevision, onError }", {
          details: { issues: [{ path: "handlers", message: "must have onRevision and onError functions", code: "invalid_type" }] },
        });
      }
      const own = { onRevision: handlers.onRevision.bind(handlers), onError: handlers.onError.bind(handlers) };
      listeners.add(own);
      return {
        async close() {
          listeners.delete(own);
        },
      };
    },
    [MEMORY_INTERNALS]: () => internals,
  };
  return storage;
}
