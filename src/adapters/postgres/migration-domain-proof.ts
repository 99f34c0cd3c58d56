/**
 * Migration 8, domain proof: member rules get `zone` (a domain rule's value with its
 * labels reversed, so the rules at or under a domain are one index range) and `proven`,
 * with a unique index on proven zones per tenant (two organizations cannot prove the
 * same domain, even at the same moment); organization admins get a partial index
 * (affiliation looks up an organization's admins, never all its members); and the
 * challenges (each domain rule's token) get a table of their own, so that reading rules
 * never shows a token.
 *
 * @module
 */
import { tenantTableCreation, tenantTableShape } from "./migration-tenants.js";
import type { TableNames } from "./sql.js";

/** The statements of migration 8, for the layout in place (`partitions`: 0 for plain tables). */
export function domainProofStatements(t: TableNames, partitions: number): string[] {
  const key = `text COLLATE "C" NOT NULL`;
  const challenges = tenantTableShape(
    t.memberRuleChallenges,
    [["rule_id", key], ["organization_id", key], ["token", "text NOT NULL"], ["issued_at", "timestamptz NOT NULL"], ["doc", "json NOT NULL"]],
    ["CONSTRAINT member_rule_challenges_pkey PRIMARY KEY (tenant_id, rule_id)"],
  );
  return [
    `ALTER TABLE ${t.memberRules} ADD COLUMN zone text COLLATE "C"`,
    `ALTER TABLE ${t.memberRules} ADD COLUMN proven boolean NOT NULL DEFAULT false`,
    // The adapter writes zone for every new domain rule; this fills it in for those stored before.
    `UPDATE ${t.memberRules} SET zone = array_to_string(ARRAY(SELECT l.label FROM unnest(string_to_array(value, '.')) WITH ORDINALITY AS l(label, n) ORDER BY l.n DESC), '.')
      WHERE kind = 'domain'`,
    `CREATE INDEX member_rules_zone_idx ON ${t.memberRules} (tenant_id, zone, id) WHERE zone IS NOT NULL`,
    `CREATE UNIQUE INDEX member_rules_proven_key ON ${t.memberRules} (tenant_id, zone) WHERE proven`,
    `CREATE INDEX memberships_admin_idx ON ${t.memberships} (tenant_id, organization_id, user_id) WHERE admin`,
    ...tenantTableCreation(challenges, partitions),
  ];
}
