/**
 * `postgresStorage()`: the storage ports on PostgreSQL (or PGlite).
 *
 * @module
 */
import { validationError } from "../../errors.js";
import { checkTransactionBody, guardRepository } from "../../storage/arguments.js";
import { describeError } from "../../domain/plain-input.js";
import type { InvitationRepository, Storage, StorageSession } from "../../storage/ports.js";
import { isPool, isTransactional, type PostgresClient } from "./client.js";
import { AppendedEvents, type AdapterSettings, type RepositoryContext } from "./context.js";
import { listenForChanges } from "./listen.js";
import { createChangeFeedRepository } from "./change-feed-repository.js";
import { createEventRepository } from "./event-repository.js";
import { ClientExecutor, runTransaction, TransactionExecutor, type SqlExecutor, type TransactionSettings } from "./executor.js";
import { createInvitationRepository } from "./invitation-repository.js";
import { createMemberRuleRepository } from "./member-rule-repository.js";
import { createMembershipRepository } from "./membership-repository.js";
import { createStaffProfileRepository, createUsergroupRepository } from "./named-record-repository.js";
import { createOrganizationRepository, type PostgresOrganizationRepository } from "./organization-repository.js";
import { createResourceRepository } from "./resource-repository.js";
import { createSettingsRepository } from "./settings-repository.js";
import { changeChannel, DEFAULT_SCHEMA, tableNames, tenantLiteral } from "./sql.js";
import { checkTenant, DEFAULT_TENANT } from "../../storage/tenant.js";
import { createUserRepository } from "./user-repository.js";

/** Options of {@link postgresStorage}. */
export interface PostgresStorageOptions {
  /**
   * A `pg.Pool` (transactions check out one connection each) or a PGlite instance
   * (transactions use its `transaction()` helper). Injected, never imported, never closed
   * by the adapter.
   */
  readonly client: PostgresClient;
  /** The schema `migrate` created the tables in. Default `"orgkit"`. */
  readonly schema?: string;
  /**
   * The tenant (one helpdesk among many in the same tables) this storage reads and writes;
   * every statement filters by it, and uniqueness (external ids, names, rule claims),
   * event sequences, revisions and the change feed are per tenant. Default `"default"`.
   * 1–128 characters: letters, digits and `. _ : @ -`. {@link PostgresStorage.forTenant}
   * gives another tenant's storage on the same client.
   */
  readonly tenant?: string;
  /**
   * Active organizations' names are unique case-insensitively (a unique index on the
   * lower-cased name of active rows). Default `true`. With `false` duplicates are stored.
   */
  readonly uniqueNames?: boolean;
  /**
   * Extra attempts of a transaction after a serialization failure or deadlock, or after a
   * pooled connection turned out dead at `BEGIN` (nothing had run). Default 5.
   */
  readonly maxRetries?: number;
  /**
   * Event and change-feed appends take the tenant's write lock (an advisory transaction
   * lock) until commit, so within a tenant sequence and revision order equal commit order
   * and a reader paging with `after` never skips an event committed late. Default `true`.
   * Set `false` on engines without advisory locks (CockroachDB); revisions then come from
   * a counter row per tenant (same order; concurrent writers of a tenant are retried), and
   * event sequences stay unique and increasing but may commit out of order.
   */
  readonly orderedEvents?: boolean;
}

/** The repositories of the PostgreSQL adapter, inside or outside a transaction. */
export interface PostgresStorageSession extends StorageSession {
  readonly organizations: PostgresOrganizationRepository;
  readonly invitations: InvitationRepository;
}

