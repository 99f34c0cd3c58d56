/**
 * Member rules in PostgreSQL, indexed by (kind, value) for matching; exclusive rules
 * are unique per (kind, value) by a partial unique index.
 *
 * @module
 */
import type { MemberRuleRecord } from "../../domain/membership/model.js";
import type { MemberRuleRepository } from "../../storage/ports.js";
import type { RepositoryContext } from "./context.js";
import { checkString, invalidArgument, Parameters, readDocument, readKeyset } from "./sql.js";

type DocRow = { doc: unknown };
const docs = (rows: readonly DocRow[]): MemberRuleRecord[] => rows.map((row) => readDocument<MemberRuleRecord>(row.doc));

function checkRule(rule: MemberRuleRecord): MemberRuleRecord {
  if (typeof rule !== "object" || rule === null) throw invalidArgument("rule", "must be a member rule");
  checkString(rule.id, "rule.id");
  checkString(rule.organizationId, "rule.organizationId");
  checkString(rule.kind, "rule.kind");
  checkString(rule.value, "rule.value");
  return rule;
}

/** Builds the member rule repository over a context. */
export function createMemberRuleRepository(context: RepositoryContext): MemberRuleRepository {
  const { executor, tables, tenant: T } = context;
  const table = tables.memberRules;

  return {
    async get(id) {
      checkString(id, "id");
      const rows = await executor.rows<DocRow>("rules.get", `SELECT doc FROM ${table} WHERE tenant_id = ${T} AND id = $1`, [id]);
      return rows[0] === undefined ? null : readDocument<MemberRuleRecord>(rows[0].doc);
    },

    async insert(rule) {
      checkRule(rule);
      // A second exclusive claim of the same (kind, value) fails on member_rules_exclusive_key,
      // also when both claims run at the same moment: CONFLICT (reason "unique").
      await executor.rows(
        "rules.insert",
        `INSERT INTO ${table} (tenant_id, id, organization_id, kind, value, include_subdomains, exclusive, doc) VALUES (${T}, $1, $2, $3, $4, $5, $6, $7::json)`,
        [rule.id, rule.organizationId, rule.kind, rule.value, rule.includeSubdomains === true, rule.exclusive === true, JSON.stringify(rule)]
      );
    },

    async delete(id) {
      checkString(id, "id");
      const rows = await executor.rows("rules.delete", `DELETE FROM ${table} WHERE tenant_id = ${T} AND id = $1 RETURNING id`, [id]);
      return rows.length > 0;
    },

    async findByKeys(keys) {
      if (!Array.isArray(keys)) throw invalidArgument("keys", "must be an array of { kind, value }");
      const kinds: string[] = [];
      const values: string[] = [];
      keys.forEach((key, i) => {
        if (typeof key !== "object" || key === null) throw invalidArgument(`keys.${i}`, "must be { kind, value }");
        kinds.push(checkString(key.kind, `keys.${i}.kind`));
        values.push(checkString(key.value, `keys.${i}.value`));
      });
      if (kinds.length === 0) return [];
      const rows = await executor.rows<DocRow>(
        "rules.findByKeys",
        `SELECT doc FROM ${table} WHERE tenant_id = ${T} AND (kind, value) IN (SELECT k.kind, k.value FROM unnest($1::text[], $2::text[]) AS k(kind, value)) ORDER BY id`,
        [kinds, values]
      );
      return docs(rows);
    },

    async listByOrganization(organizationId) {
      checkString(organizationId, "organizationId");
      const rows = await executor.rows<DocRow>("rules.listByOrganization", `SELECT doc FROM ${table} WHERE tenant_id = ${T} AND organization_id = $1 ORDER BY id`, [organizationId]);
      return docs(rows);
    },

    async scan(options) {
      const { after, limit } = readKeyset(options);
      const params = new Parameters();
      const where = after === null ? `WHERE tenant_id = ${T}` : `WHERE tenant_id = ${T} AND id > ${params.add(after)}`;
      const rows = await executor.rows<DocRow>("rules.scan", `SELECT doc FROM ${table} ${where} ORDER BY id LIMIT ${params.add(limit)}`, params.values);
      return docs(rows);
    },
  };
}
