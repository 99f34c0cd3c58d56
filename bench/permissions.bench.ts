/**
 * Permission evaluators, side by side in one process with CASL (`@casl/ability`) and a
 * hand-written bitset baseline, on the same data:
 *
 * - usergroups: 200 permissions, 1,000 groups each granting ~10 of them, plus
 *   Everyone and Registered; 10,000 registered users each in 5 groups;
 * - state profiles: 100,000 organizations over the 7 non-empty state combinations,
 *   an agent whose profile allows a random subset of the 7 × 3 cells.
 *
 * "resolved": the subject (and organization) is looked up once before the loop;
 * "ById": every call passes plain ids. Run: `npx tsx bench/permissions.bench.ts`.
 */
import { createMongoAbility, subject as caslSubject, type MongoAbility } from "@casl/ability";
import { compilePolicy, type OrganizationAction, type PolicySnapshot } from "../src/permissions/index.js";
import { measure, report, rng } from "./harness.js";

const PERMISSIONS = 200;
const GROUPS = 1_000;
const PER_GROUP = 10;
const USERS = 10_000;
const GROUPS_PER_USER = 5;
const ORGANIZATIONS = 100_000;
const BATCH = 256;
const FLAGS = ["service", "outreach", "opportunities"] as const;
const ACTIONS: readonly OrganizationAction[] = ["read", "edit", "delete"];

const random = rng(20240501);
const pick = (n: number) => Math.floor(random() * n);
const permissionNames = Array.from({ length: PERMISSIONS }, (_, i) => `perm.${String(i).padStart(3, "0")}`);
const groupPermissions = (): string[] => [...new Set(Array.from({ length: PER_GROUP }, () => permissionNames[pick(PERMISSIONS)]!))];

// ---- data ---------------------------------------------------------------------------
const usergroups: { id: string; name: string; permissions: string[]; builtIn?: "everyone" | "registered" }[] = [
  { id: "everyone", name: "Everyone", permissions: groupPermissions(), builtIn: "everyone" },
  { id: "registered", name: "Registered", permissions: groupPermissions(), builtIn: "registered" },
];
for (let g = 0; g < GROUPS; g++) usergroups.push({ id: `g${g}`, name: `Group ${g}`, permissions: groupPermissions() });
const users = Array.from({ length: USERS }, (_, u) => ({
  id: `u${u}`,
  registered: true,
  usergroupIds: Array.from({ length: GROUPS_PER_USER }, () => `g${pick(GROUPS)}`),
}));
const combinations: string[][] = [];
for (let mask = 1; mask < 8; mask++) combinations.push(FLAGS.filter((_, i) => (mask & (1 << i)) !== 0));
const organizations = Array.from({ length: ORGANIZATIONS }, (_, o) => ({ id: `o${o}`, states: combinations[pick(7)]! }));
const cells: Record<string, OrganizationAction[]> = {};
for (const states of combinations) cells[states.join("+")] = ACTIONS.filter(() => random() < 0.5);
const agent = { id: "agent", kind: "agent" as const, registered: true, usergroupIds: [] as string[], profileId: "staff" };

const snapshot: PolicySnapshot = {
  schemaVersion: 1,
  version: 1,
  stateFlags: [...FLAGS],
  permissions: permissionNames,
  usergroups,
  profiles: [{ id: "staff", name: "Staff", add: true, organizations: cells }],
  organizations,
  users: [...users, agent],
};

const compileStart = performance.now();
const policy = compilePolicy(snapshot);
const compileMs = performance.now() - compileStart;
const uncached = compilePolicy(snapshot, { subjectCacheSize: 0 });

// Inputs shared by every contender: 256 permission names (some granted, some not), users, organizations.
const queryNames = Array.from({ length: 256 }, (_, i) => permissionNames[(i * 37) % PERMISSIONS]!);
const userIds = users.slice(0, 1_000).map((u) => u.id);
const user0 = users[0]!;
const orgIds = organizations.map((o) => o.id);

// ---- orgkit -------------------------------------------------------------------------
const me = policy.subject(user0.id);
const agentSubject = policy.subject(agent.id);
const orgHandles = orgIds.map((id) => policy.organization(id));
for (const id of userIds) policy.subject(id); // warm the subject cache as a service would be

const canResolved = measure((i) => {
  let n = 0;
  for (let k = 0; k < BATCH; k++) if (me.can(queryNames[(i + k) & 255]!)) n++;
  return n;
}, BATCH);

