/**
 * One configuration per store: the storage records the fingerprint of the configuration
 * that changes what its data means; a kit configured otherwise refuses every entry with
 * CONFIGURATION_MISMATCH (saying what differs), and `kit.configuration.adopt` changes the
 * recorded configuration on purpose, after checking that the stored data fits it. On
 * memory, PGlite and (with ORGKIT_PG_URL) the server.
 */
import { afterAll, describe, expect, it } from "vitest";
import pg from "pg";
import {
  createOrgKit,
  isOrgKitError,
  OrgKitError,
  SYSTEM_ACTOR,
  type ConfigurationDifference,
  type ConfigurationProblem,
  type OrgKit,
  type OrgKitConfigInput,
} from "../../src/index.js";
import { memoryStorage } from "../../src/adapters/memory/index.js";
import { migrate, postgresStorage } from "../../src/adapters/postgres/index.js";
import { createTestClock } from "../../src/testing/test-clock.js";
import { createTestIds } from "../../src/testing/test-ids.js";
import { randomSchema, SERVER_URL } from "../postgres/targets.js";
import { dumpThroughPorts, storageTargets } from "./storage-targets.js";
import { rejects } from "./setup.js";
import type { Storage, StorageSession } from "../../src/storage/index.js";

const system = SYSTEM_ACTOR;
const admin = { type: "user", id: "admin" } as const;
const superAdmin = { type: "user", id: "root" } as const;

function kitOn(storage: Storage, config: OrgKitConfigInput = {}): OrgKit {
  return createOrgKit({ storage, clock: createTestClock().now, ids: createTestIds(), config });
}

/** A kit with a platform admin `admin` and a super admin `root`. */
async function populated(storage: Storage, config: OrgKitConfigInput = {}): Promise<OrgKit> {
  const kit = kitOn(storage, config);
  await kit.users.upsert(system, { id: "admin", kind: "agent", platformRole: "admin", registered: true });
  await kit.users.upsert(system, { id: "root", kind: "agent", platformRole: "super_admin", registered: true });
  return kit;
}

/** Awaits a refusal with `CONFIGURATION_MISMATCH` and returns its differences. */
async function mismatch(promise: Promise<unknown>): Promise<ConfigurationDifference[]> {
  const error = await rejects(promise, "CONFIGURATION_MISMATCH");
  return error.details["differences"] as ConfigurationDifference[];
}

/** Awaits a refusal with `CONFIGURATION_INCOMPATIBLE` and returns its problems. */
async function incompatible(promise: Promise<unknown>): Promise<ConfigurationProblem[]> {
  const error = await rejects(promise, "CONFIGURATION_INCOMPATIBLE");
  return error.details["problems"] as ConfigurationProblem[];
}

/** The recorded fingerprint, read through the port. */
async function recorded(storage: Storage): Promise<string | null> {
  const setting = await storage.settings!.get("configuration");
  return setting === null ? null : (setting.value["fingerprint"] as string);
}

