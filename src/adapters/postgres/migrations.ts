/**
 * Versioned, idempotent schema migrations for the PostgreSQL adapter.
 *
 * @module
 */
import { validationError } from "../../errors.js";
import { describeError } from "../../domain/plain-input.js";
import type { PostgresClient } from "./client.js";
import { sqlStateOf, toOrgKitError } from "./errors.js";
import { runTransaction, type SqlExecutor } from "./executor.js";
import { ancestryStatements, closureStatements } from "./migration-ancestry.js";
import { domainProofStatements } from "./migration-domain-proof.js";
import { invitationStatements } from "./migration-invitations.js";
import { searchIndexStatements } from "./migration-search-index.js";
import { tenantStatements, tenantTableCreation, tenantTableShape } from "./migration-tenants.js";
import { DEFAULT_SCHEMA, quoteSchema, tableNames } from "./sql.js";

/** One schema migration: applied once, in a transaction, in version order. */
export interface PostgresMigration {
  /** 1, 2, 3… */
  readonly version: number;
  /** A short description of what the migration does, e.g. `change feed`. */
  readonly name: string;
  /** The statements, one per string, with table names already qualified by the schema. */
  readonly statements: readonly string[];
}

/** Options of {@link migrate} and {@link postgresMigrations}. */
export interface MigrateOptions {
  /**
   * The schema orgkit's tables live in; created when missing. Default `"orgkit"`, which
   * keeps orgkit's `users` or `events` apart from the host's tables of the same name.
   * Pass the same value to `postgresStorage`.
   */
  readonly schema?: string;
  /**
   * Create the tables hash-partitioned by `tenant_id`, with this many partitions each
   * (1–1024): the layout a Citus cluster distributed by `tenant_id` needs, on plain
   * PostgreSQL. Decided when migration 6 runs (on a new schema, or the upgrade of one
   * made before tenants); later runs must pass the same number or leave it out, since
   * `migrate` does not repartition (`VALIDATION_FAILED` at `partitions`). Default: plain tables.
   */
  readonly partitions?: number;
}

/** What {@link migrate} did. */
export interface MigrateResult {
  /** Versions applied by this call, in order (empty when the schema was up to date). */
  readonly applied: readonly number[];
  /** The schema version now in place. */
  readonly version: number;
}

/**
 * The migrations, for hosts that run schema changes with their own tool (Flyway,
 * dbmate, Prisma migrate…): copy the statements of each version. `migrate` records the
 * applied versions in `<schema>.orgkit_migrations`; a host doing it by hand should
 * insert the same rows so `migrate` later skips them.
 *
 * @example
 * ```ts
 * for (const m of postgresMigrations({ schema: "orgkit" })) {
 *   console.log(`-- ${m.version} ${m.name}\n${m.statements.join(";\n")};`);
 * }
 * ```
 */
