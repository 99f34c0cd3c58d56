/**
 * The live policy (issue 12): refreshing `kit.policy()` after one write, from the change
 * feed, against the full rebuild every write used to cost — side by side in one run on
 * 10,000 organizations and 50,000 users (memory storage); `kit.can` on a kit with a
 * listener (no storage round trip per call), users and permissions in random order; and,
 * when ORGKIT_PG_URL is set, the same data set on the server: rebuild against refresh,
 * `kit.can` with a listener against a query per call, and the time from a write's commit
 * on one kit to a check on a second kit (another pool, listening) reflecting it, over 200
 * writes.
 */
import pg from "pg";
import { createOrgKit, SYSTEM_ACTOR, type OrgKit } from "../src/index.js";
import { memoryStorage } from "../src/adapters/memory/index.js";
import { migrate, postgresStorage } from "../src/adapters/postgres/index.js";
import { buildMembership, buildOrganization, buildStaffProfile, buildUser, buildUsergroup } from "../src/testing/builders.js";
import { median, report, rng } from "./harness.js";
import type { Storage, StorageSession } from "../src/storage/index.js";

const ORGS = Number(process.env.BENCH_LIVE_ORGS ?? 10_000);
const USERS = Number(process.env.BENCH_LIVE_USERS ?? 50_000);
const GROUPS = 50;
const PERMISSIONS = 200;
const system = SYSTEM_ACTOR;
const random = rng(12);
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;

const orgIds = Array.from({ length: ORGS }, (_, i) => `o${i}`);
const userIds = Array.from({ length: USERS }, (_, i) => `u${i}`);
const permissions = Array.from({ length: PERMISSIONS }, (_, i) => `p${i}`);

/** The data set, written straight into storage (the bench is about the policy, not the writes). */
async function populate(storage: Storage, orgs: number, users: number): Promise<void> {
  const batch = async (items: number, write: (session: StorageSession, i: number) => Promise<void>) => {
    for (let start = 0; start < items; start += 500) {
      await storage.transaction(async (session) => {
        for (let i = start; i < Math.min(items, start + 500); i++) await write(session, i);
      });
    }
  };
  for (let g = 0; g < GROUPS; g++) {
    await storage.usergroups.insert(buildUsergroup({ id: `g${g}`, name: `Group ${g}`, permissions: Array.from({ length: 20 }, (_, k) => permissions[(g * 7 + k * 13) % PERMISSIONS]!) }));
  }
  await storage.profiles.insert(buildStaffProfile({ id: "agents", name: "Agents", grants: { add: false, organizations: { service: ["read", "edit"], none: ["read"] }, notes: {} } }));
  await batch(orgs, (session, i) =>
    session.organizations.insert(
      buildOrganization({ id: orgIds[i]!, name: `Organization ${i}`, states: i % 3 === 0 ? ["service"] : [], usergroupIds: i % 5 === 0 ? [`g${i % GROUPS}`] : [], ...(i >= 100 && i % 4 === 0 ? { parentId: orgIds[i % 100]! } : {}) }),
    ),
  );
  await batch(users, (session, i) =>
    session.users.insert(buildUser({ id: userIds[i]!, registered: true, kind: i % 50 === 0 ? "agent" : "user", profileId: i % 50 === 0 ? "agents" : null, usergroupIds: i % 7 === 0 ? [`g${i % GROUPS}`] : [] })),
  );
  await batch(users, (session, i) => session.memberships.put(buildMembership({ userId: userIds[i]!, organizationId: orgIds[i % orgs]!, role: "member", admin: i % 97 === 0 })));
}

/** One random write through `writer`: a membership added or removed, or an organization's states changed. */
async function randomWrite(writer: OrgKit, users: number, orgs: number): Promise<void> {
  const user = userIds[Math.floor(random() * users)]!;
  const org = orgIds[Math.floor(random() * orgs)]!;
  const r = random();
  if (r < 0.45) {
    if (await writer.memberships.get(system, user, org)) await writer.memberships.remove(system, user, org);
    else await writer.memberships.add(system, { userId: user, organizationId: org });
  } else if (r < 0.9) {
    await writer.memberships.remove(system, user, orgIds[Number(user.slice(1)) % orgs]!).catch(() => undefined);
    await writer.memberships.add(system, { userId: user, organizationId: orgIds[Number(user.slice(1)) % orgs]! }).catch(() => undefined);
  } else {
    await writer.organizations.update(system, org, { states: random() < 0.5 ? ["service"] : [] });
  }
}

