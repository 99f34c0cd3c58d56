/**
 * Member rules in PostgreSQL, indexed by (kind, value) for matching; exclusive rules
 * are unique per (kind, value) by a partial unique index. Domain rules carry their value
 * with reversed labels (`zone`, for the rules at or under a domain) and whether they are
 * proven (unique per zone and tenant); challenges live in a table beside (migration 8).
 *
 * @module
 */
import type { DomainChallengeRecord, MemberRuleRecord } from "../../domain/membership/model.js";
import type { MemberRuleRepository } from "../../storage/ports.js";
import { OrgKitError } from "../../errors.js";
import type { RepositoryContext } from "./context.js";
import { checkString, invalidArgument, Parameters, readDocument, readKeyset } from "./sql.js";
import { reverseHost } from "./user-repository.js";

/** `zone` of a rule: a domain rule's value with its labels reversed; null for other kinds. */
const zoneOf = (rule: Pick<MemberRuleRecord, "kind" | "value">): string | null => (rule.kind === "domain" ? reverseHost(rule.value) : null);

/** The domain itself and each parent at a label boundary (`eu.acme.com`, `acme.com`, `com`), reversed as `zone` stores them. */
function zonesAtOrAbove(domain: string): string[] {
  const labels = domain.split(".");
  const zones: string[] = [];
  for (let i = 0; i < labels.length; i++) zones.push(labels.slice(i).reverse().join("."));
  return zones;
}

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
  const challenges = tables.memberRuleChallenges;

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
        `INSERT INTO ${table} (tenant_id, id, organization_id, kind, value, include_subdomains, exclusive, zone, proven, doc) VALUES (${T}, $1, $2, $3, $4, $5, $6, $7, $8, $9::json)`,
        [rule.id, rule.organizationId, rule.kind, rule.value, rule.includeSubdomains === true, rule.exclusive === true, zoneOf(rule), rule.kind === "domain" && rule.proof != null, JSON.stringify(rule)]
      );
    },

    async delete(id) {
      checkString(id, "id");
      // One statement, so a direct call is atomic too: the rule's challenge goes with it.
      const rows = await executor.rows(
        "rules.delete",
        `WITH challenge AS (DELETE FROM ${challenges} WHERE tenant_id = ${T} AND rule_id = $1)
         DELETE FROM ${table} WHERE tenant_id = ${T} AND id = $1 RETURNING id`,
        [id]
      );
      return rows.length > 0;
    },

    async findWithinDomain(domain, options) {
      checkString(domain, "domain");
      const { after, limit } = readKeyset(options);
      const provenOnly = (options as { provenOnly?: unknown }).provenOnly;
      if (provenOnly !== undefined && typeof provenOnly !== "boolean") throw invalidArgument("options.provenOnly", "must be a boolean");
      const params = new Parameters();
      const reversed = reverseHost(domain);
      // Every zone under "<reversed>" lies in ["<reversed>.", "<reversed>/") under byte order: an index range.
      const conditions = [
        `tenant_id = ${T}`,
        `zone IS NOT NULL`,
        `(zone = ${params.add(reversed)} OR (zone >= ${params.add(`${reversed}.`)} AND zone < ${params.add(`${reversed}/`)}))`,
      ];
      if (provenOnly === true) conditions.push("proven");
      if (after !== null) conditions.push(`id > ${params.add(after)}`);
      const rows = await executor.rows<DocRow>(
        "rules.findWithinDomain",
        `SELECT doc FROM ${table} WHERE ${conditions.join(" AND ")} ORDER BY id LIMIT ${params.add(limit)}`,
        params.values
      );
      return docs(rows);
    },

    async setProof(id, proof) {
      checkString(id, "id");
      if (proof !== null && (typeof proof !== "object" || typeof (proof as { method?: unknown }).method !== "string")) throw invalidArgument("proof", "must be a proof or null");
      // One SERIALIZABLE unit (the enclosing transaction, or a short one of its own): two
      // organizations proving nesting domains at the same moment cannot both pass the check.
      return executor.atomic("rules.setProof", async (tx) => {
        const found = await tx.rows<DocRow>("rules.setProof (read)", `SELECT doc FROM ${table} WHERE tenant_id = ${T} AND id = $1`, [id]);
        if (found[0] === undefined) return false;
        const rule = readDocument<MemberRuleRecord>(found[0].doc);
        if (rule.kind !== "domain") throw invalidArgument("id", `rule ${id} is a ${rule.kind} rule; only domain rules can be proven`);
        if (proof !== null) {
          const reversed = reverseHost(rule.value);
          const clash = await tx.rows<{ id: string; organization_id: string; value: string }>(
            "rules.setProof (nesting)",
            `SELECT id, organization_id, value FROM ${table}
              WHERE tenant_id = ${T} AND proven AND organization_id <> $1
                AND (zone = ANY($2::text[]) OR (zone >= $3 AND zone < $4))
              ORDER BY id LIMIT 1`,
            [rule.organizationId, zonesAtOrAbove(rule.value), `${reversed}.`, `${reversed}/`]
          );
          const other = clash[0];
          if (other !== undefined) {
            throw new OrgKitError("CONFLICT", `Organization ${other.organization_id} has proven the domain '${other.value}', which nests with '${rule.value}'`, {
              details: { reason: "unique", entity: "rule", field: "proof", id, value: rule.value, existingId: other.id, existingOrganizationId: other.organization_id },
            });
          }
        }
        const { proof: _, ...rest } = rule;
        const next: MemberRuleRecord = proof === null ? rest : { ...rest, proof };
        // A concurrent proof of the same domain fails on member_rules_proven_key: CONFLICT (reason "unique").
        await tx.rows("rules.setProof", `UPDATE ${table} SET proven = $2, doc = $3::json WHERE tenant_id = ${T} AND id = $1`, [id, proof !== null, JSON.stringify(next)]);
        return true;
      });
    },

    async getChallenge(ruleId) {
      checkString(ruleId, "ruleId");
      const rows = await executor.rows<DocRow>("rules.getChallenge", `SELECT doc FROM ${challenges} WHERE tenant_id = ${T} AND rule_id = $1`, [ruleId]);
      return rows[0] === undefined ? null : readDocument<DomainChallengeRecord>(rows[0].doc);
    },

    async putChallenge(challenge) {
      if (typeof challenge !== "object" || challenge === null) throw invalidArgument("challenge", "must be a challenge");
      for (const key of ["ruleId", "organizationId", "domain", "token", "issuedAt"] as const) checkString(challenge[key], `challenge.${key}`);
      // Only for a stored rule (of the same organization): the INSERT takes its values from the rule's row.
      const rows = await executor.rows(
        "rules.putChallenge",
        `INSERT INTO ${challenges} (tenant_id, rule_id, organization_id, token, issued_at, doc)
           SELECT ${T}, r.id, r.organization_id, $3, $4, $5::json FROM ${table} r WHERE r.tenant_id = ${T} AND r.id = $1 AND r.organization_id = $2
         ON CONFLICT (tenant_id, rule_id) DO UPDATE SET token = excluded.token, issued_at = excluded.issued_at, doc = excluded.doc
         RETURNING rule_id`,
        [challenge.ruleId, challenge.organizationId, challenge.token, challenge.issuedAt, JSON.stringify(challenge)]
      );
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
