/**
 * Migration 6, tenants: every table gets `tenant_id`, which leads every primary key,
 * unique constraint and b-tree index, and which every statement of the adapter filters by.
 * With `partitions`, the tables are created hash-partitioned by `tenant_id`: the layout
 * PostgreSQL (like a Citus cluster distributed by `tenant_id`) accepts only when every
 * unique constraint includes the partition key, which proves that discipline here.
 *
 * The tables are rebuilt: each one's rows are copied aside (a temporary table dropped at
 * commit), the table is dropped and created again in its new shape, and the rows come back
 * as the tenant `"default"`'s, all in the migration's one transaction. Rebuilding rather
 * than altering in place is what lets an existing schema become partitioned (a table
 * cannot be partitioned after it was created).
 *
 * The GIN indexes (tags, states, ancestry, trigrams) index array elements or trigrams and
 * do not start with `tenant_id`: a GIN index cannot lead with a scalar column without the
 * `btree_gin` extension, and with it every lookup would also read the tenant's whole
 * posting list. Their queries filter by `tenant_id` too; under partitioning, each
 * partition has its own GIN index, so a lookup reads only its tenant's partition.
 *
 * @module
 */
import { searchIndexCreation } from "./migration-search-index.js";
import type { TableNames } from "./sql.js";

/** The tenant of every row stored before migration 6. */
const MIGRATED_TENANT = "'default'";

/** A table of the tenant layout: its columns (after `tenant_id`), constraints and b-tree indexes. */
export interface TableShape {
  /** The qualified table name. */
  readonly table: string;
  /** Unqualified name, for the copy and the partitions. */
  readonly name: string;
  readonly columns: readonly string[];
  readonly definitions: readonly string[];
  readonly constraints: readonly string[];
  /** `CREATE INDEX` statements; `{t}` is replaced by the table name. */
  readonly indexes: readonly string[];
}

/**
 * A table of the tenant layout: `columns` come after `tenant_id`; every constraint and
 * b-tree index must start with `tenant_id` (the partitioned layout refuses a unique
 * constraint without it). `indexes` are `CREATE INDEX` statements where `{t}` stands for
 * the table.
 */
export function tenantTableShape(table: string, columns: readonly (readonly [string, string])[], constraints: readonly string[], indexes: readonly string[] = []): TableShape {
  return {
    table,
    name: table.slice(table.lastIndexOf(".") + 1),
    columns: columns.map(([column]) => column),
    definitions: columns.map(([column, type]) => `${column} ${type}`),
    constraints,
    indexes,
  };
}

/**
 * The statements that create a table of the tenant layout, plain or hash-partitioned by
 * `tenant_id` into `partitions`: what every migration after 6 uses for a new table, so
 * that a partitioned schema stays partitioned (`migrate` passes the layout in place).
 */
export function tenantTableCreation(shape: TableShape, partitions: number): string[] {
  const schemaOf = (qualified: string) => qualified.slice(0, qualified.lastIndexOf("."));
  const body = [`tenant_id text COLLATE "C" NOT NULL`, ...shape.definitions, ...shape.constraints].join(",\n  ");
  const statements = [`CREATE TABLE ${shape.table} (\n  ${body}\n)${partitions > 0 ? " PARTITION BY HASH (tenant_id)" : ""}`];
  for (let remainder = 0; remainder < partitions; remainder++) {
    statements.push(`CREATE TABLE ${schemaOf(shape.table)}.${shape.name}_p${remainder} PARTITION OF ${shape.table} FOR VALUES WITH (MODULUS ${partitions}, REMAINDER ${remainder})`);
  }
  for (const index of shape.indexes) statements.push(index.replace("{t}", shape.table));
  return statements;
}