export function postgresMigrations(options: MigrateOptions = {}): PostgresMigration[] {
  const t = tableNames(options.schema ?? DEFAULT_SCHEMA);
  const partitions = checkPartitions(options.partitions);
  return [
    {
      version: 1,
      name: "initial schema",
      statements: [
        // Ids and every key that is sorted or compared for keyset pagination are COLLATE "C":
        // the ports order by code unit, independent of the database's locale.
        // `doc` holds the record as written, as `json` rather than `jsonb`: filters use real
        // columns, so the document is only stored and returned, and `json` is returned without
        // the jsonb-to-text conversion (descendants of 2,500 rows: about 20% faster).
        `CREATE TABLE ${t.organizations} (
          id text COLLATE "C" NOT NULL,
          external_id text COLLATE "C",
          name text NOT NULL,
          -- Lower-cased by the adapter (JavaScript toLowerCase), so sorting and matching do not depend on the database locale.
          name_lower text COLLATE "C" NOT NULL,
          -- name_lower while active when names are unique, else NULL: the unique index below enforces unique active names.
          name_key text COLLATE "C",
          id_lower text COLLATE "C" NOT NULL,
          external_id_lower text COLLATE "C",
          type text NOT NULL,
          tags_lower text[] NOT NULL,
          states text[] NOT NULL,
          parent_id text COLLATE "C",
          status text NOT NULL,
          created_at timestamptz NOT NULL,
          updated_at timestamptz NOT NULL,
          version integer NOT NULL,
          doc json NOT NULL,
          CONSTRAINT organizations_pkey PRIMARY KEY (id),
          CONSTRAINT organizations_external_id_key UNIQUE (external_id)
        )`,
        `CREATE UNIQUE INDEX organizations_name_key_key ON ${t.organizations} (name_key)`,
        `CREATE INDEX organizations_parent_idx ON ${t.organizations} (parent_id, id)`,
        `CREATE INDEX organizations_name_sort_idx ON ${t.organizations} (name_lower, id)`,
        `CREATE INDEX organizations_created_sort_idx ON ${t.organizations} (created_at, id)`,
        `CREATE INDEX organizations_updated_sort_idx ON ${t.organizations} (updated_at, id)`,
        `CREATE INDEX organizations_tags_idx ON ${t.organizations} USING gin (tags_lower)`,
        `CREATE INDEX organizations_states_idx ON ${t.organizations} USING gin (states)`,

        `CREATE TABLE ${t.users} (
          id text COLLATE "C" NOT NULL,
          kind text NOT NULL,
          username text COLLATE "C",
          registered boolean NOT NULL,
          platform_role text,
          profile_id text COLLATE "C",
          created_at timestamptz NOT NULL,
          updated_at timestamptz NOT NULL,
          version integer NOT NULL,
          doc json NOT NULL,
          CONSTRAINT users_pkey PRIMARY KEY (id)
        )`,
        // One row per identity a member rule can match: email, username, phone, and the host
        // of each email with its labels reversed (mail.acme.com -> com.acme.mail), so "acme.com
        // and its subdomains" is an index range scan, never a leading-wildcard scan.
        `CREATE TABLE ${t.userIdentities} (
          kind text COLLATE "C" NOT NULL,
          value text COLLATE "C" NOT NULL,
          user_id text COLLATE "C" NOT NULL,
          CONSTRAINT user_identities_pkey PRIMARY KEY (kind, value, user_id)
        )`,
        `CREATE INDEX user_identities_user_idx ON ${t.userIdentities} (user_id)`,

        `CREATE TABLE ${t.memberships} (
          user_id text COLLATE "C" NOT NULL,
          organization_id text COLLATE "C" NOT NULL,
          role text NOT NULL,
          admin boolean NOT NULL,
          source_type text NOT NULL,
          source_rule_id text COLLATE "C",
          doc json NOT NULL,
          CONSTRAINT memberships_pkey PRIMARY KEY (user_id, organization_id)
        )`,
        `CREATE INDEX memberships_organization_idx ON ${t.memberships} (organization_id, user_id)`,
        `CREATE INDEX memberships_source_rule_idx ON ${t.memberships} (source_rule_id, organization_id, user_id) WHERE source_rule_id IS NOT NULL`,

        `CREATE TABLE ${t.memberRules} (
          id text COLLATE "C" NOT NULL,
          organization_id text COLLATE "C" NOT NULL,
          kind text COLLATE "C" NOT NULL,
          value text COLLATE "C" NOT NULL,
          include_subdomains boolean NOT NULL,
          exclusive boolean NOT NULL,
          doc json NOT NULL,
          CONSTRAINT member_rules_pkey PRIMARY KEY (id)
        )`,
        // Under the "reject" conflict policy two organizations cannot both claim a value,
        // even when they try at the same moment.
        `CREATE UNIQUE INDEX member_rules_exclusive_key ON ${t.memberRules} (kind, value) WHERE exclusive`,
        `CREATE INDEX member_rules_lookup_idx ON ${t.memberRules} (kind, value)`,
        `CREATE INDEX member_rules_organization_idx ON ${t.memberRules} (organization_id, id)`,

        `CREATE TABLE ${t.usergroups} (
          id text COLLATE "C" NOT NULL,
          name text NOT NULL,
          version integer NOT NULL,
          doc json NOT NULL,
          CONSTRAINT usergroups_pkey PRIMARY KEY (id)
        )`,
        `CREATE TABLE ${t.staffProfiles} (
          id text COLLATE "C" NOT NULL,
          name text NOT NULL,
          version integer NOT NULL,
          doc json NOT NULL,
          CONSTRAINT staff_profiles_pkey PRIMARY KEY (id)
        )`,

        `CREATE TABLE ${t.resources} (
          kind text COLLATE "C" NOT NULL,
          id text COLLATE "C" NOT NULL,
          organization_id text COLLATE "C" NOT NULL,
          doc json NOT NULL,
          CONSTRAINT resources_pkey PRIMARY KEY (kind, id)
        )`,
        `CREATE INDEX resources_organization_idx ON ${t.resources} (organization_id, kind, id)`,

        // Append-only: the adapter has no UPDATE or DELETE statement for this table.
        `CREATE TABLE ${t.events} (
          sequence bigint GENERATED ALWAYS AS IDENTITY,
          type text NOT NULL,
          organization_id text COLLATE "C",
          actor_type text NOT NULL,
          actor_id text NOT NULL,
          at timestamptz NOT NULL,
          doc json NOT NULL,
          CONSTRAINT events_pkey PRIMARY KEY (sequence)
        )`,
        `CREATE INDEX events_organization_idx ON ${t.events} (organization_id, sequence)`,
      ],
    },
    {
      version: 2,
      name: "identity verification",
      statements: [
        // Users written before identities carried verification: nothing of theirs is
        // verified, so member rules stop linking them until the host marks what it verified.
        `UPDATE ${t.users} SET doc = (doc::jsonb || '{"verifiedEmails":[],"verifiedPhones":[],"usernameVerified":false}'::jsonb)::json
          WHERE (doc::jsonb) ? 'verifiedEmails' IS NOT TRUE`,
      ],
    },
    {
      version: 3,
      name: "change feed",
      statements: [
        // One row per committed write (see change-feed-repository.ts); revisions come from
        // the sequence under a table lock, or from the counter row (`orderedEvents: false`).
        `CREATE SEQUENCE ${t.changeRevisions}`,
        `CREATE TABLE ${t.changes} (
          revision bigint NOT NULL,
          at timestamptz NOT NULL,
          doc json NOT NULL,
          CONSTRAINT changes_pkey PRIMARY KEY (revision)
        )`,
        `CREATE TABLE ${t.changeFeedState} (
          id smallint NOT NULL,
          latest bigint NOT NULL,
          horizon bigint NOT NULL,
          CONSTRAINT change_feed_state_pkey PRIMARY KEY (id),
          CONSTRAINT change_feed_state_one_row CHECK (id = 1)
        )`,
        `INSERT INTO ${t.changeFeedState} (id, latest, horizon) VALUES (1, 0, 0)`,
      ],
    },
    { version: 4, name: "indexed search", statements: searchIndexStatements(t) },
    { version: 5, name: "materialized ancestry", statements: ancestryStatements(t) },
    { version: 6, name: partitions > 0 ? `tenants (${partitions} hash partitions)` : "tenants", statements: tenantStatements(t, { partitions }) },
    { version: 7, name: "invitations", statements: invitationStatements(t, partitions) },
    { version: 8, name: "domain proof", statements: domainProofStatements(t, partitions) },
    {
      version: 9,
      name: "events by user",
      statements: [
        // `events.listByUser` (a user's export, and whether it has history): the events it
        // did and the events about it, each an index range in sequence order. On a
        // partitioned table each partition gets its own copy of the index.
        `CREATE INDEX events_actor_idx ON ${t.events} (tenant_id, actor_id, sequence)`,
        `CREATE INDEX events_user_idx ON ${t.events} (tenant_id, (doc->'data'->>'userId'), sequence)`,
      ],
    },
    {
      version: 10,
      name: "settings",
      // The kits' configuration record, one row per tenant and key (see settings-repository.ts).
      statements: tenantTableCreation(
        tenantTableShape(
          t.settings,
          [["key", `text COLLATE "C" NOT NULL`], ["value", "json NOT NULL"], ["version", "integer NOT NULL"], ["updated_at", "timestamptz NOT NULL"]],
          ["CONSTRAINT settings_pkey PRIMARY KEY (tenant_id, key)"],
        ),
        partitions,
      ),
    },
    { version: 11, name: "hierarchy closure", statements: closureStatements(t, partitions) },
  ];
}

