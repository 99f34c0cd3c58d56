/**
 * Migration 7, invitations: one table in the tenant layout (plain or hash-partitioned,
 * as the schema already is).
 *
 * @module
 */
import { tenantTableCreation, tenantTableShape } from "./migration-tenants.js";
import type { TableNames } from "./sql.js";

/** The statements of migration 7 for a schema laid out with `partitions` hash partitions (0: plain tables). */
export function invitationStatements(t: TableNames, partitions: number): string[] {
  const key = `text COLLATE "C" NOT NULL`;
  const shape = tenantTableShape(
    t.invitations,
    [
      ["id", key],
      ["organization_id", key],
      ["kind", key],
      // Normalized by the service (as users' identities are): compared exactly.
      ["address", key],
      // The SHA-256 of the token, hex: the token itself is never stored.
      ["token_hash", key],
      ["status", "text NOT NULL"],
      // The user who accepted it (NULL otherwise): how an erasure finds what a user accepted.
      ["accepted_by", `text COLLATE "C"`],
      ["created_at", "timestamptz NOT NULL"],
      ["expires_at", "timestamptz NOT NULL"],
      ["version", "integer NOT NULL"],
      ["doc", "json NOT NULL"],
    ],
    ["CONSTRAINT invitations_pkey PRIMARY KEY (tenant_id, id)", "CONSTRAINT invitations_token_hash_key UNIQUE (tenant_id, token_hash)"],
    [
      // One pending invitation per organization and address: a new one replaces the old, and
      // of two concurrent invitations only one can stay pending.
      `CREATE UNIQUE INDEX invitations_pending_key ON {t} (tenant_id, organization_id, kind, address) WHERE status = 'pending'`,
      `CREATE INDEX invitations_organization_idx ON {t} (tenant_id, organization_id, id)`,
      `CREATE INDEX invitations_organization_status_idx ON {t} (tenant_id, organization_id, status, id)`,
      `CREATE INDEX invitations_address_idx ON {t} (tenant_id, kind, address)`,
      `CREATE INDEX invitations_accepted_by_idx ON {t} (tenant_id, accepted_by) WHERE accepted_by IS NOT NULL`,
    ],
  );
  return tenantTableCreation(shape, partitions);
}
