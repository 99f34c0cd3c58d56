/**
 * Raw SQL readers for the storage conformance suite: they read orgkit's tables
 * directly, not through the repositories, so the adapter cannot pass by agreeing with
 * itself.
 *
 * @module
 */
import type { RawInspector, RawTable } from "../../storage/raw-inspector.js";
import type { PostgresQueryable } from "./client.js";
import { DEFAULT_SCHEMA, quoteSchema, tableNames, type TableNames } from "./sql.js";
import { checkTenant, DEFAULT_TENANT } from "../../storage/tenant.js";

const TABLE_OF: Record<RawTable, keyof TableNames> = {
  organizations: "organizations",
  users: "users",
  memberships: "memberships",
  rules: "memberRules",
  usergroups: "usergroups",
  profiles: "staffProfiles",
  resources: "resources",
  invitations: "invitations",
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
  const schema = options.schema ?? DEFAULT_SCHEMA;
  const t = tableNames(schema);
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
    rule: (id) =>
      first(
        client,
        `SELECT r.id, r.organization_id AS "organizationId", r.kind, r.value, r.proven, r.doc->'proof'->>'method' AS "proofMethod", c.token AS "challengeToken"
           FROM ${t.memberRules} r LEFT JOIN ${t.memberRuleChallenges} c ON c.tenant_id = r.tenant_id AND c.rule_id = r.id
          WHERE r.tenant_id = $1 AND r.id = $2`,
        [tenant, id]
      ),
    resource: (kind, id) =>
      first(client, `SELECT kind, id, organization_id AS "organizationId" FROM ${t.resources} WHERE tenant_id = $1 AND kind = $2 AND id = $3`, [tenant, kind, id]),
    invitation: (id) =>
      first(
        client,
        `SELECT id, organization_id AS "organizationId", kind, address, token_hash AS "tokenHash", status, accepted_by AS "acceptedBy", version, doc FROM ${t.invitations} WHERE tenant_id = $1 AND id = $2`,
        [tenant, id]
      ),
    setting: (key) =>
      first(client, `SELECT key, value, version, updated_at AS "updatedAt" FROM ${t.settings} WHERE tenant_id = $1 AND key = $2`, [tenant, key]),
    count: async (table) => {
      const row = await first(client, `SELECT count(*) AS n FROM ${t[TABLE_OF[table]]} WHERE tenant_id = $1`, [tenant]);
      return Number(row?.["n"] ?? 0);
    },
    // Every table of the schema that has a tenant_id, found in the catalog (so a table a
    // later migration adds is read too), each row whole as JSON; partitions are read
    // through their parent.
    dump: async () => {
      const tables = await client.query(
        `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition
            AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
          ORDER BY c.relname`,
        [schema],
      );
      const lines: string[] = [];
      for (const { name } of tables.rows as { name: string }[]) {
        const rows = await client.query(`SELECT to_jsonb(r)::text AS row FROM ${quoteSchema(schema)}."${name.replace(/"/g, '""')}" r WHERE tenant_id = $1 ORDER BY 1`, [tenant]);
        lines.push(`${name}: ${(rows.rows as { row: string }[]).map((r) => r.row).join("\n  ")}`);
      }
      return lines.join("\n");
    },
  };
}
