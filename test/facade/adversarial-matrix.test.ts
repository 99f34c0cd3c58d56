/**
 * Issue 11, "one decision path": an adversarial matrix of actors × use cases × targets.
 * Every public facade method that takes an actor is called by every kind of actor on
 * every kind of target organization, and must be authorized exactly as the evaluator
 * (`policy.check` on `await kit.policy()`, taken before the call) decides the equivalent
 * request(s) of the table in `use-case-requests.ts`: a write happens exactly when they are
 * allowed (else `FORBIDDEN`, or `PARENT_NOT_FOUND` where the facade hides an organization,
 * and nothing is written); a read returns exactly the data they allow.
 *
 * One world per storage: each allowed write is undone by the system actor, and the
 * world's authorization-relevant facts are checked to be back as they were. Runs on
 * memory and PGlite.
 */
import { describe, expect, it } from "vitest";
import { createOrgKit, SYSTEM_ACTOR, type OrgKit } from "../../src/index.js";
import { createTestClock } from "../../src/testing/test-clock.js";
import { createTestIds } from "../../src/testing/test-ids.js";
import { storageTargets } from "./storage-targets.js";
import { canonical, playCell, USE_CASES, World, type Cell, type CellResult, type Facts, type UseCase } from "./use-case-requests.js";

const system = SYSTEM_ACTOR;
const targets = storageTargets();

/** Target relations, seen from the "own" organization. */
const TARGETS = ["own", "child", "parent", "sibling", "unrelated", "discontinued"] as const;

/**
 * State flags per organization, so that each staff profile reaches a different set:
 * read-only reads own and discontinued; read+edit edits own, child and discontinued and
 * reads unrelated; full deletes all but child (read only) and may add.
 */
const ORGANIZATIONS = [
  { id: "parent", name: "Parent Heron", states: ["service", "outreach"], parentId: null, allowedRoles: ["member"] },
  { id: "own", name: "Own Kestrel", states: ["service"], parentId: "parent", allowedRoles: ["member", "technician"] },
  { id: "child", name: "Child Osprey", states: ["outreach"], parentId: "own", allowedRoles: ["member", "technician", "manager"] },
  { id: "sibling", name: "Sibling Plover", states: ["opportunities"], parentId: "parent", allowedRoles: ["member", "technician"] },
  { id: "unrelated", name: "Unrelated Wren", states: [], parentId: null, allowedRoles: ["member", "technician"] },
  { id: "discontinued", name: "Discontinued Tern", states: ["service"], parentId: null, allowedRoles: ["member", "technician"] },
  // Where `setParent[org → anchor]` moves a target, and what `setParent[mover → org]` moves under one.
  { id: "anchor", name: "Anchor Finch", states: ["service"], parentId: null, allowedRoles: ["member"] },
  { id: "mover", name: "Mover Swift", states: ["service"], parentId: null, allowedRoles: ["member"] },
] as const;

type Action = "read" | "edit" | "delete";
const PROFILES: readonly { id: string; name: string; add: boolean; organizations: Record<string, Action[]> }[] = [
  { id: "p-read", name: "Read one combination", add: false, organizations: { service: ["read"] } },
  { id: "p-edit", name: "Read and edit", add: false, organizations: { service: ["read", "edit"], outreach: ["read", "edit"], none: ["read"] } },
  {
    id: "p-full",
    name: "Everything",
    add: true,
    organizations: {
      service: ["read", "edit", "delete"],
      "service+outreach": ["read", "edit", "delete"],
      outreach: ["read"],
      opportunities: ["read", "edit", "delete"],
      none: ["read", "edit", "delete"],
    },
  },
  // Edit and delete without read: a profile the evaluator allows (each action is its own bit).
  { id: "p-blind", name: "Edit and delete, no read", add: false, organizations: { opportunities: ["edit", "delete"], outreach: ["delete"] } },
  { id: "p-spare", name: "Unused", add: false, organizations: { none: ["read"] } },
];

/** The actors: [id, what it is]. */
const ACTORS = [
  ["sa", "super admin"],
  ["adm", "admin"],
  ["agent-none", "agent without profile"],
  ["agent-read", "agent, read on service only"],
  ["agent-edit", "agent, read+edit"],
  ["agent-full", "agent, read+edit+delete+add"],
  ["agent-blind", "agent, edit+delete without read"],
  ["orgadmin", "org admin of own"],
  ["manager", "manager of own"],
  ["member", "plain member of own"],
  ["ghost", "unknown id"],
  ["dormant", "org admin + manager of the discontinued org"],
] as const;

