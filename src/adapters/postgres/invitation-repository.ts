/**
 * Invitations in PostgreSQL: one row per invitation, unique by token hash and, while
 * pending, by (organization, kind, address); indexed by organization, address and the
 * user who accepted it.
 *
 * @module
 */
import { notFound, versionConflict } from "../../errors.js";
import { acceptedByOf, INVITATION_STATUSES, type InvitationRecord } from "../../domain/invitation/model.js";
import type { InvitationRepository } from "../../storage/ports.js";
import type { RepositoryContext } from "./context.js";
import { getDocument } from "./documents.js";
import { checkString, invalidArgument, Parameters, readDocument, readKeyset } from "./sql.js";

type DocRow = { doc: unknown };
const docs = (rows: readonly DocRow[]): InvitationRecord[] => rows.map((row) => readDocument<InvitationRecord>(row.doc));

function checkInvitation(invitation: InvitationRecord): InvitationRecord {
  if (typeof invitation !== "object" || invitation === null) throw invalidArgument("invitation", "must be an invitation");
  for (const key of ["id", "organizationId", "kind", "address", "tokenHash", "status", "createdAt", "expiresAt"] as const) checkString(invitation[key], `invitation.${key}`);
  if (!Number.isInteger(invitation.version)) throw invalidArgument("invitation.version", "must be an integer");
  return invitation;
}

/** The column values of an invitation, `$1`…`$11` in this order. */
function invitationParams(invitation: InvitationRecord): unknown[] {
  return [
    invitation.id,
    invitation.organizationId,
    invitation.kind,
    invitation.address,
    invitation.tokenHash,
    invitation.status,
    acceptedByOf(invitation),
    invitation.createdAt,
    invitation.expiresAt,
    invitation.version,
    JSON.stringify(invitation),
  ];
}

/** Builds the invitation repository over a context. */
export function createInvitationRepository(context: RepositoryContext): InvitationRepository {
  const { executor, tables, tenant: T } = context;
  const table = tables.invitations;

  return {
    get: (id) => getDocument<InvitationRecord>(context, "invitations.get", table, id),

    async getByTokenHash(tokenHash) {
      checkString(tokenHash, "tokenHash");
      const rows = await executor.rows<DocRow>("invitations.getByTokenHash", `SELECT doc FROM ${table} WHERE tenant_id = ${T} AND token_hash = $1`, [tokenHash]);
      return rows[0] === undefined ? null : readDocument<InvitationRecord>(rows[0].doc);
    },

    async findPending(organizationId, kind, address) {
      checkString(organizationId, "organizationId");
      checkString(kind, "kind");
      checkString(address, "address");
      const rows = await executor.rows<DocRow>(
        "invitations.findPending",
        `SELECT doc FROM ${table} WHERE tenant_id = ${T} AND organization_id = $1 AND kind = $2 AND address = $3 AND status = 'pending'`,
        [organizationId, kind, address]
      );
      return rows[0] === undefined ? null : readDocument<InvitationRecord>(rows[0].doc);
    },

    async insert(invitation) {
      checkInvitation(invitation);
      await executor.rows(
        "invitations.insert",
        `INSERT INTO ${table} (tenant_id, id, organization_id, kind, address, token_hash, status, accepted_by, created_at, expires_at, version, doc)
         VALUES (${T}, $1, $2, $3, $4, $5, $6, $7, $8::timestamptz, $9::timestamptz, $10, $11::json)`,
        invitationParams(invitation)
      );
    },

    async update(invitation, expectedVersion) {
      checkInvitation(invitation);
      if (!Number.isInteger(expectedVersion)) throw invalidArgument("expectedVersion", "must be an integer");
      await executor.atomic("invitations.update", async (tx) => {
        // Conditional on the version read: of two concurrent acceptances only one matches
        // (the other waits for the row, then fails to serialize, and its retry finds the new version).
        const updated = await tx.rows(
          "invitations.update",
          `UPDATE ${table} SET organization_id = $2, kind = $3, address = $4, token_hash = $5, status = $6, accepted_by = $7,
             created_at = $8::timestamptz, expires_at = $9::timestamptz, version = $10, doc = $11::json
           WHERE tenant_id = ${T} AND id = $1 AND version = $12 RETURNING id`,
          [...invitationParams(invitation), expectedVersion]
        );
        if (updated.length > 0) return;
        const current = await tx.rows<{ version: number }>("invitations.update", `SELECT version FROM ${table} WHERE tenant_id = ${T} AND id = $1`, [invitation.id]);
        const stored = current[0];
        if (stored === undefined) throw notFound("invitation", invitation.id);
        throw versionConflict("invitation", invitation.id, expectedVersion, Number(stored.version));
      });
    },

    async listByOrganization(organizationId, options) {
      checkString(organizationId, "organizationId");
      const { after, limit } = readKeyset(options);
      const status = options.status;
      if (status !== undefined && !(INVITATION_STATUSES as readonly unknown[]).includes(status)) throw invalidArgument("status", `must be one of ${INVITATION_STATUSES.join(", ")}`);
      const params = new Parameters();
      const conditions = [`tenant_id = ${T}`, `organization_id = ${params.add(organizationId)}`];
      if (status !== undefined) conditions.push(`status = ${params.add(status)}`);
      if (after !== null) conditions.push(`id > ${params.add(after)}`);
      const rows = await executor.rows<DocRow>(
        "invitations.listByOrganization",
        `SELECT doc FROM ${table} WHERE ${conditions.join(" AND ")} ORDER BY id LIMIT ${params.add(limit)}`,
        params.values
      );
      return docs(rows);
    },

    async deleteByAddress(kind, address) {
      checkString(kind, "kind");
      checkString(address, "address");
      const rows = await executor.rows("invitations.deleteByAddress", `DELETE FROM ${table} WHERE tenant_id = ${T} AND kind = $1 AND address = $2 RETURNING id`, [kind, address]);
      return rows.length;
    },

    async deleteAcceptedBy(userId) {
      checkString(userId, "userId");
      const rows = await executor.rows("invitations.deleteAcceptedBy", `DELETE FROM ${table} WHERE tenant_id = ${T} AND accepted_by = $1 RETURNING id`, [userId]);
      return rows.length;
    },

    async scan(options) {
      const { after, limit } = readKeyset(options);
      const params = new Parameters();
      const where = after === null ? `WHERE tenant_id = ${T}` : `WHERE tenant_id = ${T} AND id > ${params.add(after)}`;
      const rows = await executor.rows<DocRow>("invitations.scan", `SELECT doc FROM ${table} ${where} ORDER BY id LIMIT ${params.add(limit)}`, params.values);
      return docs(rows);
    },
  };
}
