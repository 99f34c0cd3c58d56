/**
 * Read scopes as query filters: the host keeps its tickets (and a copy of its
 * organizations' states) in its own database, and asks `orgkit/permissions` for *which*
 * rows a subject may see instead of checking rows one by one — as CASL's `rulesToQuery`
 * turns rules into a query. `subject.ticketReadFilter()` and
 * `subject.organizationReadScope()` return plain data; the two functions below turn it
 * into a parameterized WHERE clause. Runs on PGlite (PostgreSQL in process):
 *
 *   npx tsx examples/ticket-filter.ts
 */
import assert from "node:assert/strict";
import { PGlite } from "@electric-sql/pglite";
// In an application: import { compilePolicy, ... } from "orgkit/permissions";
import { compilePolicy, type OrganizationReadScope, type PolicySnapshot, type TicketReadFilter } from "../src/permissions/index.js";

// ---- the reusable part: scopes to SQL ------------------------------------------------------

/** A parameterized SQL condition: `$n` placeholders numbered from the `first` given. */
interface SqlCondition {
  readonly where: string;
  readonly params: unknown[];
}

/**
 * The state combination key of `o.states`, as `stateCombinationKey(states, stateFlags)`
 * makes it: the flags present, in the configured order, joined by "+", or "none".
 * `flagsParam` is the placeholder bound to the policy's `stateFlags`.
 */
function combinationKeySql(flagsParam: string): string {
  return `COALESCE(NULLIF(array_to_string(ARRAY(SELECT f FROM unnest(${flagsParam}::text[]) WITH ORDINALITY AS x(f, i) WHERE f = ANY(o.states) ORDER BY i), '+'), ''), 'none')`;
}

/** The organizations (`organizations o`) a scope reads. Discontinued organizations need no condition of their own. */
function organizationScopeSql(scope: OrganizationReadScope, stateFlags: readonly string[], first = 1): SqlCondition {
  if (scope.all) return { where: "TRUE", params: [] };
  return {
    where: `o.id = ANY($${first}::text[]) OR ${combinationKeySql(`$${first + 2}`)} = ANY($${first + 1}::text[])`,
    params: [scope.organizationIds, scope.stateCombinations, stateFlags],
  };
}

/**
 * The tickets (`tickets t`) a filter shows. The states come from the host's
 * `organizations` table through EXISTS, so a ticket of an organization it does not hold
 * matches no combination (as `canViewTicket` denies an unknown organization); a LEFT
 * JOIN would read its missing states as "none".
 */
function ticketFilterSql(filter: TicketReadFilter, stateFlags: readonly string[], first = 1): SqlCondition {
  if (filter.all) return { where: "TRUE", params: [] };
  const p = (i: number) => `$${first + i}`;
  return {
    where: [
      `t.requester_id = ${p(0)}::text`,
      `t.organization_id = ANY(${p(1)}::text[])`,
      `(t.organization_id IS NULL AND ${p(2)}::boolean)`,
      `EXISTS (SELECT 1 FROM organizations o WHERE o.id = t.organization_id AND ${combinationKeySql(p(4))} = ANY(${p(3)}::text[]))`,
    ].join(" OR "),
    params: [filter.requesterId, filter.organizationIds, filter.withoutOrganization, filter.stateCombinations, stateFlags],
  };
}

// ---- the policy the host publishes ------------------------------------------------------------

const snapshot: PolicySnapshot = {
  schemaVersion: 1,
  version: 1,
  stateFlags: ["service", "outreach", "opportunities"],
  profiles: [{ id: "service-desk", name: "Service desk", organizations: { service: ["read", "edit"], "service+outreach": ["read"] } }],
  organizations: [
    { id: "acme", states: ["service"] },
    { id: "acme-east", parentId: "acme", states: ["outreach", "service"] },
    { id: "globex", states: ["opportunities"] },
    { id: "initech", states: ["service"], status: "discontinued" },
  ],
  users: [
    { id: "sam", kind: "agent", registered: true, profileId: "service-desk" },
    { id: "mia", registered: true },
    { id: "pete", registered: true },
    { id: "root", kind: "agent", platformRole: "admin" },
  ],
  memberships: [
    { userId: "mia", organizationId: "globex", role: "manager" },
    { userId: "pete", organizationId: "globex", role: "member" },
  ],
};
const policy = compilePolicy(snapshot);
const stateFlags = snapshot.stateFlags!;

