/**
 * `subject.ticketReadFilter()` as a SQL WHERE clause on a host's own tables, on PGlite:
 * for random policies and every subject, the query returns exactly the tickets
 * `canViewTicket` allows. The SQL is the one docs/permissions.md and
 * examples/ticket-filter.ts give a host; the state combination key is computed in SQL
 * from the host's `organizations.states`, in the configured flag order.
 */
import { PGlite } from "@electric-sql/pglite";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compilePolicy, type PolicySnapshot, type Subject, type TicketReadFilter } from "../../src/permissions/index.js";
import { FLAGS, ORG_IDS, USER_IDS, cascadeSnapshotArb, snapshotArb } from "./arbitraries.js";

/**
 * A host's WHERE clause for `tickets t` (needs `organizations(id, states text[])`):
 * the same text for every subject but platform admins, with parameters `$first…$first+4`.
 */
function ticketFilterSql(filter: TicketReadFilter, stateFlags: readonly string[], first = 1): { where: string; params: unknown[] } {
  if (filter.all) return { where: "TRUE", params: [] };
  const [requester, managed, withoutOrganization, combinations, flags] = [0, 1, 2, 3, 4].map((i) => `$${first + i}`);
  // The canonical key: present flags in configured order joined by "+", or "none".
  const key = `COALESCE(NULLIF(array_to_string(ARRAY(SELECT f FROM unnest(${flags}::text[]) WITH ORDINALITY AS x(f, i) WHERE f = ANY(o.states) ORDER BY i), '+'), ''), 'none')`;
  return {
    where: [
      `t.requester_id = ${requester}::text`,
      `t.organization_id = ANY(${managed}::text[])`,
      `(t.organization_id IS NULL AND ${withoutOrganization}::boolean)`,
      // EXISTS, not LEFT JOIN: an organization the host does not hold matches no combination.
      `EXISTS (SELECT 1 FROM organizations o WHERE o.id = t.organization_id AND ${key} = ANY(${combinations}::text[]))`,
    ].join("\n   OR "),
    params: [filter.requesterId, filter.organizationIds, filter.withoutOrganization, filter.stateCombinations, stateFlags],
  };
}

const TICKETS = [...USER_IDS, "nobody"].flatMap((requesterId) =>
  [null, ...ORG_IDS, "o-missing"].map((organizationId, i) => ({ id: `${requesterId}-${i}`, requesterId, organizationId })),
);

let db: PGlite;

beforeAll(async () => {
  db = await PGlite.create();
  await db.exec(`
    CREATE TABLE organizations (id text PRIMARY KEY, states text[] NOT NULL DEFAULT '{}');
    CREATE TABLE tickets (id text PRIMARY KEY, requester_id text NOT NULL, organization_id text);
  `);
  for (const t of TICKETS) await db.query("INSERT INTO tickets (id, requester_id, organization_id) VALUES ($1, $2, $3)", [t.id, t.requesterId, t.organizationId]);
});

afterAll(async () => {
  await db?.close();
});

async function visibleInSql(subject: Subject, flags: readonly string[]): Promise<string[]> {
  const { where, params } = ticketFilterSql(subject.ticketReadFilter(), flags);
  const result = await db.query<{ id: string }>(`SELECT t.id FROM tickets t WHERE ${where}`, params);
  return result.rows.map((r) => r.id).sort();
}

describe("ticketReadFilter as SQL (PGlite)", () => {
  it("selects exactly the tickets canViewTicket allows, for every subject of random policies (any flag order)", async () => {
    await fc.assert(
      // With cascading rules too (issue 16): the same SQL, the reached organizations listed in the filter.
      fc.asyncProperty(fc.oneof(snapshotArb, cascadeSnapshotArb), fc.shuffledSubarray([...FLAGS], { minLength: FLAGS.length }), async (generated, flags) => {
        const snapshot: PolicySnapshot = { ...generated, stateFlags: flags };
        const policy = compilePolicy(snapshot);
        await db.exec("DELETE FROM organizations");
        for (const o of snapshot.organizations ?? []) await db.query("INSERT INTO organizations (id, states) VALUES ($1, $2)", [o.id, o.states ?? []]);
        for (const subject of [...[...USER_IDS, "ghost"].map((id) => policy.subject(id)), policy.guest()]) {
          const expected = TICKETS.filter((t) => subject.canViewTicket(t)).map((t) => t.id).sort();
          expect({ subject: subject.id, visible: await visibleInSql(subject, flags) }).toEqual({ subject: subject.id, visible: expected });
        }
      }),
      { numRuns: 40 },
    );
  });

  it("computes the combination key in SQL as stateCombinationKey does (flag order, duplicates, foreign flags, none)", async () => {
    const flags = ["outreach", "service", "opportunities"];
    const rows = await db.query<{ key: string }>(
      `SELECT COALESCE(NULLIF(array_to_string(ARRAY(SELECT f FROM unnest($1::text[]) WITH ORDINALITY AS x(f, i) WHERE f = ANY(s.states) ORDER BY i), '+'), ''), 'none') AS key
       FROM (VALUES (1, ARRAY['service','outreach']), (2, ARRAY[]::text[]), (3, ARRAY['service','service','other']), (4, ARRAY['opportunities','outreach','service'])) AS s(n, states)
       ORDER BY n`,
      [flags],
    );
    expect(rows.rows.map((r) => r.key)).toEqual(["outreach+service", "none", "service", "outreach+service+opportunities"]);
  });
});