const canById = measure((i) => {
  let n = 0;
  for (let k = 0; k < BATCH; k++) if (policy.can(userIds[(i * BATCH + k) % 1_000]!, queryNames[(i + k) & 255]!)) n++;
  return n;
}, BATCH);

const stateResolved = measure((i) => {
  let n = 0;
  const base = i * BATCH;
  for (let k = 0; k < BATCH; k++) if (agentSubject.canOnOrganization(ACTIONS[(base + k) % 3]!, orgHandles[(base + k) % ORGANIZATIONS]!)) n++;
  return n;
}, BATCH);

const stateById = measure((i) => {
  let n = 0;
  const base = i * BATCH;
  for (let k = 0; k < BATCH; k++) if (policy.canOnOrganization(agent.id, ACTIONS[(base + k) % 3]!, orgIds[(base + k) % ORGANIZATIONS]!)) n++;
  return n;
}, BATCH);

const buildSubject = measure((i) => uncached.subject(userIds[i % 1_000]!).known);

// ---- CASL ---------------------------------------------------------------------------
// The natural CASL model: one rule per granted (permission, "Portal") pair of each of the user's groups.
const groupById = new Map(usergroups.map((g) => [g.id, g]));
const userGroups = [groupById.get("everyone")!, groupById.get("registered")!, ...user0.usergroupIds.map((id) => groupById.get(id)!)];
const caslUser: MongoAbility = createMongoAbility(userGroups.flatMap((g) => g.permissions.map((action) => ({ action, subject: "Portal" }))));
const caslCan = measure((i) => {
  let n = 0;
  for (let k = 0; k < BATCH; k++) if (caslUser.can(queryNames[(i + k) & 255]!, "Portal")) n++;
  return n;
}, BATCH);

// State profile as CASL rules: per action, the combinations allowed, matched on the organization's combination key.
const caslAgent: MongoAbility = createMongoAbility(
  ACTIONS.map((action) => ({
    action,
    subject: "Organization",
    conditions: { combination: { $in: Object.entries(cells).filter(([, actions]) => actions.includes(action)).map(([key]) => key) } },
  })),
);
const caslOrgs = organizations.map((o) => caslSubject("Organization", { id: o.id, combination: o.states.join("+") }));
const caslState = measure((i) => {
  let n = 0;
  const base = i * BATCH;
  for (let k = 0; k < BATCH; k++) if (caslAgent.can(ACTIONS[(base + k) % 3]!, caslOrgs[(base + k) % ORGANIZATIONS]!)) n++;
  return n;
}, BATCH);

// ---- hand-written bitset baseline ---------------------------------------------------
// What a careful engineer would write for one user by hand: name -> id map, one Uint32Array.
const baselineIndex = new Map(permissionNames.map((name, i) => [name, i]));
const baselineBits = new Uint32Array(Math.ceil(PERMISSIONS / 32));
for (const group of userGroups) for (const name of group.permissions) {
  const id = baselineIndex.get(name)!;
  baselineBits[id >>> 5]! |= 1 << (id & 31);
}
const bitsetBaseline = measure((i) => {
  let n = 0;
  for (let k = 0; k < BATCH; k++) {
    const id = baselineIndex.get(queryNames[(i + k) & 255]!);
    if (id !== undefined && (baselineBits[id >>> 5]! & (1 << (id & 31))) !== 0) n++;
  }
  return n;
}, BATCH);

// ---- sanity: every contender answers the same ---------------------------------------
for (const name of queryNames) {
  const id = baselineIndex.get(name)!;
  const expected = (baselineBits[id >>> 5]! & (1 << (id & 31))) !== 0;
  if (me.can(name) !== expected || caslUser.can(name, "Portal") !== expected || policy.can(user0.id, name) !== expected) {
    throw new Error(`contenders disagree on ${name}`);
  }
}
for (let o = 0; o < 1_000; o++) {
  for (const action of ACTIONS) {
    if (agentSubject.canOnOrganization(action, orgHandles[o]!) !== caslAgent.can(action, caslOrgs[o]!)) throw new Error(`state contenders disagree on o${o} ${action}`);
  }
}

report(
  "permissions",
  { canResolved, canById, stateResolved, stateById, buildSubject, caslCan, caslState, bitsetBaseline },
  {
    canResolvedVsCasl: canResolved / caslCan,
    stateResolvedVsCasl: stateResolved / caslState,
    canResolvedVsBitset: canResolved / bitsetBaseline,
  },
  { compileMs: Number(compileMs.toFixed(1)), users: USERS, organizations: ORGANIZATIONS, usergroups: GROUPS },
);