async function buildWorld(kit: OrgKit): Promise<void> {
  await kit.usergroups.create(system, { id: "ug-org", name: "Organization group", permissions: ["portal.use"] });
  await kit.usergroups.create(system, { id: "ug-spare", name: "Spare group", permissions: ["kb.read"] });
  for (const p of PROFILES) {
    await kit.profiles.create(system, { id: p.id, name: p.name, add: p.add, organizations: p.organizations });
  }
  for (const o of ORGANIZATIONS) {
    await kit.organizations.create(system, {
      id: o.id,
      name: o.name,
      externalId: `xo-${o.id}`,
      states: [...o.states],
      ...(o.parentId ? { parentId: o.parentId } : {}),
      allowedRoles: [...o.allowedRoles],
      usergroupIds: o.id === "discontinued" ? [] : ["ug-org"],
    });
  }
  await kit.users.upsert(system, { id: "sa", kind: "agent", platformRole: "super_admin", registered: true });
  await kit.users.upsert(system, { id: "adm", kind: "agent", platformRole: "admin", registered: true });
  await kit.users.upsert(system, { id: "agent-none", kind: "agent", registered: true });
  await kit.users.upsert(system, { id: "agent-read", kind: "agent", profileId: "p-read", registered: true });
  await kit.users.upsert(system, { id: "agent-edit", kind: "agent", profileId: "p-edit", registered: true });
  await kit.users.upsert(system, { id: "agent-full", kind: "agent", profileId: "p-full", registered: true });
  await kit.users.upsert(system, { id: "agent-blind", kind: "agent", profileId: "p-blind", registered: true });
  for (const id of ["orgadmin", "manager", "member", "dormant", "free"]) await kit.users.upsert(system, { id, registered: true });
  await kit.memberships.add(system, { userId: "orgadmin", organizationId: "own", admin: true });
  await kit.memberships.add(system, { userId: "manager", organizationId: "own", role: "manager" });
  await kit.memberships.add(system, { userId: "member", organizationId: "own" });
  await kit.memberships.add(system, { userId: "dormant", organizationId: "discontinued", role: "manager", admin: true });
  for (const org of TARGETS) {
    await kit.users.upsert(system, { id: `t-${org}`, registered: false });
    await kit.memberships.add(system, { userId: `t-${org}`, organizationId: org });
    await kit.rules.add(system, org, { id: `rule-${org}`, kind: "domain", value: `${org}.example` });
    await kit.resources.assign(system, { kind: "asset", id: `a-${org}`, organizationId: org });
  }
  await kit.organizations.discontinue(system, "discontinued");
}

function cellFor(actor: string, org: string, fresh: string): Cell {
  return {
    actor,
    org,
    user: `t-${org}`,
    outsider: "free",
    rule: `rule-${org}`,
    resource: { kind: "asset", id: `a-${org}` },
    anchor: "anchor",
    mover: "mover",
    usergroup: "ug-org",
    spareUsergroup: "ug-spare",
    spareProfile: "p-spare",
    claimedDomain: "sibling.example",
    fresh,
  };
}

const BASE_ORGS = new Set<string>(ORGANIZATIONS.map((o) => o.id));
const BASE_USERS = new Set<string>([...ACTORS.map(([id]) => id), "free", ...TARGETS.map((o) => `t-${o}`)]);

/** What authorization depends on, for the base world: must be back after every undo. */
function fingerprint(f: Facts): string {
  return canonical({
    organizations: [...f.organizations.values()]
      .filter((o) => BASE_ORGS.has(o.id))
      .map((o) => [o.id, o.name, o.parentId, o.status, o.states, o.usergroupIds, o.allowedRoles]),
    users: [...f.users.values()].filter((u) => BASE_USERS.has(u.id)).map((u) => [u.id, u.kind, u.platformRole, u.profileId, u.registered, u.usergroupIds, u.verifiedEmails]),
    memberships: f.memberships.filter((m) => BASE_USERS.has(m.userId)).map((m) => [m.userId, m.organizationId, m.role, m.admin]),
    rules: f.rules.filter((r) => BASE_ORGS.has(r.organizationId)).map((r) => [r.id, r.organizationId, r.value]),
    resources: f.resources.filter((r) => r.id.startsWith("a-")).map((r) => [r.kind, r.id, r.organizationId]),
    usergroups: f.usergroups.map((g) => g.id),
    profiles: f.profiles.map((p) => [p.id, p.grants]),
  });
}

