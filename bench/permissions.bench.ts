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
 * "ById": every call passes plain ids, users and organizations in sequence.
 *
 * Random order (issue 12): a service is asked about (user, permission) and (action,
 * organization) pairs in no particular order, which the sequential cases hide (asked in
 * sequence, the next organization's entries are likely in cache already). These cases
 * read pre-generated random indices and run side by side, round by round, with a
 * hand-written baseline that does the same look-ups (id to record, name to bit):
 *
 * - `canByIdRandom` / `bitsetById`: `policy.can(userId, permission)` over 1,000 users
 *   × 200 permissions, against a `Map<userId, Uint32Array>` and a name → bit `Map`;
 * - `stateByIdRandom` / `bitmaskById`: `policy.canOnOrganization(agentId, action, orgId)`
 *   over 100,000 organizations and the 3 actions, against a `Map<orgId, stateMask>` and
 *   the profile's cells (edit and delete need read, as in the evaluator);
 * - `…Overlay`: the same questions to a policy derived by `withChanges` batches (a few
 *   hundred membership and organization changes) whose layered tables still hold an
 *   overlay, as a long-running service's policy usually does.
 *
 * Cascades (issue 16): the same 100,000 organizations as a forest (10 roots, 10 children
 * each, four levels, leaves below), with a cascading `manager` role and cascading admins.
 * 2,048 random leaves are asked about, each by two users side by side, round by round:
 * one a manager and admin *of the leaf itself* (`direct…`), one a manager and admin of
 * the leaf's ancestor two or three levels up (`cascade…`); both also plain members of two
 * other random leaves. The same four checks each — read the organization, view a ticket
 * of it, access its asset, manage a plain member of it — by user id, in random order;
 * `…Mixed` cycles through all four. `cascadeVsDirect` is `cascadeMixed / directMixed`
 * (target ≥ 0.8: a cascade costs a binary search over the subject's few reach
 * intervals and one read of the numbering, no walk).
 *
 * Run: `npm run bench -- permissions` (or `npx tsx bench/permissions.bench.ts`).
 */
import { createMongoAbility, subject as caslSubject, type MongoAbility } from "@casl/ability";
import { compilePolicy, type OrganizationAction, type Policy, type PolicyChange, type PolicySnapshot } from "../src/permissions/index.js";
import { measure, median, report, rng } from "./harness.js";

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

// State profile as CASL rules: per action, the combinations allowed, matched on the organization's combination key
// (edit and delete need read too, as in the evaluator).
const caslAgent: MongoAbility = createMongoAbility(
  ACTIONS.map((action) => ({
    action,
    subject: "Organization",
    conditions: {
      combination: { $in: Object.entries(cells).filter(([, actions]) => actions.includes(action) && actions.includes("read")).map(([key]) => key) },
    },
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

// ---- random order (issue 12) ---------------------------------------------------------
// Indices drawn from their own generator, so the data above stays as it was.
const shuffled = rng(20261201);
const RANDOM = 1 << 20; // queries before the sequence repeats (tens of milliseconds of calls)
const RANDOM_MASK = RANDOM - 1;
const drawIndices = (n: number) => Int32Array.from({ length: RANDOM }, () => Math.floor(shuffled() * n));
const randomUsers = drawIndices(userIds.length);
const randomPermissions = drawIndices(PERMISSIONS);
const randomOrganizations = drawIndices(ORGANIZATIONS);
const randomActions = drawIndices(ACTIONS.length);

// A service's policy after a while: batches of membership and organization changes,
// fewer than the ~4·√n that merge a layered table's overlay into its base.
const changedOrganizations = new Map<string, string[]>();
const batches: PolicyChange[][] = [];
for (let b = 0; b < 3; b++) {
  const batch: PolicyChange[] = [];
  for (let c = 0; c < 100; c++) {
    batch.push({ type: "membership.set", membership: { userId: `u${Math.floor(shuffled() * USERS)}`, organizationId: `o${Math.floor(shuffled() * ORGANIZATIONS)}` } });
    const id = `o${Math.floor(shuffled() * ORGANIZATIONS)}`;
    const states = combinations[Math.floor(shuffled() * 7)]!;
    changedOrganizations.set(id, states);
    batch.push({ type: "organization.set", organization: { id, states } });
  }
  batches.push(batch);
}
const overlaid = batches.reduce<Policy>((p, batch) => p.withChanges(batch), policy);
const overlays = { users: overlaid.tables.users.overlaySize, organizations: overlaid.tables.organizations.overlaySize };
if (overlays.users === 0 || overlays.organizations === 0) throw new Error(`the overlay was merged: ${JSON.stringify(overlays)}`);
for (const id of userIds) overlaid.subject(id);

// Hand-written baselines: what a careful engineer would keep for these two questions.
const bitsetUsers = new Map<string, Uint32Array>();
for (const user of users.slice(0, userIds.length)) {
  const bits = new Uint32Array(Math.ceil(PERMISSIONS / 32));
  for (const groupId of ["everyone", "registered", ...user.usergroupIds]) for (const name of groupById.get(groupId)!.permissions) {
    const id = baselineIndex.get(name)!;
    bits[id >>> 5]! |= 1 << (id & 31);
  }
  bitsetUsers.set(user.id, bits);
}
const maskOf = (states: readonly string[]) => FLAGS.reduce((mask, flag, i) => (states.includes(flag) ? mask | (1 << i) : mask), 0);
const bitmaskOrganizations = new Map(organizations.map((o) => [o.id, maskOf(o.states)]));
const bitmaskCells = new Uint8Array(1 << FLAGS.length);
for (const states of combinations) bitmaskCells[maskOf(states)] = cells[states.join("+")]!.reduce((bits, action) => bits | (1 << ACTIONS.indexOf(action)), 0);
const bitmaskCan = (masks: ReadonlyMap<string, number>, action: OrganizationAction, organizationId: string): boolean => {
  const mask = masks.get(organizationId);
  if (mask === undefined) return false;
  const bit = action === "read" ? 1 : action === "edit" ? 2 : action === "delete" ? 4 : 0;
  const cell = bitmaskCells[mask]!;
  return (cell & bit) !== 0 && (cell & 1) !== 0; // edit and delete need read too
};

// One closure per contender, so none shares type feedback with another.
const randomCases = {
  canByIdRandom: (i: number) => {
    let n = 0;
    const base = (i * BATCH) & RANDOM_MASK;
    for (let k = base; k < base + BATCH; k++) if (policy.can(userIds[randomUsers[k]!]!, permissionNames[randomPermissions[k]!]!)) n++;
    return n;
  },
  canByIdOverlay: (i: number) => {
    let n = 0;
    const base = (i * BATCH) & RANDOM_MASK;
    for (let k = base; k < base + BATCH; k++) if (overlaid.can(userIds[randomUsers[k]!]!, permissionNames[randomPermissions[k]!]!)) n++;
    return n;
  },
  bitsetById: (i: number) => {
    let n = 0;
    const base = (i * BATCH) & RANDOM_MASK;
    for (let k = base; k < base + BATCH; k++) {
      const bits = bitsetUsers.get(userIds[randomUsers[k]!]!);
      const id = baselineIndex.get(permissionNames[randomPermissions[k]!]!);
      if (bits !== undefined && id !== undefined && (bits[id >>> 5]! & (1 << (id & 31))) !== 0) n++;
    }
    return n;
  },
  stateByIdRandom: (i: number) => {
    let n = 0;
    const base = (i * BATCH) & RANDOM_MASK;
    for (let k = base; k < base + BATCH; k++) if (policy.canOnOrganization(agent.id, ACTIONS[randomActions[k]!]!, orgIds[randomOrganizations[k]!]!)) n++;
    return n;
  },
  stateByIdOverlay: (i: number) => {
    let n = 0;
    const base = (i * BATCH) & RANDOM_MASK;
    for (let k = base; k < base + BATCH; k++) if (overlaid.canOnOrganization(agent.id, ACTIONS[randomActions[k]!]!, orgIds[randomOrganizations[k]!]!)) n++;
    return n;
  },
  bitmaskById: (i: number) => {
    let n = 0;
    const base = (i * BATCH) & RANDOM_MASK;
    for (let k = base; k < base + BATCH; k++) if (bitmaskCan(bitmaskOrganizations, ACTIONS[randomActions[k]!]!, orgIds[randomOrganizations[k]!]!)) n++;
    return n;
  },
};

// Sanity: the baselines answer exactly what the evaluator answers, with and without overlay.
const overlaidMasks = new Map(bitmaskOrganizations);
for (const [id, states] of changedOrganizations) overlaidMasks.set(id, maskOf(states));
for (const userId of userIds) {
  for (const name of permissionNames) {
    const id = baselineIndex.get(name)!;
    const expected = (bitsetUsers.get(userId)![id >>> 5]! & (1 << (id & 31))) !== 0;
    if (policy.can(userId, name) !== expected || overlaid.can(userId, name) !== expected) throw new Error(`bitset baseline disagrees on ${userId} ${name}`);
  }
}
for (const id of orgIds) {
  for (const action of ACTIONS) {
    if (policy.canOnOrganization(agent.id, action, id) !== bitmaskCan(bitmaskOrganizations, action, id)) throw new Error(`bitmask disagrees on ${id} ${action}`);
    if (overlaid.canOnOrganization(agent.id, action, id) !== bitmaskCan(overlaidMasks, action, id)) throw new Error(`bitmask disagrees on ${id} ${action} (overlay)`);
  }
}

/**
 * Measures every case once per round, in turn, and returns the median per case: the
 * machine's drift then falls on every contender alike, so their ratios hold.
 */
function sideBySide<K extends string>(cases: Record<K, (i: number) => unknown>, rounds = 7): Record<K, number> {
  const names = Object.keys(cases) as K[];
  const results = new Map<K, number[]>(names.map((name) => [name, []]));
  for (let r = 0; r < rounds; r++) {
    for (const name of names) results.get(name)!.push(measure(cases[name], BATCH, { rounds: 1, warmupMs: r === 0 ? 200 : 20 }));
  }
  return Object.fromEntries(names.map((name) => [name, median(results.get(name)!)])) as Record<K, number>;
}
const randomOrder = sideBySide(randomCases);

// ---- cascades (issue 16) -------------------------------------------------------------
const TARGETS = 2_048;
const cascading = rng(20260316);
// Heap-shaped forest: roots o0…o9, then the parent of o<i> is o<floor(i / 10) - 1>.
const parentOf = (i: number) => (i < 10 ? -1 : Math.floor(i / 10) - 1);
const depthOf = (i: number) => {
  let depth = 0;
  for (let at = parentOf(i); at >= 0; at = parentOf(at)) depth++;
  return depth;
};
const forest = organizations.map((o, i) => ({ ...o, parentId: parentOf(i) < 0 ? null : `o${parentOf(i)}`, allowedRoles: ["member"] }));
const leaves = Array.from({ length: ORGANIZATIONS }, (_, i) => i).filter((i) => depthOf(i) === 4);
const targetIndex = Array.from({ length: TARGETS }, () => leaves[Math.floor(cascading() * leaves.length)]!);
const ancestorAt = (i: number, up: number) => {
  let at = i;
  for (let k = 0; k < up; k++) at = parentOf(at);
  return at;
};
const cascadeUsers: { id: string }[] = [];
const cascadeMemberships: { userId: string; organizationId: string; role?: string; admin?: boolean }[] = [];
const cascadeResources: { kind: string; id: string; organizationId: string }[] = [];
const targetOrgIds: string[] = [];
const listed = new Set<string>(); // "user org" and "asset id" keys already listed
const addMembership = (membership: { userId: string; organizationId: string; role?: string; admin?: boolean }) => {
  const key = `${membership.userId} ${membership.organizationId}`;
  if (listed.has(key)) return;
  listed.add(key);
  cascadeMemberships.push(membership);
};
for (let k = 0; k < TARGETS; k++) {
  const leaf = targetIndex[k]!;
  const orgId = `o${leaf}`;
  targetOrgIds.push(orgId);
  const ancestor = ancestorAt(leaf, 2 + (k % 2)); // two or three levels up
  for (const [side, organizationId] of [["direct", orgId], ["cascade", `o${ancestor}`]] as const) {
    const userId = `${side}-${k}`;
    cascadeUsers.push({ id: userId });
    addMembership({ userId, organizationId, role: "manager", admin: true });
    for (let extra = 0; extra < 2; extra++) {
      const other = `o${leaves[Math.floor(cascading() * leaves.length)]!}`;
      if (other !== orgId) addMembership({ userId, organizationId: other });
    }
  }
  cascadeUsers.push({ id: `plain-${k}` });
  addMembership({ userId: `plain-${k}`, organizationId: orgId });
  if (!listed.has(`asset-${leaf}`)) {
    listed.add(`asset-${leaf}`);
    cascadeResources.push({ kind: "asset", id: `asset-${leaf}`, organizationId: orgId });
  }
}
const cascadeSnapshot: PolicySnapshot = {
  schemaVersion: 1,
  version: 1,
  stateFlags: [...FLAGS],
  organizations: forest,
  users: cascadeUsers,
  memberships: cascadeMemberships,
  resources: cascadeResources,
  roles: { manager: { seesOrganizationTickets: true, cascade: "descendants" } },
  admins: { cascade: "descendants" },
};
const cascadePolicy = compilePolicy(cascadeSnapshot);
const numberingStart = performance.now();
cascadePolicy.tables.tree.get();
const numberingMs = performance.now() - numberingStart;
for (const user of cascadeUsers) cascadePolicy.subject(user.id); // warm: resolved, reach built
const tickets = targetOrgIds.map((organizationId) => ({ requesterId: "someone", organizationId }));
const assets = targetIndex.map((leaf) => ({ kind: "asset", id: `asset-${leaf}` }));
const directIds = Array.from({ length: TARGETS }, (_, k) => `direct-${k}`);
const cascadeIds = Array.from({ length: TARGETS }, (_, k) => `cascade-${k}`);
const plainIds = Array.from({ length: TARGETS }, (_, k) => `plain-${k}`);
const randomTargets = drawIndices(TARGETS);
for (let k = 0; k < TARGETS; k++) {
  for (const userId of [directIds[k]!, cascadeIds[k]!]) {
    const p = cascadePolicy;
    if (!p.canOnOrganization(userId, "read", targetOrgIds[k]!) || !p.canViewTicket(userId, tickets[k]!) || !p.canAccessResource(userId, assets[k]!) || !p.canManageUser(userId, plainIds[k]!, targetOrgIds[k]!)) {
      throw new Error(`cascade bench: ${userId} is denied on ${targetOrgIds[k]}`);
    }
  }
}

/** The four checks, by the users of `ids`, about random targets; `which` picks one check, -1 cycles through all four. */
function cascadeCase(ids: readonly string[], which: number): (i: number) => number {
  const p = cascadePolicy;
  return (i) => {
    let n = 0;
    const base = (i * BATCH) & RANDOM_MASK;
    for (let k = base; k < base + BATCH; k++) {
      const t = randomTargets[k]!;
      const check = which < 0 ? k & 3 : which;
      const userId = ids[t]!;
      const ok =
        check === 0
          ? p.canOnOrganization(userId, "read", targetOrgIds[t]!)
          : check === 1
            ? p.canViewTicket(userId, tickets[t]!)
            : check === 2
              ? p.canAccessResource(userId, assets[t]!)
              : p.canManageUser(userId, plainIds[t]!, targetOrgIds[t]!);
      if (ok) n++;
    }
    return n;
  };
}
const cascadeOrder = sideBySide({
  directMixed: cascadeCase(directIds, -1),
  cascadeMixed: cascadeCase(cascadeIds, -1),
  directRead: cascadeCase(directIds, 0),
  cascadeRead: cascadeCase(cascadeIds, 0),
  directTicket: cascadeCase(directIds, 1),
  cascadeTicket: cascadeCase(cascadeIds, 1),
  directResource: cascadeCase(directIds, 2),
  cascadeResource: cascadeCase(cascadeIds, 2),
  directManage: cascadeCase(directIds, 3),
  cascadeManage: cascadeCase(cascadeIds, 3),
});
// What a move costs a cascading policy: a renumbering of the forest at the next cascaded check.
const moved = cascadePolicy.withChanges([{ type: "organization.set", organization: { ...forest[12_345]!, parentId: "o3" } }]);
const renumberStart = performance.now();
moved.tables.tree.get();
const renumberMs = performance.now() - renumberStart;
// An addition is derived from the numbering (array shifts), not renumbered.
const grown = cascadePolicy.withChanges([{ type: "organization.set", organization: { id: "o-new", parentId: "o5" } }]);
const derivedStart = performance.now();
grown.tables.tree.get();
const derivedAddMs = performance.now() - derivedStart;

report(
  "permissions",
  { canResolved, canById, stateResolved, stateById, buildSubject, caslCan, caslState, bitsetBaseline, ...randomOrder, ...cascadeOrder },
  {
    canResolvedVsCasl: canResolved / caslCan,
    stateResolvedVsCasl: stateResolved / caslState,
    canResolvedVsBitset: canResolved / bitsetBaseline,
    canByIdVsBitset: randomOrder.canByIdRandom / randomOrder.bitsetById,
    canByIdOverlayVsBitset: randomOrder.canByIdOverlay / randomOrder.bitsetById,
    stateByIdVsBitmask: randomOrder.stateByIdRandom / randomOrder.bitmaskById,
    stateByIdOverlayVsBitmask: randomOrder.stateByIdOverlay / randomOrder.bitmaskById,
    cascadeVsDirect: cascadeOrder.cascadeMixed / cascadeOrder.directMixed,
    cascadeVsDirectRead: cascadeOrder.cascadeRead / cascadeOrder.directRead,
    cascadeVsDirectTicket: cascadeOrder.cascadeTicket / cascadeOrder.directTicket,
    cascadeVsDirectResource: cascadeOrder.cascadeResource / cascadeOrder.directResource,
    cascadeVsDirectManage: cascadeOrder.cascadeManage / cascadeOrder.directManage,
  },
  {
    compileMs: Number(compileMs.toFixed(1)),
    users: USERS,
    organizations: ORGANIZATIONS,
    usergroups: GROUPS,
    overlay: `${overlays.users} users, ${overlays.organizations} organizations`,
    numberingMs: Number(numberingMs.toFixed(1)),
    renumberAfterMoveMs: Number(renumberMs.toFixed(1)),
    derivedAfterAddMs: Number(derivedAddMs.toFixed(2)),
  },
);