// ---- 1. incremental refresh vs full rebuild, side by side ---------------------------------
const storage = memoryStorage();
let t0 = performance.now();
await populate(storage, ORGS, USERS);
console.log(`populated ${ORGS} organizations, ${USERS} users in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
const writer = createOrgKit({ storage });
const follower = createOrgKit({ storage });
await follower.policy();
const rebuildMs: number[] = [];
const incrementalMs: number[] = [];
for (let round = 0; round < 7; round++) {
  // A full rebuild: what every call paid after any write before (a fresh kit compiles the whole snapshot).
  const fresh = createOrgKit({ storage });
  t0 = performance.now();
  await fresh.policy();
  rebuildMs.push(performance.now() - t0);
  // Incremental: one write by another kit, then the follower's next call applies it.
  for (let i = 0; i < 30; i++) {
    await randomWrite(writer, USERS, ORGS);
    t0 = performance.now();
    const policy = await follower.policy();
    incrementalMs.push(performance.now() - t0);
    if (policy.version !== writer.revision()) throw new Error(`follower at ${policy.version}, writer at ${writer.revision()}`);
  }
}
const fullRebuildMs = median(rebuildMs);
const incrementalRefreshMs = median(incrementalMs);

// ---- 2. kit.can on a listening kit, random users and permissions --------------------------
const listener = await follower.changes.listen();
const askUsers = Array.from({ length: 100_000 }, () => pick(userIds));
const askPermissions = Array.from({ length: 100_000 }, () => pick(permissions));
const canRates: number[] = [];
for (let round = 0; round < 5; round++) {
  t0 = performance.now();
  for (let i = 0; i < askUsers.length; i++) await follower.can(askUsers[i]!, askPermissions[i]!);
  canRates.push(askUsers.length / ((performance.now() - t0) / 1000));
}
await listener.close();
const noListener = createOrgKit({ storage });
await noListener.policy();
const queryRates: number[] = [];
for (let round = 0; round < 5; round++) {
  t0 = performance.now();
  for (let i = 0; i < 20_000; i++) await noListener.can(askUsers[i]!, askPermissions[i]!);
  queryRates.push(20_000 / ((performance.now() - t0) / 1000));
}

// ---- 3. propagation between two kits on two pools (server) --------------------------------
const SERVER_URL = process.env["ORGKIT_PG_URL"];
let propagation: number[] = [];
const serverRebuildMs: number[] = [];
const serverIncrementalMs: number[] = [];
let serverQueryPerCall = 0;
let serverCanWarm = 0;
if (SERVER_URL) {
  const schema = `orgkit_bench_live_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Pool({ connectionString: SERVER_URL, max: 2 });
  const writePool = new pg.Pool({ connectionString: SERVER_URL, max: 4 });
  const readPool = new pg.Pool({ connectionString: SERVER_URL, max: 4 });
  try {
    await migrate(admin, { schema });
    const serverOrgs = ORGS;
    const serverUsers = USERS;
    let t1 = performance.now();
    await populate(postgresStorage({ client: admin, schema }), serverOrgs, serverUsers);
    console.log(`server: populated in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
    const serverWriter = createOrgKit({ storage: postgresStorage({ client: writePool, schema }) });
    const serverReader = createOrgKit({ storage: postgresStorage({ client: readPool, schema }) });
    await serverReader.policy();
    // The same comparison on the server: a fresh kit's full rebuild against the follower's refresh after one write.
    for (let round = 0; round < 3; round++) {
      const fresh = createOrgKit({ storage: postgresStorage({ client: readPool, schema }) });
      t1 = performance.now();
      await fresh.policy();
      serverRebuildMs.push(performance.now() - t1);
      for (let i = 0; i < 20; i++) {
        await randomWrite(serverWriter, serverUsers, serverOrgs);
        t1 = performance.now();
        await serverReader.policy();
        serverIncrementalMs.push(performance.now() - t1);
      }
    }
    // kit.can per call: one query for the latest revision without a listener, none with one.
    const askCount = 2_000;
    t1 = performance.now();
    for (let i = 0; i < askCount; i++) await serverReader.can(askUsers[i]!, askPermissions[i]!);
    serverQueryPerCall = askCount / ((performance.now() - t1) / 1000);
    const serverListener = await serverReader.changes.listen();
    await serverReader.can(askUsers[0]!, askPermissions[0]!);
    t1 = performance.now();
    for (let i = 0; i < askCount * 20; i++) await serverReader.can(askUsers[i]!, askPermissions[i]!);
    serverCanWarm = (askCount * 20) / ((performance.now() - t1) / 1000);
    for (let i = 0; i < 220; i++) {
      const user = userIds[Math.floor(random() * serverUsers)]!;
      const org = orgIds[Math.floor(random() * serverOrgs)]!;
      const member = (await serverWriter.memberships.get(system, user, org)) !== null;
      if (member) await serverWriter.memberships.remove(system, user, org);
      else await serverWriter.memberships.add(system, { userId: user, organizationId: org });
      const committed = performance.now();
      const target = serverWriter.revision();
      // Polls the reader's policy as a request handler would (no token): it sees the write once NOTIFY brought it.
      for (;;) {
        const policy = await serverReader.policy();
        if (policy.version >= target) break;
        await new Promise((resolve) => setImmediate(resolve));
      }
      if (i >= 20) propagation.push(performance.now() - committed); // the first 20 warm up
    }
    await serverListener.close();
  } finally {
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await Promise.all([admin.end(), writePool.end(), readPool.end()]);
  }
}
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

report(
  "live-policy",
  {
    canWarm: median(canRates),
    canQueryPerCall: median(queryRates),
    ...(SERVER_URL ? { serverCanWarm, serverCanQueryPerCall: serverQueryPerCall } : {}),
  },
  {
    fullRebuildVsIncremental: fullRebuildMs / incrementalRefreshMs,
    canWarmVsQueryPerCall: median(canRates) / median(queryRates),
    ...(SERVER_URL
      ? { serverFullRebuildVsIncremental: median(serverRebuildMs) / median(serverIncrementalMs), serverCanWarmVsQueryPerCall: serverCanWarm / serverQueryPerCall }
      : {}),
  },
  {
    fullRebuildMs: Number(fullRebuildMs.toFixed(1)),
    ...(SERVER_URL ? { serverFullRebuildMs: Number(median(serverRebuildMs).toFixed(1)), serverIncrementalRefreshMs: Number(median(serverIncrementalMs).toFixed(3)) } : {}),
    incrementalRefreshMs: Number(incrementalRefreshMs.toFixed(3)),
    propagationMsP50: propagation.length > 0 ? Number(percentile(propagation, 50).toFixed(2)) : null,
    propagationMsP99: propagation.length > 0 ? Number(percentile(propagation, 99).toFixed(2)) : null,
    propagationWrites: propagation.length,
    server: SERVER_URL !== undefined,
    organizations: ORGS,
    users: USERS,
  },
);