/** Storage on PostgreSQL: the {@link Storage} port plus `organizations.insertMany` and the schema in use. */
export interface PostgresStorage extends Storage, PostgresStorageSession {
  readonly organizations: PostgresOrganizationRepository;
  readonly invitations: InvitationRepository;
  /** The schema the tables live in. */
  readonly schema: string;
  /** The tenant this storage is scoped to. */
  readonly tenant: string;
  /**
   * The same storage (client, schema, settings) scoped to another tenant. Cheap: no
   * connection, no query; create one per request or keep a map of them.
   *
   * @example
   * ```ts
   * const storage = postgresStorage({ client: pool });
   * const kits = new Map<string, OrgKit>();
   * const kitFor = (tenant: string) => {
   *   let kit = kits.get(tenant);
   *   if (!kit) kits.set(tenant, (kit = createOrgKit({ storage: storage.forTenant(tenant) })));
   *   return kit;
   * };
   * ```
   */
  forTenant(tenant: string): PostgresStorage;
  /**
   * Runs `fn` in one `SERIALIZABLE` transaction on one connection; retried from the start
   * (up to `maxRetries` times, with jittered backoff) after a serialization failure or a
   * deadlock, then `CONFLICT` (reason `serialization`). A statement that fails inside
   * `fn` aborts the transaction (PostgreSQL semantics): the transaction then fails with
   * that error even if `fn` caught it. A lost connection fails it with `STORAGE_FAILURE`
   * (reason `connection_lost`, `details.commitUnknown` true when it was lost during
   * `COMMIT`), a statement, lock or idle-transaction timeout with `STORAGE_TIMEOUT`;
   * either wins over the error `fn` made of it. The session's statements run one at a
   * time, in the order they were started, and are refused once the transaction has ended.
   */
  transaction<T>(fn: (session: PostgresStorageSession) => Promise<T>): Promise<T>;
}

/** Where a session's repositories run and what they are scoped to. */
interface Scope {
  readonly tables: ReturnType<typeof tableNames>;
  readonly settings: AdapterSettings;
  readonly tenant: string;
}

function createSession(executor: SqlExecutor, { tables, settings, tenant }: Scope): PostgresStorageSession {
  const appendedEvents = executor instanceof TransactionExecutor ? new AppendedEvents() : null;
  const context: RepositoryContext = {
    appendedEvents,
    executor,
    tables,
    settings,
    tenant: tenantLiteral(tenant),
    tenantId: tenant,
    // The key names the schema's channel too, so two schemas' tenants of the same id do not
    // wait on each other. Both parts are checked identifiers, with no quote or backslash.
    writeLock: `SELECT pg_advisory_xact_lock(hashtextextended('${settings.changeChannel}/${tenant}', 0))`,
  };
  return {
    organizations: guardRepository(createOrganizationRepository(context), "organizations"),
    users: guardRepository(createUserRepository(context), "users"),
    memberships: guardRepository(createMembershipRepository(context), "memberships"),
    rules: guardRepository(createMemberRuleRepository(context), "rules"),
    usergroups: guardRepository(createUsergroupRepository(context), "usergroups"),
    profiles: guardRepository(createStaffProfileRepository(context), "profiles"),
    resources: guardRepository(createResourceRepository(context), "resources"),
    invitations: guardRepository(createInvitationRepository(context), "invitations"),
    events: guardRepository(createEventRepository(context), "events"),
    changes: guardRepository(createChangeFeedRepository(context), "changes"),
    settings: guardRepository(createSettingsRepository(context), "settings"),
    ...(executor instanceof TransactionExecutor ? { savepoint: savepointOn(executor, appendedEvents!) } : {}),
  };
}

/** `session.savepoint` of a transaction's session (see `StorageSession.savepoint`). */
function savepointOn(executor: TransactionExecutor, appendedEvents: AppendedEvents): NonNullable<StorageSession["savepoint"]> {
  return async (fn) => {
    checkTransactionBody(fn);
    const mark = appendedEvents.mark();
    try {
      return await executor.savepoint(fn);
    } catch (error) {
      appendedEvents.rollBackTo(mark);
      throw error;
    }
  };
}