/** Checks `partitions`: absent (0) or an integer from 1 to 1024. */
function checkPartitions(value: unknown): number {
  if (value === undefined) return 0;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > 1024) {
    throw validationError("Invalid migrate options: partitions", [{ path: "partitions", message: "must be an integer from 1 to 1024", code: "invalid_argument" }]);
  }
  return value;
}

/** How many hash partitions the schema's organizations table has (0: not partitioned; null: no table). */
async function partitionsInPlace(on: SqlExecutor, schema: string): Promise<number | null> {
  const rows = await on.rows<{ kind: string; partitions: unknown }>(
    "migrate (layout)",
    `SELECT c.relkind::text AS kind, (SELECT count(*) FROM pg_inherits i WHERE i.inhparent = c.oid) AS partitions
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = 'organizations'`,
    [schema],
  );
  const row = rows[0];
  if (row === undefined) return null;
  return row.kind === "p" ? Number(row.partitions) : 0;
}

/** A schema whose tables were laid out with another partition count: `VALIDATION_FAILED` (migrate does not repartition). */
async function checkLayout(on: SqlExecutor, schema: string, partitions: number): Promise<void> {
  const inPlace = await partitionsInPlace(on, schema);
  if (inPlace === null || inPlace === partitions) return;
  const layout = inPlace === 0 ? "plain (not partitioned)" : `hash-partitioned into ${inPlace}`;
  throw validationError(`Invalid migrate options: schema "${schema}" already holds tables ${layout}, and migrate does not repartition`, [
    { path: "partitions", message: `must be ${inPlace === 0 ? "left out" : inPlace} for this schema (or migrate a new schema and copy the data)`, code: "layout_mismatch" },
  ]);
}

