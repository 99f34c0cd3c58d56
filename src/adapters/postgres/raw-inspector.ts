/**
 * Raw SQL readers for the storage conformance suite: they read orgkit's tables
 * directly, not through the repositories, so the adapter cannot pass by agreeing with
 * itself.
 *
 * @module
 */
import type { RawInspector, RawTable } from "../../storage/raw-inspector.js";
import type { PostgresQueryable } from "./client.js";
import { DEFAULT_SCHEMA, tableNames, type TableNames } from "./sql.js";
import { checkTenant, DEFAULT_TENANT } from "../../storage/tenant.js";

const TABLE_OF: Record<RawTable, keyof TableNames> = {
  organizations: "organizations",
  users: "users",
  memberships: "memberships",
  rules: "memberRules",
  usergroups: "usergroups",
  profiles: "staffProfiles",
  resources: "resources",
  events: "events",
  changes: "changes",
};

async function first(client: PostgresQueryable, text: string, params: unknown[]): Promise<Readonly<Record<string, unknown>> | null> {
  const result = await client.query(text, params);
  return (result.rows[0] as Record<string, unknown> | undefined) ?? null;
}

/**
 * The conformance suite's raw inspector for a PostgreSQL storage: plain SQL on the
 * given client and schema. Organizations, memberships and versions come from the real
 * columns; user emails from the stored document (they have no column of their own).
 *
 * @example
 * ```ts
 * runStorageConformance("postgres", {
 *   test: { describe, it, beforeEach, expect }, // from "vitest"
 *   storage: () => postgresStorage({ client: db, schema }),
 *   inspect: () => postgresInspector(db, { schema }),
 * });
 * ```
 */
export function postgresInspector(client: PostgresQueryable, options: { readonly schema?: string; readonly tenant?: string } = {}): RawInspector {
  const t = tableNames(options.schema ?? DEFAULT_SCHEMA);
  // The tenant is bound as $1 here (the adapter pins it in the text): a different path to the same rows.
  const tenant = checkTenant(options.tenant ?? DEFAULT_TENANT);
  return {
    organization: (id) =>
      first(client, `SELECT id, name, external_id AS "externalId", parent_id AS "parentId", status, version FROM ${t.organizations} WHERE tenant_id = $1 AND id = $2`, [tenant, id]),
    user: (id) => first(client, `SELECT id, doc->'emails' AS emails, version FROM ${t.users} WHERE tenant_id = $1 AND id = $2`, [tenant, id]),
    membership: (userId, organizationId) =>
      first(
        client,
        `SELECT user_id AS "userId", organization_id AS "organizationId", role, admin FROM ${t.memberships} WHERE tenant_id = $1 AND user_id = $2 AND organization_id = $3`,
        [tenant, userId, organizationId]
      ),
    setting: (key) =>
      first(client, `SELECT key, value, version, updated_at AS "updatedAt" FROM ${t.settings} WHERE tenant_id = $1 AND key = $2`, [tenant, key]),
    count: async (table) => {
      const row = await first(client, `SELECT count(*) AS n FROM ${t[TABLE_OF[table]]} WHERE tenant_id = $1`, [tenant]);
      return Number(row?.["n"] ?? 0);
    },
  };
}