function shapes(t: TableNames): TableShape[] {
  const shape = (table: string, columns: [string, string][], constraints: string[], indexes: string[] = []) => tenantTableShape(table, columns, constraints, indexes);
  const key = `text COLLATE "C" NOT NULL`;
  const optionalKey = `text COLLATE "C"`;
  return [
    shape(
      t.organizations,
      [
        ["id", key], ["external_id", optionalKey], ["name", "text NOT NULL"], ["name_lower", key], ["name_key", optionalKey],
        ["id_lower", key], ["external_id_lower", optionalKey], ["type", "text NOT NULL"], ["tags_lower", "text[] NOT NULL"],
        ["states", "text[] NOT NULL"], ["parent_id", optionalKey], ["status", "text NOT NULL"], ["created_at", "timestamptz NOT NULL"],
        ["updated_at", "timestamptz NOT NULL"], ["version", "integer NOT NULL"], ["doc", "json NOT NULL"], ["ancestry", `text[] COLLATE "C" NOT NULL`],
      ],
      ["CONSTRAINT organizations_pkey PRIMARY KEY (tenant_id, id)", "CONSTRAINT organizations_external_id_key UNIQUE (tenant_id, external_id)"],
      [
        `CREATE UNIQUE INDEX organizations_name_key_key ON {t} (tenant_id, name_key)`,
        `CREATE INDEX organizations_parent_idx ON {t} (tenant_id, parent_id, id)`,
        `CREATE INDEX organizations_name_sort_idx ON {t} (tenant_id, name_lower, id)`,
        `CREATE INDEX organizations_created_sort_idx ON {t} (tenant_id, created_at, id)`,
        `CREATE INDEX organizations_updated_sort_idx ON {t} (tenant_id, updated_at, id)`,
        `CREATE INDEX organizations_tags_idx ON {t} USING gin (tags_lower)`,
        `CREATE INDEX organizations_states_idx ON {t} USING gin (states)`,
        `CREATE INDEX organizations_ancestry_idx ON {t} USING gin (ancestry)`,
      ],
    ),
    shape(
      t.users,
      [
        ["id", key], ["kind", "text NOT NULL"], ["username", optionalKey], ["registered", "boolean NOT NULL"], ["platform_role", "text"],
        ["profile_id", optionalKey], ["created_at", "timestamptz NOT NULL"], ["updated_at", "timestamptz NOT NULL"], ["version", "integer NOT NULL"], ["doc", "json NOT NULL"],
      ],
      ["CONSTRAINT users_pkey PRIMARY KEY (tenant_id, id)"],
    ),
    shape(
      t.userIdentities,
      [["kind", key], ["value", key], ["user_id", key]],
      ["CONSTRAINT user_identities_pkey PRIMARY KEY (tenant_id, kind, value, user_id)"],
      [`CREATE INDEX user_identities_user_idx ON {t} (tenant_id, user_id)`],
    ),
    shape(
      t.memberships,
      [["user_id", key], ["organization_id", key], ["role", "text NOT NULL"], ["admin", "boolean NOT NULL"], ["source_type", "text NOT NULL"], ["source_rule_id", optionalKey], ["doc", "json NOT NULL"]],
      ["CONSTRAINT memberships_pkey PRIMARY KEY (tenant_id, user_id, organization_id)"],
      [
        `CREATE INDEX memberships_organization_idx ON {t} (tenant_id, organization_id, user_id)`,
        `CREATE INDEX memberships_source_rule_idx ON {t} (tenant_id, source_rule_id, organization_id, user_id) WHERE source_rule_id IS NOT NULL`,
      ],
    ),
    shape(
      t.memberRules,
      [["id", key], ["organization_id", key], ["kind", key], ["value", key], ["include_subdomains", "boolean NOT NULL"], ["exclusive", "boolean NOT NULL"], ["doc", "json NOT NULL"]],
      ["CONSTRAINT member_rules_pkey PRIMARY KEY (tenant_id, id)"],
      [
        // Under the "reject" conflict policy two organizations of a tenant cannot both claim a value, even at the same moment.
        `CREATE UNIQUE INDEX member_rules_exclusive_key ON {t} (tenant_id, kind, value) WHERE exclusive`,
        `CREATE INDEX member_rules_lookup_idx ON {t} (tenant_id, kind, value)`,
        `CREATE INDEX member_rules_organization_idx ON {t} (tenant_id, organization_id, id)`,
      ],
    ),
    shape(t.usergroups, [["id", key], ["name", "text NOT NULL"], ["version", "integer NOT NULL"], ["doc", "json NOT NULL"]], ["CONSTRAINT usergroups_pkey PRIMARY KEY (tenant_id, id)"]),
    shape(t.staffProfiles, [["id", key], ["name", "text NOT NULL"], ["version", "integer NOT NULL"], ["doc", "json NOT NULL"]], ["CONSTRAINT staff_profiles_pkey PRIMARY KEY (tenant_id, id)"]),
    shape(
      t.resources,
      [["kind", key], ["id", key], ["organization_id", key], ["doc", "json NOT NULL"]],
      ["CONSTRAINT resources_pkey PRIMARY KEY (tenant_id, kind, id)"],
      [`CREATE INDEX resources_organization_idx ON {t} (tenant_id, organization_id, kind, id)`],
    ),
    shape(
      t.events,
      [
        ["sequence", `bigint NOT NULL DEFAULT nextval('${t.eventSequence}')`], ["type", "text NOT NULL"], ["organization_id", optionalKey],
        ["actor_type", "text NOT NULL"], ["actor_id", "text NOT NULL"], ["at", "timestamptz NOT NULL"], ["doc", "json NOT NULL"],
      ],
      ["CONSTRAINT events_pkey PRIMARY KEY (tenant_id, sequence)"],
      [`CREATE INDEX events_organization_idx ON {t} (tenant_id, organization_id, sequence)`],
    ),
    shape(t.changes, [["revision", "bigint NOT NULL"], ["at", "timestamptz NOT NULL"], ["doc", "json NOT NULL"]], ["CONSTRAINT changes_pkey PRIMARY KEY (tenant_id, revision)"]),
    shape(t.changeFeedState, [["latest", "bigint NOT NULL"], ["horizon", "bigint NOT NULL"]], ["CONSTRAINT change_feed_state_pkey PRIMARY KEY (tenant_id)"]),
  ];
}