/** SQLSTATEs two concurrent `CREATE … IF NOT EXISTS` may raise against each other. */
const CREATE_RACE_STATES = new Set(["23505", "42P06", "42P07", "42710"]);

async function bootstrap(client: PostgresClient, schema: string): Promise<void> {
  const s = quoteSchema(schema);
  const t = tableNames(schema);
  // Creating a schema needs the CREATE privilege on the database even with IF NOT EXISTS,
  // so an existing schema is not re-created (the application role may lack that right).
  const existing = await client.query(`SELECT 1 FROM information_schema.schemata WHERE schema_name = $1`, [schema]).catch((error: unknown) => {
    throw toOrgKitError(error, "migrate (bootstrap)");
  });
  const statements = [
    ...(existing.rows.length > 0 ? [] : [`CREATE SCHEMA IF NOT EXISTS ${s}`]),
    `CREATE TABLE IF NOT EXISTS ${t.migrations} (
      version integer NOT NULL,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT orgkit_migrations_pkey PRIMARY KEY (version)
    )`,
    // Row 0 is the lock every migrate() takes with SELECT … FOR UPDATE.
    `INSERT INTO ${t.migrations} (version, name) VALUES (0, '(lock)') ON CONFLICT (version) DO NOTHING`,
  ];
  for (const statement of statements) {
    for (let attempt = 1; ; attempt++) {
      try {
        await client.query(statement);
        break;
      } catch (error) {
        // IF NOT EXISTS is not atomic in PostgreSQL: a concurrent migrate() may create the
        // object between the check and the insert into the catalog. The object exists then.
        const state = sqlStateOf(error);
        if (state !== undefined && CREATE_RACE_STATES.has(state) && attempt < 5) continue;
        throw toOrgKitError(error, "migrate (bootstrap)");
      }
    }
  }
}