describe.each(storageTargets())("one configuration per store on $name", (target) => {
  let tenants = 0;
  let base: Promise<Storage> | undefined;
  /** A fresh, empty store: a new tenant of one storage per target. */
  const fresh = async (): Promise<Storage> => (await (base ??= target.storage())).forTenant!(`cfg-${++tenants}`);

  it("the first use records the kit's configuration; the same configuration matches afterwards, from any kit", async () => {
    const storage = await fresh();
    const kit = kitOn(storage, { membershipPolicy: "single" });
    expect(await recorded(storage)).toBeNull();
    expect(await kit.configuration.stored()).toBeNull();
    const first = await kit.ready();
    expect(first).toEqual({ status: "recorded", fingerprint: kit.configuration.fingerprint });
    expect(first.fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await recorded(storage)).toBe(kit.configuration.fingerprint);
    expect(await kit.ready()).toEqual({ status: "matched", fingerprint: kit.configuration.fingerprint });
    const stored = await kit.configuration.stored();
    expect(stored).toMatchObject({ fingerprint: kit.configuration.fingerprint, version: 1, differences: [] });
    expect(stored!.configuration).toEqual(kit.configuration.canonical);
    // Recording is not a use case: no event, no revision.
    expect(await storage.events.lastSequence()).toBe(0);
    expect(await storage.changes.latestRevision()).toBe(0);
    const other = kitOn(storage, { membershipPolicy: "single" });
    expect(await other.ready()).toMatchObject({ status: "matched" });
  });

  it("a use case is a first use too; a kit configured otherwise then refuses every entry, says what differs, and writes nothing", async () => {
    const storage = await fresh();
    const multiple = await populated(storage);
    const acme = await multiple.organizations.create(admin, { name: "Acme" });
    const globex = await multiple.organizations.create(admin, { name: "Globex" });
    await multiple.users.upsert(admin, { id: "ann" });
    await multiple.memberships.add(admin, { userId: "ann", organizationId: acme.id });
    const before = await dumpThroughPorts(storage);
    const revision = await storage.changes.latestRevision();

    const single = kitOn(storage, { membershipPolicy: "single" });
    const error = await rejects(single.memberships.add(admin, { userId: "ann", organizationId: globex.id }), "CONFIGURATION_MISMATCH");
    expect(error.details).toEqual({
      differences: [{ key: "membershipPolicy", stored: "multiple", kit: "single" }],
      storedFingerprint: multiple.configuration.fingerprint,
      kitFingerprint: single.configuration.fingerprint,
    });
    expect(error.message).toContain('membershipPolicy: stored "multiple", this kit "single"');
    expect(error.message).toContain("kit.configuration.adopt");

    const entries: [string, () => Promise<unknown>][] = [
      ["ready", () => single.ready()],
      ["organizations.create", () => single.organizations.create(admin, { name: "Initech" })],
      ["organizations.get", () => single.organizations.get(admin, acme.id)],
      ["organizations.search", () => single.organizations.search(admin, {})],
      ["organizations.import", () => single.organizations.import(admin, [{ externalId: "X", name: "X" }])],
      ["organizations.rollUp", () => single.organizations.rollUp(admin, acme.id)],
      ["users.upsert", () => single.users.upsert(system, { id: "bob" })],
      ["users.get", () => single.users.get(admin, "ann")],
      ["memberships.listByUser", () => single.memberships.listByUser(admin, "ann")],
      ["rules.add", () => single.rules.add(admin, acme.id, { kind: "domain", value: "acme.example" })],
      ["resources.assign", () => single.resources.assign(admin, { kind: "asset", id: "a1", organizationId: acme.id })],
      ["usergroups.list", () => single.usergroups.list(admin)],
      ["profiles.create", () => single.profiles.create(admin, { name: "Support", organizations: {} })],
      ["events.list", () => single.events.list(admin)],
      ["policy", () => single.policy()],
      ["can", () => single.can("ann", "portal.use")],
      ["explain", () => single.explain({ check: "canAdministerPlatform", subject: "admin" })],
      ["exportSnapshot", () => single.exportSnapshot()],
    ];
    for (const [name, call] of entries) {
      const refused = await call().then(
        () => null,
        (e: unknown) => e,
      );
      expect(isOrgKitError(refused, "CONFIGURATION_MISMATCH"), `${name}: ${String(refused)}`).toBe(true);
    }
    expect(await dumpThroughPorts(storage)).toBe(before);
    expect(await storage.changes.latestRevision()).toBe(revision);
    // The recorded configuration is unchanged, and its own kit goes on.
    expect(await recorded(storage)).toBe(multiple.configuration.fingerprint);
    await multiple.memberships.add(admin, { userId: "ann", organizationId: globex.id });
    expect(await multiple.memberships.listByUser(admin, "ann")).toHaveLength(2);
  });

  it("what does not change the meaning of stored data is not part of the fingerprint; sets are sets", async () => {
    const storage = await fresh();
    const base = kitOn(storage, {
      organizationTypes: ["customer", "partner", "oem"],
      states: ["service", "outreach"],
      customFields: [{ key: "tier", label: "Tier", type: "select", options: ["gold", "silver"] }],
      roles: { lead: { cascade: "descendants" } },
    });
    await base.ready();
    const same = kitOn(storage, {
      organizationTypes: ["customer", "oem", "partner"], // the first (default) type is the same
      states: ["outreach", "service"],
      customFields: [{ key: "tier", label: "Customer tier", type: "select", options: ["silver", "gold"], required: false }],
      roles: { lead: { cascade: "descendants", seesOrganizationTickets: false }, manager: {}, member: { seesOrganizationTickets: false } },
      admins: { cascade: "none" },
      allowFreeMail: ["gmail.com"],
      extraFreeMailDomains: ["mail.example"],
      changeFeedRetention: 10,
      maxStalenessMs: 0,
    });
    expect(same.configuration.fingerprint).toBe(base.configuration.fingerprint);
    expect(await same.ready()).toMatchObject({ status: "matched" });
  });

  it("every meaning-changing setting is compared, and each difference is listed with both values", async () => {
    const storage = await fresh();
    const base = kitOn(storage, { customFields: [{ key: "tier", type: "select", options: ["gold", "silver"] }, { key: "note", type: "text" }] });
    await base.ready();
    const other = kitOn(storage, {
      membershipPolicy: "single",
      organizationTypes: ["partner", "customer"],
      states: ["service"],
      customFields: [{ key: "tier", type: "select", options: ["gold"] }, { key: "region", type: "text", required: true }],
      identitiesVerifiedUpstream: true,
      lowercaseEmailLocalPart: false,
      defaultPhoneRegion: "GB",
      ruleConflict: "allow",
      maxDepth: 3,
      uniqueNames: false,
      roles: { manager: { cascade: "descendants" } },
      admins: { cascade: "descendants" },
    });
    const differences = await mismatch(other.ready());
    expect(differences).toEqual([
      { key: "admins.cascade", stored: "none", kit: "descendants" },
      { key: "customFields.note", stored: { type: "text", required: false } },
      { key: "customFields.region", kit: { type: "text", required: true } },
      { key: "customFields.tier.options", stored: ["gold", "silver"], kit: ["gold"] },
      { key: "defaultPhoneRegion", stored: "US", kit: "GB" },
      { key: "identitiesVerifiedUpstream", stored: false, kit: true },
      { key: "lowercaseEmailLocalPart", stored: true, kit: false },
      { key: "maxDepth", stored: null, kit: 3 },
      { key: "membershipPolicy", stored: "multiple", kit: "single" },
      { key: "organizationTypes.allowed", stored: ["customer", "distributor", "oem", "sales"], kit: ["customer", "partner"] },
      { key: "organizationTypes.default", stored: "customer", kit: "partner" },
      { key: "roles.manager", kit: { seesOrganizationTickets: true, cascade: "descendants" } },
      { key: "ruleConflict", stored: "reject", kit: "allow" },
      { key: "states", stored: ["opportunities", "outreach", "service"], kit: ["service"] },
      { key: "uniqueNames", stored: true, kit: false },
    ]);
    expect((await other.configuration.stored())!.differences).toEqual(differences);
  });

  it("two kits configured differently racing on an empty store: exactly one records, the other refuses", async () => {
    for (let round = 0; round < 3; round++) {
      const storage = await fresh();
      const kits = [kitOn(storage, { membershipPolicy: "single" }), kitOn(storage, { membershipPolicy: "multiple" })];
      const outcomes: PromiseSettledResult<unknown>[] = await Promise.allSettled(
        round === 0 ? kits.map((k) => k.ready()) : kits.map((k, i) => k.organizations.create(system, { name: `Org ${i}` })),
      );
      const fulfilled = outcomes.filter((o) => o.status === "fulfilled");
      expect(fulfilled).toHaveLength(1);
      const refused = outcomes.find((o) => o.status === "rejected") as PromiseRejectedResult;
      expect(isOrgKitError(refused.reason, "CONFIGURATION_MISMATCH"), String(refused.reason)).toBe(true);
      const winner = kits[outcomes.indexOf(fulfilled[0]!)]!;
      expect(await recorded(storage)).toBe(winner.configuration.fingerprint);
    }
  });

  it("adopt: only a super admin or the system actor may; it records the configuration and an audit event, and kits of the old one refuse", async () => {
    const storage = await fresh();
    const old = await populated(storage, { maxStalenessMs: 60_000 });
    const acme = await old.organizations.create(admin, { name: "Acme" });
    await old.users.upsert(admin, { id: "ann" });
    await old.memberships.add(admin, { userId: "ann", organizationId: acme.id });
    expect(await old.organizations.get(admin, acme.id)).not.toBeNull(); // a read that passed: reads skip checks for 60 s

    const next = kitOn(storage, { membershipPolicy: "single", maxStalenessMs: 0 });
    const previous = old.configuration.fingerprint;
    for (const actor of [admin, { type: "user", id: "ann" } as const, { type: "user", id: "nobody" } as const]) {
      const forbidden = await rejects(next.configuration.adopt(actor), "FORBIDDEN");
      expect(forbidden.details).toMatchObject({ check: "canGrantPlatformRoles" });
    }
    expect(await recorded(storage)).toBe(previous);

    const revisionBefore = await storage.changes.latestRevision();
    const adoption = await next.configuration.adopt(superAdmin);
    expect(adoption).toEqual({
      adopted: true,
      dryRun: false,
      fingerprint: next.configuration.fingerprint,
      previousFingerprint: previous,
      differences: [{ key: "membershipPolicy", stored: "multiple", kit: "single" }],
    });
    expect(await recorded(storage)).toBe(next.configuration.fingerprint);
    expect((await storage.settings!.get("configuration"))!.version).toBe(2);
    expect(await storage.changes.latestRevision()).toBeGreaterThan(revisionBefore);
    const [event] = await next.events.list(superAdmin, { after: (await storage.events.lastSequence()) - 1 });
    expect(event).toMatchObject({
      type: "configuration.adopted",
      organizationId: null,
      actor: superAdmin,
      data: { from: previous, to: next.configuration.fingerprint, differences: [{ key: "membershipPolicy", stored: "multiple", kit: "single" }] },
    });

    // The old kit: a write is refused at once (also within its staleness bound), and reads from then on.
    expect(await mismatch(old.memberships.add(admin, { userId: "ann", organizationId: acme.id, role: "manager" }))).toEqual([
      { key: "membershipPolicy", stored: "single", kit: "multiple" },
    ]);
    await mismatch(old.organizations.get(admin, acme.id));
    await mismatch(old.policy());
    // The new kit works; adopting again changes nothing.
    expect(await next.ready()).toMatchObject({ status: "matched" });
    await next.organizations.create(admin, { id: "globex", name: "Globex" });
    expect(await next.configuration.adopt(system)).toMatchObject({ adopted: false, differences: [] });
    expect((await storage.settings!.get("configuration"))!.version).toBe(2);
  });

  it("a kit whose configuration is adopted again runs again: refusals are never cached", async () => {
    const storage = await fresh();
    const a = await populated(storage, { maxStalenessMs: 0 });
    const b = kitOn(storage, { states: ["service", "outreach", "opportunities", "vip"], maxStalenessMs: 0 });
    await mismatch(b.ready());
    await b.configuration.adopt(system);
    await mismatch(a.organizations.search(admin, {}));
    expect(await b.can("admin", "x")).toBe(false);
    await a.configuration.adopt(system); // removing "vip" again: nothing uses it
    expect(await a.organizations.search(admin, {})).toMatchObject({ total: 0 });
    await mismatch(b.can("admin", "x"));
  });

  it("adopt refuses when users belong to several organizations and the new policy is single; nothing changes; it succeeds once they do not", async () => {
    const storage = await fresh();
    const old = await populated(storage);
    const orgs = await Promise.all(["A", "B", "C"].map((name) => old.organizations.create(admin, { name })));
    for (let i = 0; i < 25; i++) {
      await old.users.upsert(admin, { id: `u${String(i).padStart(2, "0")}` });
      await old.memberships.add(admin, { userId: `u${String(i).padStart(2, "0")}`, organizationId: orgs[0]!.id });
      await old.memberships.add(admin, { userId: `u${String(i).padStart(2, "0")}`, organizationId: orgs[1]!.id });
    }
    await old.users.upsert(admin, { id: "solo" });
    await old.memberships.add(admin, { userId: "solo", organizationId: orgs[2]!.id });
    const before = await dumpThroughPorts(storage);
    const next = kitOn(storage, { membershipPolicy: "single" });
    for (const dryRun of [true, false]) {
      const problems = await incompatible(next.configuration.adopt(system, { dryRun }));
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatchObject({ key: "membershipPolicy", code: "users_in_several_organizations", count: 25 });
      expect(problems[0]!.examples).toHaveLength(20);
      expect(problems[0]!.examples[0]).toEqual({ userId: "u00", organizationIds: [orgs[0]!.id, orgs[1]!.id].sort() });
    }
    expect(await dumpThroughPorts(storage)).toBe(before);
    expect(await recorded(storage)).toBe(old.configuration.fingerprint);
    for (let i = 0; i < 25; i++) await old.memberships.remove(admin, `u${String(i).padStart(2, "0")}`, orgs[1]!.id);
    expect(await next.configuration.adopt(system, { dryRun: true })).toMatchObject({ adopted: false, dryRun: true });
    expect(await recorded(storage)).toBe(old.configuration.fingerprint);
    expect(await next.configuration.adopt(system)).toMatchObject({ adopted: true });
  });

  it("adopt refuses removed states, types and custom fields still in use, a lower maxDepth, and email keys that would change", async () => {
    const storage = await fresh();
    const old = await populated(storage, {
      organizationTypes: ["customer", "partner"],
      customFields: [{ key: "tier", type: "select", options: ["gold", "silver"] }],
      lowercaseEmailLocalPart: false,
    });
    const root = await old.organizations.create(admin, { name: "Root", type: "partner", states: ["outreach", "service"], customFields: { tier: "silver" } });
    const child = await old.organizations.create(admin, { name: "Child", parentId: root.id });
    const grandchild = await old.organizations.create(admin, { name: "Grandchild", parentId: child.id });
    await old.profiles.create(admin, { id: "outreach-desk", name: "Outreach", organizations: { "outreach+service": ["read"], none: ["read"] } });
    await old.users.upsert(system, { id: "jane", emails: [{ value: "Jane.Doe@acme.example", verified: true }] });
    await old.rules.add(admin, root.id, { kind: "email", value: "Boss@acme.example" });
    const next = kitOn(storage, {
      organizationTypes: ["customer"],
      states: ["service", "opportunities"],
      customFields: [{ key: "tier", type: "select", options: ["gold"] }, { key: "region", type: "text", required: true }],
      maxDepth: 1,
    });
    const problems = await incompatible(next.configuration.adopt(system));
    const byCode = Object.fromEntries(problems.map((p) => [p.code, p]));
    expect(Object.keys(byCode).sort()).toEqual([
      "custom_field_invalid",
      "deeper_than_max_depth",
      "email_not_lower_case",
      "rule_not_lower_case",
      "state_in_profile",
      "state_in_use",
      "type_in_use",
    ]);
    expect(byCode["state_in_use"]).toMatchObject({ key: "states", count: 1, examples: [{ organizationId: root.id, states: ["outreach"] }] });
    expect(byCode["state_in_profile"]).toMatchObject({ key: "states", count: 1, examples: [{ profileId: "outreach-desk", combination: "outreach+service" }] });
    expect(byCode["type_in_use"]).toMatchObject({ key: "organizationTypes", count: 1, examples: [{ organizationId: root.id, type: "partner" }] });
    // Every organization lacks the required "region"; the root's tier is no longer an option.
    expect(byCode["custom_field_invalid"]).toMatchObject({ key: "customFields", count: 3 });
    expect(byCode["deeper_than_max_depth"]).toMatchObject({ key: "maxDepth", count: 1, examples: [{ organizationId: grandchild.id, depth: 2 }] });
    expect(byCode["email_not_lower_case"]).toMatchObject({ key: "lowercaseEmailLocalPart", examples: [{ userId: "jane", emails: ["Jane.Doe@acme.example"] }] });
    expect(byCode["rule_not_lower_case"]).toMatchObject({ key: "lowercaseEmailLocalPart", examples: [{ organizationId: root.id, value: "Boss@acme.example" }] });
    expect(await recorded(storage)).toBe(old.configuration.fingerprint);
  });

  it("adopt refuses 'reject' while two organizations claim one rule value", async () => {
    const storage = await fresh();
    const old = await populated(storage, { ruleConflict: "allow" });
    const a = await old.organizations.create(admin, { name: "A" });
    const b = await old.organizations.create(admin, { name: "B" });
    await old.rules.add(admin, a.id, { kind: "domain", value: "shared.example" });
    const rule = await old.rules.add(admin, b.id, { kind: "domain", value: "shared.example" });
    const next = kitOn(storage, {});
    const problems = await incompatible(next.configuration.adopt(system));
    expect(problems).toEqual([
      expect.objectContaining({ key: "ruleConflict", code: "rule_value_claimed_twice", count: 1, examples: [{ kind: "domain", value: "shared.example", organizationIds: [a.id, b.id].sort() }] }),
    ]);
    await old.rules.remove(admin, b.id, rule.rule.id);
    expect(await next.configuration.adopt(system)).toMatchObject({ adopted: true });
  });

  it("adopt on a store that records nothing yet (one used before fingerprints) checks every setting against the data", async () => {
    const storage = await fresh();
    // Data written by a kit that records nothing (as before fingerprints existed).
    const old = await populated(withoutSettings(storage), { organizationTypes: ["customer", "partner"] });
    await old.organizations.create(admin, { name: "P", type: "partner" });
    expect(await recorded(storage)).toBeNull();
    const next = kitOn(storage, { organizationTypes: ["customer"] });
    expect(await next.configuration.stored()).toBeNull();
    const problems = await incompatible(next.configuration.adopt(system, { from: null }));
    expect(problems.map((p) => p.code)).toEqual(["type_in_use"]);
    const fits = kitOn(storage, { organizationTypes: ["customer", "partner"] });
    expect(await fits.configuration.adopt(system, { from: null })).toMatchObject({ adopted: true, previousFingerprint: null });
  });

  it("adopt with `from`: refused with CONFLICT (version) when another configuration is recorded than the one expected", async () => {
    const storage = await fresh();
    const a = kitOn(storage, {});
    await a.ready();
    const b = kitOn(storage, { maxDepth: 10 });
    const c = kitOn(storage, { maxDepth: 20 });
    const seen = (await b.configuration.stored())!.fingerprint;
    await c.configuration.adopt(system, { from: seen });
    const conflict = await rejects(b.configuration.adopt(system, { from: seen }), "CONFLICT");
    expect(conflict.details).toMatchObject({ reason: "configuration_changed", expectedFingerprint: seen, actualFingerprint: c.configuration.fingerprint });
    await rejects(b.configuration.adopt(system, { from: null }), "CONFLICT");
    expect(await recorded(storage)).toBe(c.configuration.fingerprint);
  });

  it("bad input to adopt is VALIDATION_FAILED and changes nothing", async () => {
    const storage = await fresh();
    await kitOn(storage).ready();
    const next = kitOn(storage, { maxDepth: 4 });
    for (const options of [{ dryRun: "yes" }, { from: 42 }, { from: "" }, { unknown: true }, "options"]) {
      await rejects(next.configuration.adopt(system, options as never), "VALIDATION_FAILED");
    }
    await rejects(next.configuration.adopt({ type: "robot", id: "x" } as never), "VALIDATION_FAILED");
    expect(await recorded(storage)).not.toBe(next.configuration.fingerprint);
    // Arguments validated at the door are refused as such before any check, also on a kit that would be refused.
    await rejects(next.policy({ atLeast: -1 }), "VALIDATION_FAILED");
    await rejects(next.memberships.add(admin, { userId: "", organizationId: "x" }), "VALIDATION_FAILED");
    await mismatch(next.policy({ atLeast: 0 }));
    // What is validated against the configuration itself (organization fields) comes after the check.
    await mismatch(next.organizations.create(admin, { name: "" }));
  });

  it("tenants of one storage keep their own configuration", async () => {
    const storage = await fresh();
    const other = storage.forTenant!(`${storage.tenant}-other`);
    await kitOn(storage, { membershipPolicy: "single" }).ready();
    expect(await kitOn(other, { membershipPolicy: "multiple" }).ready()).toMatchObject({ status: "recorded" });
    await mismatch(kitOn(other, { membershipPolicy: "single" }).ready());
  });

  it("a storage failure during the check is not remembered: the next call checks again and succeeds", async () => {
    const storage = await fresh();
    let failures = 1;
    const flaky = failingSettings(storage, () => failures-- > 0);
    const kit = await populated(storage);
    const onFlaky = kitOn(flaky);
    await rejects(onFlaky.ready(), "STORAGE_FAILURE");
    expect(await onFlaky.ready()).toMatchObject({ status: "matched" });
    failures = 1;
    const before = await dumpThroughPorts(storage);
    await rejects(onFlaky.organizations.create(admin, { name: "Acme" }), "STORAGE_FAILURE");
    expect(await dumpThroughPorts(storage)).toBe(before);
    expect(await onFlaky.organizations.create(admin, { name: "Acme" })).toMatchObject({ name: "Acme" });
    expect(await kit.organizations.search(admin, {})).toMatchObject({ total: 1 });
  });

  it("a storage without settings (an adapter written before them) runs unchecked; adopting is STORAGE_FAILURE settings_unsupported", async () => {
    const storage = withoutSettings(await fresh());
    const a = await populated(storage, { membershipPolicy: "single" });
    const b = kitOn(storage, { membershipPolicy: "multiple" });
    expect(await b.ready()).toEqual({ status: "unchecked", fingerprint: b.configuration.fingerprint });
    await b.organizations.create(admin, { name: "Acme" });
    expect(await a.organizations.search(admin, {})).toMatchObject({ total: 1 });
    const error = await rejects(a.configuration.adopt(system), "STORAGE_FAILURE");
    expect(error.details).toMatchObject({ reason: "settings_unsupported" });
    await rejects(a.configuration.stored(), "STORAGE_FAILURE");
  });

  it("a record the kit cannot fully read: unknown settings (a newer orgkit) and missing ones are differences", async () => {
    const storage = await fresh();
    const kit = kitOn(storage);
    const { uniqueNames: _dropped, ...canonical } = kit.configuration.canonical;
    await storage.settings!.insertIfAbsent({
      key: "configuration",
      value: { format: 2, fingerprint: "sha256:newer", configuration: { ...canonical, tenantQuota: 5 } },
      updatedAt: new Date().toISOString(),
    });
    const error = await rejects(kit.ready(), "CONFIGURATION_MISMATCH");
    expect(error.details["differences"]).toEqual([{ key: "tenantQuota", stored: 5 }, { key: "uniqueNames", kit: true }]);
    expect(error.details["storedFingerprint"]).toBe("sha256:newer");
  });
});