/** Reads first, then writes: a read never changes the world, and each write is undone. */
const order = (u: UseCase) => (u.kind === "write" ? 1 : 0);

function describeCell(r: CellResult): string {
  const actor = ACTORS.find(([id]) => id === r.cell.actor)?.[1] ?? r.cell.actor;
  return `${r.useCase} by ${r.cell.actor} (${actor}) on ${r.cell.org}: facade ${r.facade}, evaluator ${r.evaluator ? "allows" : "denies"}`;
}

describe.each(targets)("adversarial matrix on $name", ({ name, storage: makeStorage }) => {
  it("every use case, by every kind of actor, on every kind of target, is authorized as the evaluator decides", async () => {
    const started = Date.now();
    const storage = await makeStorage();
    const kit = createOrgKit({ storage, clock: createTestClock().now, ids: createTestIds() });
    await buildWorld(kit);
    const world = new World(kit, storage);
    const baseline = fingerprint(await world.facts());
    const useCases = [...USE_CASES].sort((a, b) => order(a) - order(b));
    const targeted = useCases.filter((u) => !u.untargeted).length;
    const untargeted = useCases.length - targeted;

    const results: CellResult[] = [];
    const drift: string[] = [];
    let fresh = 0;
    for (const [actor] of ACTORS) {
      for (const useCase of useCases) {
        for (const org of useCase.untargeted ? (["own"] as const) : TARGETS) {
          const result = await playCell(world, useCase, cellFor(actor, org, `${++fresh}`), { restore: true });
          results.push(result);
          if (useCase.kind === "write" && result.facade === "allowed" && fingerprint(await world.facts()) !== baseline) {
            drift.push(`${describeCell(result)}: the undo left the world changed`);
            break;
          }
        }
      }
    }

    const having = (...verdicts: CellResult["verdict"][]) => results.filter((r) => verdicts.includes(r.verdict));
    const wrongAllows = having("wrong-allow");
    const wrongDenials = having("wrong-denial");
    const domainRefusals = results.filter((r) => r.evaluator && r.domain !== null && r.verdict === "ok" && r.facade !== "allowed");
    console.log(
      `adversarial matrix on ${name}: ${results.length} cells (${ACTORS.length} actors × (${targeted} use cases × ${TARGETS.length} targets + ${untargeted} untargeted use cases)), ` +
        `wrong allows ${wrongAllows.length}, wrong denials ${wrongDenials.length}, ` +
        `refusals that wrote ${having("wrote-on-refusal").length}, unlisted refusal codes ${having("wrong-code").length}, ` +
        `domain errors before authorization ${having("domain-first").length}, table precondition mismatches ${having("precondition-mismatch").length}, ` +
        `domain refusals of authorized calls ${domainRefusals.length}, allowed ${results.filter((r) => r.facade === "allowed" || r.facade === "data").length}, ` +
        `${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    const unreadable = results.filter((r) => r.returnedUnreadable !== undefined);
    console.log(`  allowed writes that answered with an organization the actor may not read: ${unreadable.length}`);
    for (const r of unreadable) console.log(`    ${describeCell(r)} → returned ${r.returnedUnreadable}`);
    for (const r of having("domain-first")) console.log(`  domain error before authorization: ${describeCell(r)}`);

    // One assertion, so that every kind of disagreement shows at once.
    expect({
      undoDrift: drift,
      wrongAllows: wrongAllows.map(describeCell),
      refusalsThatWrote: having("wrote-on-refusal").map(describeCell),
      unlistedRefusalCodes: having("wrong-code").map(describeCell),
      tablePreconditionMismatches: having("precondition-mismatch").map(describeCell),
      // A refusal must not depend on (or reveal) the state of things: permission requests come first.
      domainErrorsBeforeAuthorization: having("domain-first").map(describeCell),
      wrongDenials: wrongDenials.map(describeCell),
    }).toEqual({
      undoDrift: [],
      wrongAllows: [],
      refusalsThatWrote: [],
      unlistedRefusalCodes: [],
      tablePreconditionMismatches: [],
      domainErrorsBeforeAuthorization: [],
      wrongDenials: [],
    });
  }, 180_000);
});