/**
 * Creates or upgrades orgkit's tables. Idempotent: applied versions are recorded in
 * `<schema>.orgkit_migrations`, so running it again is a no-op. Safe to run from several
 * processes at once: each run takes a row lock (`SELECT … FOR UPDATE` on the migrations
 * table) before reading which versions are applied, so a second run waits for the first
 * and then finds nothing to do. Each version is applied in its own transaction.
 *
 * @example
 * ```ts
 * import pg from "pg";
 * import { migrate, postgresStorage } from "orgkit/postgres";
 *
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * await migrate(pool);                       // schema "orgkit"
 * const storage = postgresStorage({ client: pool });
 * ```
 */
export async function migrate(client: PostgresClient, options: MigrateOptions = {}): Promise<MigrateResult> {
  let schema: string;
  let partitions: number | undefined;
  try {
    schema = (options ?? {}).schema ?? DEFAULT_SCHEMA;
    partitions = (options ?? {}).partitions;
  } catch (error) {
    throw validationError("Invalid migrate options: they could not be read", [{ path: "", message: describeError(error), code: "unreadable" }]);
  }
  let usable = false;
  try {
    usable = typeof client === "object" && client !== null && typeof (client as { query?: unknown }).query === "function";
  } catch {
    // A client that cannot even be read is not usable.
  }
  if (!usable) {
    throw validationError("Invalid PostgreSQL client: pass a pg.Pool or a PGlite instance", [{ path: "client", message: "must have query()", code: "invalid_argument" }]);
  }
  const t = tableNames(schema);
  if (partitions !== undefined) checkPartitions(partitions);
  await bootstrap(client, schema);
  // Tables added after migration 6 follow the layout in place: a partitioned schema stays
  // partitioned when a later run leaves `partitions` out.
  const layout =
    partitions ??
    (await runTransaction(client, { isolation: "READ COMMITTED", maxRetries: 3 }, "migrate (layout)", async (tx) => partitionsInPlace(tx, schema))) ??
    undefined;
  const migrations = postgresMigrations(layout === undefined || layout === 0 ? { schema } : { schema, partitions: layout });
  const applied: number[] = [];
  for (const migration of migrations) {
    const done = await runTransaction(client, { isolation: "READ COMMITTED", maxRetries: 3 }, `migrate (version ${migration.version})`, async (tx) => {
      await tx.rows("migrate (lock)", `SELECT version FROM ${t.migrations} WHERE version = 0 FOR UPDATE`);
      // Read after taking the lock: under READ COMMITTED this sees what a concurrent run committed.
      const present = await tx.rows<{ version: number }>("migrate (read)", `SELECT version FROM ${t.migrations} WHERE version = $1`, [migration.version]);
      if (present.length > 0) {
        // In the migration's own transaction: PGlite has one connection, which it holds.
        if (migration.version === 6 && partitions !== undefined) await checkLayout(tx, schema, partitions);
        return false;
      }
      for (const statement of migration.statements) await tx.rows(`migrate (version ${migration.version})`, statement);
      await tx.rows("migrate (record)", `INSERT INTO ${t.migrations} (version, name) VALUES ($1, $2)`, [migration.version, migration.name]);
      return true;
    });
    if (done) applied.push(migration.version);
  }
  const rows = await client.query(`SELECT coalesce(max(version), 0) AS version FROM ${t.migrations}`).catch((error: unknown) => {
    throw toOrgKitError(error, "migrate (status)");
  });
  const version = Number((rows.rows[0] as { version: unknown } | undefined)?.version ?? 0);
  return { applied, version };
}