describe("memory storage", () => {
  it("one memoryStorage() is one store: kits on it share the record; another memoryStorage() records its own", async () => {
    const storage = memoryStorage();
    await kitOn(storage, { membershipPolicy: "single" }).ready();
    await mismatch(kitOn(storage, { membershipPolicy: "multiple" }).ready());
    await mismatch(kitOn(storage.forTenant("default"), { membershipPolicy: "multiple" }).ready());
    expect(await kitOn(memoryStorage(), { membershipPolicy: "multiple" }).ready()).toMatchObject({ status: "recorded" });
  });

  it("adopt refuses uniqueNames while active organizations share a name", async () => {
    const storage = memoryStorage({ uniqueNames: false });
    const old = await populated(storage, { uniqueNames: false });
    const first = await old.organizations.create(admin, { name: "Acme" });
    const second = await old.organizations.create(admin, { name: "ACME" });
    const problems = await incompatible(kitOn(storage).configuration.adopt(system));
    expect(problems).toEqual([expect.objectContaining({ key: "uniqueNames", code: "duplicate_active_name", count: 1, examples: [{ name: "acme", organizationIds: [first.id, second.id] }] })]);
    await old.organizations.discontinue(admin, second.id);
    expect(await kitOn(storage).configuration.adopt(system)).toMatchObject({ adopted: true });
  });
});