/**
 * Storage on PostgreSQL. Run {@link migrate} once first (same `schema`). Calls on the
 * returned repositories run on the pool, each on its own; `transaction(fn)` runs `fn`'s
 * calls on one connection in one SERIALIZABLE transaction.
 *
 * @example
 * ```ts
 * import pg from "pg";
 * import { migrate, postgresStorage } from "orgkit/postgres";
 *
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * await migrate(pool);
 * const storage = postgresStorage({ client: pool });
 * await storage.transaction(async (tx) => {
 *   const org = await tx.organizations.get("org_1");
 *   // … read, check, write: SERIALIZABLE makes the check hold at commit
 * });
 * ```
 *
 * @example
 * ```ts
 * // Tests: an in-process PostgreSQL (WebAssembly), no server needed.
 * import { PGlite } from "@electric-sql/pglite";
 * const db = await PGlite.create();
 * await migrate(db);
 * const storage = postgresStorage({ client: db });
 * ```
 */
export function postgresStorage(untrustedOptions: PostgresStorageOptions): PostgresStorage {
  if (typeof untrustedOptions !== "object" || untrustedOptions === null) {
    throw validationError("Invalid PostgreSQL storage options", [{ path: "", message: "must be an object with a client", code: "invalid_argument" }]);
  }
  const options = readOptions(untrustedOptions);
  const { client } = options;
  if (!isUsableClient(client)) {
    throw validationError("Invalid PostgreSQL client: pass a pg.Pool or a PGlite instance", [
      { path: "client", message: "must have query() and either connect() (a pool) or transaction() (PGlite)", code: "invalid_argument" },
    ]);
  }
  const maxRetries = options.maxRetries ?? 5;
  if (!Number.isInteger(maxRetries) || maxRetries < 0) {
    throw validationError("Invalid maxRetries", [{ path: "maxRetries", message: "must be a non-negative integer", code: "invalid_argument" }]);
  }
  const schema = options.schema ?? DEFAULT_SCHEMA;
  const tables = tableNames(schema);
  const settings: AdapterSettings = { uniqueNames: options.uniqueNames ?? true, orderedEvents: options.orderedEvents ?? true, changeChannel: changeChannel(schema) };
  const transactions: TransactionSettings = { isolation: "SERIALIZABLE", maxRetries };

  const scoped = (tenant: string): PostgresStorage => {
    const scope: Scope = { tables, settings, tenant: checkTenant(tenant) };
    const direct = createSession(new ClientExecutor(client, transactions), scope);
    return {
      ...direct,
      schema,
      tenant: scope.tenant,
      forTenant: scoped,
      transaction(fn) {
        try {
          checkTransactionBody(fn);
        } catch (error) {
          return Promise.reject(error);
        }
        return runTransaction(client, transactions, "transaction", (executor) => fn(createSession(executor, scope)));
      },
      listen: (handlers) => listenForChanges(client, settings.changeChannel, scope.tenant, handlers),
    };
  };
  return scoped(options.tenant ?? DEFAULT_TENANT);
}

/** Reads the options once (the client stays the host's object); unreadable options are `VALIDATION_FAILED`. */
function readOptions(options: PostgresStorageOptions): PostgresStorageOptions {
  try {
    const { client, schema, tenant, uniqueNames, maxRetries, orderedEvents } = options;
    const out: { -readonly [K in keyof PostgresStorageOptions]: PostgresStorageOptions[K] } = { client };
    if (schema !== undefined) out.schema = schema;
    if (tenant !== undefined) out.tenant = tenant;
    if (uniqueNames !== undefined) out.uniqueNames = uniqueNames;
    if (maxRetries !== undefined) out.maxRetries = maxRetries;
    if (orderedEvents !== undefined) out.orderedEvents = orderedEvents;
    return out;
  } catch (error) {
    throw validationError("Invalid PostgreSQL storage options: they could not be read", [
      { path: "", message: describeError(error), code: "unreadable" },
    ]);
  }
}

/** A `pg.Pool` or PGlite-like client; `false` for anything else, also for an object that cannot be read. */
function isUsableClient(client: unknown): client is PostgresClient {
  try {
    return typeof client === "object" && client !== null && typeof (client as PostgresClient).query === "function" && (isPool(client as PostgresClient) || isTransactional(client as PostgresClient));
  } catch {
    return false;
  }
}