/** Options of the tenants migration. */
export interface TenantLayoutOptions {
  /** Hash partitions per table (by `tenant_id`); absent or 0: plain tables. */
  readonly partitions?: number;
}

/** The statements of migration 6. */
export function tenantStatements(t: TableNames, options: TenantLayoutOptions = {}): string[] {
  const partitions = options.partitions ?? 0;
  const tables = shapes(t);
  const copy = (shape: TableShape) => `pg_temp.orgkit_before_tenants_${shape.name}`;
  const statements: string[] = [];
  for (const shape of tables) statements.push(`CREATE TEMP TABLE orgkit_before_tenants_${shape.name} ON COMMIT DROP AS SELECT * FROM ${shape.table}`);
  for (const shape of tables) statements.push(`DROP TABLE ${shape.table}`);
  statements.push(`CREATE SEQUENCE ${t.eventSequence}`);
  for (const shape of tables) {
    statements.push(...tenantTableCreation(shape, partitions));
    const columns = shape.columns.join(", ");
    if (shape.table === t.changeFeedState) {
      statements.push(`INSERT INTO ${shape.table} (tenant_id, latest, horizon) SELECT ${MIGRATED_TENANT}, latest, horizon FROM ${copy(shape)}`);
    } else {
      statements.push(`INSERT INTO ${shape.table} (tenant_id, ${columns}) SELECT ${MIGRATED_TENANT}, ${columns} FROM ${copy(shape)}`);
    }
  }
  const events = tables.find((shape) => shape.table === t.events)!;
  statements.push(`SELECT setval('${t.eventSequence}', (SELECT coalesce(max(sequence), 0) + 1 FROM ${copy(events)}), false)`);
  statements.push(searchIndexCreation(t));
  return statements;
}