describe.skipIf(!SERVER_URL)("PostgreSQL server: kits on separate pools", () => {
  const pools: pg.Pool[] = [];
  const schema = randomSchema("config_fp");
  afterAll(async () => {
    await pools[0]?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await Promise.all(pools.map((pool) => pool.end()));
  });
  const pool = () => {
    const made = new pg.Pool({ connectionString: SERVER_URL, max: 3 });
    made.on("error", () => undefined);
    pools.push(made);
    return made;
  };

  it("two kits configured differently, each on its own pool, racing on an empty tenant: exactly one records, the other refuses", async () => {
    const [one, two] = [pool(), pool()];
    await migrate(one, { schema });
    for (let round = 0; round < 10; round++) {
      const tenant = `race-${round}`;
      const a = kitOn(postgresStorage({ client: one, schema, tenant }), { membershipPolicy: "single" });
      const b = kitOn(postgresStorage({ client: two, schema, tenant }), { membershipPolicy: "multiple" });
      const outcomes = await Promise.allSettled(
        round % 2 === 0 ? [a.ready(), b.ready()] : [a.organizations.create(system, { name: "A" }), b.organizations.create(system, { name: "B" })],
      );
      expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
      const refused = outcomes.find((o) => o.status === "rejected") as PromiseRejectedResult;
      expect(isOrgKitError(refused.reason, "CONFIGURATION_MISMATCH"), String(refused.reason)).toBe(true);
    }
  });

  it("an adoption racing writes of the old configuration: never both — the write is refused, or the adoption sees it", async () => {
    const [one, two] = [pool(), pool()];
    await migrate(one, { schema });
    for (let round = 0; round < 8; round++) {
      const tenant = `adopt-${round}`;
      const old = await populated(postgresStorage({ client: one, schema, tenant }));
      const a = await old.organizations.create(admin, { name: "A" });
      const b = await old.organizations.create(admin, { name: "B" });
      await old.users.upsert(admin, { id: "ann" });
      await old.memberships.add(admin, { userId: "ann", organizationId: a.id });
      const next = kitOn(postgresStorage({ client: two, schema, tenant }), { membershipPolicy: "single" });
      const [write, adoption] = await Promise.allSettled([old.memberships.add(admin, { userId: "ann", organizationId: b.id }), next.configuration.adopt(system)]);
      const storage = postgresStorage({ client: one, schema, tenant });
      const memberships = await storage.memberships.listByUser("ann");
      if (write.status === "fulfilled") {
        // The second membership committed: the adoption must have refused.
        expect(adoption.status).toBe("rejected");
        expect(isOrgKitError((adoption as PromiseRejectedResult).reason, "CONFIGURATION_INCOMPATIBLE")).toBe(true);
        expect(memberships).toHaveLength(2);
        expect(await recorded(storage)).toBe(old.configuration.fingerprint);
      } else {
        expect(isOrgKitError(write.reason, "CONFIGURATION_MISMATCH"), String(write.reason)).toBe(true);
        expect(adoption.status).toBe("fulfilled");
        expect(memberships).toHaveLength(1);
        expect(await recorded(storage)).toBe(next.configuration.fingerprint);
      }
    }
  });
});

/** The storage with its settings' `get` failing (STORAGE_FAILURE) while `fail()` says so. */
function failingSettings(storage: Storage, fail: () => boolean): Storage {
  const wrap = <S extends StorageSession>(session: S): S => {
    const settings = session.settings!;
    return {
      ...session,
      settings: {
        ...settings,
        get: async (key: string) => {
          if (fail()) {
            throw new OrgKitError("STORAGE_FAILURE", "settings.get: connection lost", { details: { reason: "connection_lost" } });
          }
          return settings.get(key);
        },
        insertIfAbsent: settings.insertIfAbsent.bind(settings),
        compareAndSet: settings.compareAndSet.bind(settings),
      },
    };
  };
  return { ...wrap(storage), transaction: (fn) => storage.transaction((session) => fn(wrap(session))) };
}

/** The storage as an adapter written before settings: no `settings` anywhere. */
function withoutSettings(storage: Storage): Storage {
  const strip = <S extends StorageSession>(session: S): S => {
    const { settings, ...rest } = session;
    return rest as S;
  };
  return { ...strip(storage), transaction: (fn) => storage.transaction((session) => fn(strip(session))) };
}