// ---- the host's database ---------------------------------------------------------------------

const db = await PGlite.create();
try {
  // The host keeps its organizations' states in sync with the snapshot it publishes: the
  // filter compares combination keys computed from this column.
  await db.exec(`
    CREATE TABLE organizations (id text PRIMARY KEY, states text[] NOT NULL DEFAULT '{}');
    CREATE TABLE tickets (id text PRIMARY KEY, title text NOT NULL, requester_id text NOT NULL, organization_id text);
  `);
  for (const o of snapshot.organizations!) await db.query("INSERT INTO organizations (id, states) VALUES ($1, $2)", [o.id, o.states ?? []]);
  const tickets = [
    { id: "T1", title: "Printer down", requesterId: "pete", organizationId: "acme" },
    { id: "T2", title: "VPN for the east office", requesterId: "pete", organizationId: "acme-east" },
    { id: "T3", title: "Renewal quote", requesterId: "pete", organizationId: "globex" },
    { id: "T4", title: "Invoice copy", requesterId: "mia", organizationId: "globex" },
    { id: "T5", title: "Old contract", requesterId: "mia", organizationId: "initech" },
    { id: "T6", title: "Password reset", requesterId: "pete", organizationId: null },
    { id: "T7", title: "From a deleted tenant", requesterId: "ghost", organizationId: "umbrella" },
  ];
  for (const t of tickets) {
    await db.query("INSERT INTO tickets (id, title, requester_id, organization_id) VALUES ($1, $2, $3, $4)", [t.id, t.title, t.requesterId, t.organizationId]);
  }

  // ---- per request: one filter, one query --------------------------------------------------

  const expected: Record<string, string[]> = {
    sam: ["T1", "T2", "T5"], // profile reads "service" and "service+outreach" (initech is discontinued, still "service")
    mia: ["T3", "T4", "T5"], // manager of globex, and her own ticket in initech
    pete: ["T1", "T2", "T3", "T6"], // only the tickets he raised: a plain member does not see globex's tickets
    root: ["T1", "T2", "T3", "T4", "T5", "T6", "T7"], // platform admin
  };
  for (const [userId, ids] of Object.entries(expected)) {
    const subject = policy.subject(userId);
    const filter = subject.ticketReadFilter();
    const { where, params } = ticketFilterSql(filter, stateFlags);
    const { rows } = await db.query<{ id: string; title: string }>(`SELECT t.id, t.title FROM tickets t WHERE ${where} ORDER BY t.id`, params);
    console.log(`${userId.padEnd(4)} ${JSON.stringify(filter)}\n     sees ${rows.map((r) => `${r.id} ${r.title}`).join(" | ")}`);
    assert.deepEqual(rows.map((r) => r.id), ids);
    // The filter and the row-by-row check give the same answer.
    assert.deepEqual(rows.map((r) => r.id), tickets.filter((t) => subject.canViewTicket(t)).map((t) => t.id));
  }

  // The guest (and any unknown id) sees nothing: the filter matches no row.
  const guest = ticketFilterSql(policy.guest().ticketReadFilter(), stateFlags);
  assert.equal((await db.query(`SELECT 1 FROM tickets t WHERE ${guest.where}`, guest.params)).rows.length, 0);

  // The same for organizations: a picker that lists what the subject may open.
  for (const [userId, ids] of Object.entries({ sam: ["acme", "acme-east", "initech"], pete: ["globex"], root: ["acme", "acme-east", "globex", "initech"] })) {
    const subject = policy.subject(userId);
    const { where, params } = organizationScopeSql(subject.organizationReadScope(), stateFlags);
    const { rows } = await db.query<{ id: string }>(`SELECT o.id FROM organizations o WHERE ${where} ORDER BY o.id`, params);
    console.log(`${userId.padEnd(4)} reads organizations ${rows.map((r) => r.id).join(", ")}`);
    assert.deepEqual(rows.map((r) => r.id), ids);
    assert.deepEqual(rows.map((r) => r.id), snapshot.organizations!.map((o) => o.id).filter((id) => subject.canOnOrganization("read", id)));
  }
  console.log("ok");
} finally {
  await db.close();
}
