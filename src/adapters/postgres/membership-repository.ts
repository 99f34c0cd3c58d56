/**
 * Memberships in PostgreSQL: one row per (user, organization), indexed by organization
 * and by the member rule that created it.
 *
 * @module
 */
import type { Membership } from "../../domain/membership/model.js";
import type { MembershipReassignment, MembershipRepository } from "../../storage/ports.js";
import { readReassignment, readSourceRules } from "../../storage/arguments.js";
import type { RepositoryContext } from "./context.js";
import { checkString, invalidArgument, Parameters, readDocument, readKeyset, splitCompositeKey } from "./sql.js";

type DocRow = { doc: unknown };
const docs = (rows: readonly DocRow[]): Membership[] => rows.map((row) => readDocument<Membership>(row.doc));

function checkMembership(membership: Membership): Membership {
  if (typeof membership !== "object" || membership === null) throw invalidArgument("membership", "must be a membership");
  checkString(membership.userId, "membership.userId");
  checkString(membership.organizationId, "membership.organizationId");
  if (typeof membership.source !== "object" || membership.source === null) throw invalidArgument("membership.source", "must be a source");
  return membership;
}

/** Builds the membership repository over a context. */
export function createMembershipRepository(context: RepositoryContext): MembershipRepository {
  const { executor, tables, tenant: T } = context;
  const table = tables.memberships;

  return {
    async get(userId, organizationId) {
      checkString(userId, "userId");
      checkString(organizationId, "organizationId");
      const rows = await executor.rows<DocRow>("memberships.get", `SELECT doc FROM ${table} WHERE tenant_id = ${T} AND user_id = $1 AND organization_id = $2`, [
        userId,
        organizationId,
      ]);
      return rows[0] === undefined ? null : readDocument<Membership>(rows[0].doc);
    },

    async listByUser(userId) {
      checkString(userId, "userId");
      const rows = await executor.rows<DocRow>("memberships.listByUser", `SELECT doc FROM ${table} WHERE tenant_id = ${T} AND user_id = $1 ORDER BY organization_id`, [userId]);
      return docs(rows);
    },

    async listByOrganization(organizationId, options) {
      checkString(organizationId, "organizationId");
      const { after, limit } = readKeyset(options);
      const params = new Parameters();
      const conditions = [`tenant_id = ${T}`, `organization_id = ${params.add(organizationId)}`];
      if (after !== null) conditions.push(`user_id > ${params.add(after)}`);
      const rows = await executor.rows<DocRow>(
        "memberships.listByOrganization",
        `SELECT doc FROM ${table} WHERE ${conditions.join(" AND ")} ORDER BY user_id LIMIT ${params.add(limit)}`,
        params.values
      );
      return docs(rows);
    },

    async listAdmins(organizationId, options) {
      checkString(organizationId, "organizationId");
      const { after, limit } = readKeyset(options);
      const params = new Parameters();
      // memberships_admin_idx (migration 8): the admins only, never the organization's other members.
      const conditions = [`tenant_id = ${T}`, `organization_id = ${params.add(organizationId)}`, "admin"];
      if (after !== null) conditions.push(`user_id > ${params.add(after)}`);
      const rows = await executor.rows<DocRow>(
        "memberships.listAdmins",
        `SELECT doc FROM ${table} WHERE ${conditions.join(" AND ")} ORDER BY user_id LIMIT ${params.add(limit)}`,
        params.values
      );
      return docs(rows);
    },

    async countByOrganization(organizationId) {
      checkString(organizationId, "organizationId");
      const rows = await executor.rows<{ total: unknown }>(
        "memberships.countByOrganization",
        `SELECT count(*) AS total FROM ${table} WHERE tenant_id = ${T} AND organization_id = $1`,
        [organizationId]
      );
      return Number(rows[0]?.total ?? 0);
    },

    async listBySourceRule(ruleId, options) {
      checkString(ruleId, "ruleId");
      const { after, limit } = readKeyset(options);
      const params = new Parameters();
      const conditions = [`tenant_id = ${T}`, `source_rule_id = ${params.add(ruleId)}`];
      if (after !== null) {
        const [organizationId, userId] = splitCompositeKey(after, "after");
        conditions.push(`(organization_id, user_id) > (${params.add(organizationId)}, ${params.add(userId)})`);
      }
      const rows = await executor.rows<DocRow>(
        "memberships.listBySourceRule",
        `SELECT doc FROM ${table} WHERE ${conditions.join(" AND ")} ORDER BY organization_id, user_id LIMIT ${params.add(limit)}`,
        params.values
      );
      return docs(rows);
    },

    async put(membership) {
      checkMembership(membership);
      const ruleId = membership.source.type === "rule" ? membership.source.ruleId : null;
      await executor.rows(
        "memberships.put",
        `INSERT INTO ${table} (tenant_id, user_id, organization_id, role, admin, source_type, source_rule_id, doc)
         VALUES (${T}, $1, $2, $3, $4, $5, $6, $7::json)
         ON CONFLICT (tenant_id, user_id, organization_id) DO UPDATE SET
           role = excluded.role, admin = excluded.admin, source_type = excluded.source_type,
           source_rule_id = excluded.source_rule_id, doc = excluded.doc`,
        [membership.userId, membership.organizationId, membership.role, membership.admin, membership.source.type, ruleId, JSON.stringify(membership)]
      );
    },

    async delete(userId, organizationId) {
      checkString(userId, "userId");
      checkString(organizationId, "organizationId");
      const rows = await executor.rows("memberships.delete", `DELETE FROM ${table} WHERE tenant_id = ${T} AND user_id = $1 AND organization_id = $2 RETURNING user_id`, [
        userId,
        organizationId,
      ]);
      return rows.length > 0;
    },

    async reassignOrganization(from, to, options) {
      const { after, limit, stamp: updatedAt } = readReassignment(from, to, options, "updatedAt");
      const sourceRules = readSourceRules(options.sourceRules);
      return executor.atomic("memberships.reassignOrganization", async (tx) => {
        // The page of `from`, each with the user's membership in `to` if there is one.
        const params = new Parameters();
        const conditions = [`f.tenant_id = ${T}`, `f.organization_id = ${params.add(from)}`];
        if (after !== null) conditions.push(`f.user_id > ${params.add(after)}`);
        const page = await tx.rows<{ doc: unknown; kept: unknown }>(
          "memberships.reassignOrganization",
          `SELECT f.doc, t.doc AS kept FROM ${table} f
             LEFT JOIN ${table} t ON t.tenant_id = ${T} AND t.user_id = f.user_id AND t.organization_id = ${params.add(to)}
            WHERE ${conditions.join(" AND ")} ORDER BY f.user_id LIMIT ${params.add(limit)}`,
          params.values
        );
        if (page.length === 0) return [];
        const out: MembershipReassignment[] = page.map((row) => {
          const previous = readDocument<Membership>(row.doc);
          if (row.kept !== null && row.kept !== undefined) return { previous, current: readDocument<Membership>(row.kept), kept: true };
          const replacement = previous.source.type === "rule" && Object.hasOwn(sourceRules, previous.source.ruleId) ? sourceRules[previous.source.ruleId] : undefined;
          const current: Membership = { ...previous, organizationId: to, updatedAt, ...(replacement !== undefined ? { source: { type: "rule", ruleId: replacement } as const } : {}) };
          return { previous, current, kept: false };
        });
        const moved = out.filter((m) => !m.kept).map((m) => m.current);
        // The page leaves `from`, then the moved rows arrive in `to` (documents as built here, stored
        // as written, as put's are). Two statements: some distributed engines refuse two changes
        // of one table in one statement.
        await tx.rows("memberships.reassignOrganization", `DELETE FROM ${table} WHERE tenant_id = ${T} AND organization_id = $1 AND user_id = ANY($2::text[])`, [
          from,
          out.map((m) => m.previous.userId),
        ]);
        if (moved.length > 0) {
          await tx.rows(
            "memberships.reassignOrganization",
            `INSERT INTO ${table} (tenant_id, user_id, organization_id, role, admin, source_type, source_rule_id, doc)
             SELECT ${T}, r->>'userId', r->>'organizationId', r->>'role', (r->>'admin')::boolean, r->'source'->>'type', r->'source'->>'ruleId', r
               FROM json_array_elements($1::json) AS e(r)`,
            [JSON.stringify(moved)]
          );
        }
        return out;
      });
    },

    async scan(options) {
      const { after, limit } = readKeyset(options);
      const params = new Parameters();
      let where = `WHERE tenant_id = ${T}`;
      if (after !== null) {
        const [userId, organizationId] = splitCompositeKey(after, "after");
        where += ` AND (user_id, organization_id) > (${params.add(userId)}, ${params.add(organizationId)})`;
      }
      const rows = await executor.rows<DocRow>(
        "memberships.scan",
        `SELECT doc FROM ${table} ${where} ORDER BY user_id, organization_id LIMIT ${params.add(limit)}`,
        params.values
      );
      return docs(rows);
    },
  };
}
