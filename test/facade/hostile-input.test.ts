/**
 * Ids are opaque and exact, stored text is storable everywhere, and input that cannot be
 * read is refused: the same `VALIDATION_FAILED` on memory and on PostgreSQL (PGlite),
 * never a `TypeError`, never a `STORAGE_FAILURE`, and nothing written.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { createOrgKit, isOrgKitError, SYSTEM_ACTOR, type OrgKit } from "../../src/index.js";
import { memoryStorage } from "../../src/adapters/memory/index.js";
import { buildMembership, buildOrganization, buildUser } from "../../src/testing/builders.js";
import { createTestClock } from "../../src/testing/test-clock.js";
import { createTestIds } from "../../src/testing/test-ids.js";
import { rejects } from "./setup.js";
import { dumpThroughPorts, storageTargets } from "./storage-targets.js";
import type { Storage } from "../../src/storage/index.js";

const system = SYSTEM_ACTOR;

const targets = storageTargets();

async function world(storage: Storage): Promise<OrgKit> {
  const kit = createOrgKit({ storage, clock: createTestClock().now, ids: createTestIds() });
  await kit.users.upsert(system, { id: "root", kind: "agent", platformRole: "super_admin", registered: true });
  await kit.users.upsert(system, { id: "padmin", kind: "agent", platformRole: "admin", registered: true, emails: ["padmin@platform.example"] });
  await kit.organizations.create(system, { id: "A", name: "Alpha" });
  await kit.organizations.create(system, { id: "A\u0001B", name: "Control" }).catch(() => undefined);
  return kit;
}

const dump = dumpThroughPorts;

/** Objects that break naive readers. */
function exotic(): Record<string, unknown> {
  const { proxy: revoked, revoke } = Proxy.revocable({ name: "Revoked" }, {});
  revoke();
  const cyclic: Record<string, unknown> = { name: "Cyclic" };
  cyclic["self"] = cyclic;
  const throwing = Object.defineProperty({}, "name", {
    enumerable: true,
    get() {
      throw new Error("getter exploded");
    },
  });
  let reads = 0;
  // Valid when validated, hostile when used: the use case must never read it twice.
  const shapeShifter = Object.defineProperty({}, "name", {
    enumerable: true,
    get() {
      reads++;
      return reads === 1 ? "Harmless" : "\u0000";
    },
  });
  const trapping = new Proxy(
    { name: "Trap" },
    {
      ownKeys() {
        throw new Error("trap exploded");
      },
    },
  );
  return { revoked, cyclic, throwing, shapeShifter, trapping };
}

describe.each(targets)("hostile input on $name", ({ storage: makeStorage }) => {
  let storage: Storage;
  let kit: OrgKit;
  beforeAll(async () => {
    storage = await makeStorage();
    kit = await world(storage);
  });

  it("an actor id with a trailing tab is refused, not authorized as the super admin 'root'", async () => {
    const before = await dump(storage);
    const error = await rejects(kit.organizations.create({ type: "user", id: "root\t" }, { name: "Planted" }), "VALIDATION_FAILED");
    expect(error.details["issues"]).toEqual([expect.objectContaining({ path: "actor.id", code: "control_character" })]);
    await rejects(kit.organizations.create({ type: "user", id: " root" }, { name: "Planted" }), "VALIDATION_FAILED");
    expect(await dump(storage)).toBe(before);
  });

  it("users.upsert with id ' padmin ' is refused and does not overwrite platform admin 'padmin'", async () => {
    const before = await storage.users.get("padmin");
    const error = await rejects(kit.users.upsert(system, { id: " padmin ", emails: ["evil@attacker.example"] }), "VALIDATION_FAILED");
    expect(error.details["issues"]).toEqual([expect.objectContaining({ path: "id", code: "edge_whitespace" })]);
    expect(await storage.users.get("padmin")).toEqual(before);
    expect(await storage.users.get(" padmin ")).toBeNull();
  });

  it("ids are exact: 'A' and 'a' are different organizations and neither is trimmed", async () => {
    await kit.organizations.create(system, { id: "a", name: "Lower a" });
    expect((await kit.organizations.get(system, "A"))?.name).toBe("Alpha");
    expect((await kit.organizations.get(system, "a"))?.name).toBe("Lower a");
    await rejects(kit.organizations.get(system, "A "), "VALIDATION_FAILED");
    await rejects(kit.organizations.get(system, "A\n"), "VALIDATION_FAILED");
  });

  it("memberships.get('u\\u0000A', 'B') does not answer for user 'u' in organization 'A\\u0000B'", async () => {
    await rejects(kit.memberships.get(system, "u\u0000A", "B"), "VALIDATION_FAILED");
    await rejects(storage.memberships.get("u\u0000A", "B"), "VALIDATION_FAILED");
    await rejects(storage.memberships.put({ ...buildMembership({ userId: "u", organizationId: "A" }), organizationId: "A\u0000B" }), "VALIDATION_FAILED");
  });

  it("U+0000 and lone surrogates in ids and stored text are VALIDATION_FAILED, not STORAGE_FAILURE", async () => {
    const before = await dump(storage);
    const bad = ["\u0000", "\uD800", "x\uDC00y", "\u0007"];
    for (const value of bad) {
      await rejects(kit.organizations.create(system, { id: `id${value}`, name: "Bad id" }), "VALIDATION_FAILED");
      await rejects(kit.organizations.create(system, { name: `Name ${value}` }), "VALIDATION_FAILED");
      await rejects(kit.organizations.create(system, { name: "Described", description: `one ${value} two` }), "VALIDATION_FAILED");
      await rejects(kit.organizations.create(system, { name: "Tagged", tags: [`t${value}`] }), "VALIDATION_FAILED");
      await rejects(kit.users.upsert(system, { id: "u-bad", emails: [`a${value}@x.example`] }), "VALIDATION_FAILED");
      await rejects(kit.users.upsert(system, { id: "u-bad", username: `name${value}` }), "VALIDATION_FAILED");
      await rejects(kit.organizations.search(system, { text: `Alp${value}` }), "VALIDATION_FAILED");
      // Straight to the adapter: the same refusal, whatever the storage.
      // (The builders validate, so the bad value is put in after building.)
      await rejects(storage.organizations.insert({ ...buildOrganization(), id: `raw${value}` }), "VALIDATION_FAILED");
      await rejects(storage.organizations.insert({ ...buildOrganization({ id: "raw-text" }), name: `Raw ${value}` }), "VALIDATION_FAILED");
      await rejects(storage.users.insert({ ...buildUser({ id: "raw-user" }), emails: [`raw${value}@x.example`] }), "VALIDATION_FAILED");
      await rejects(storage.organizations.get(`raw${value}`), "VALIDATION_FAILED");
    }
    expect(await dump(storage)).toBe(before);
  });

  it("multi-line text keeps its TAB, LF and CR", async () => {
    const org = await kit.organizations.create(system, { name: "Multi-line", description: "line one\r\n\tline two" });
    expect((await storage.organizations.get(org.id))?.description).toBe("line one\r\n\tline two");
  });

  it("throwing getters, revoked proxies, cyclic objects and trapping proxies give OrgKitError and write nothing", async () => {
    const before = await dump(storage);
    const values = exotic();
    for (const [label, value] of Object.entries(values)) {
      const calls: (() => Promise<unknown>)[] = [
        () => kit.organizations.create(system, value as never),
        () => kit.organizations.create(value as never, { name: "By exotic actor" }),
        () => kit.organizations.update(system, "A", value as never),
        () => kit.users.upsert(system, value as never),
        () => kit.organizations.search(system, value as never),
        () => kit.organizations.import(system, [value] as never),
        () => kit.memberships.add(system, value as never),
        () => storage.organizations.insert(value as never),
        () => storage.users.insert(value as never),
        () => storage.memberships.put(value as never),
        () => storage.events.append([value] as never),
      ];
      for (const call of calls) {
        let thrown: unknown;
        let result: unknown;
        try {
          result = await call();
        } catch (error) {
          thrown = error;
        }
        if (label === "shapeShifter" && thrown === undefined) {
          // Read once, it is a valid input; what is stored must be what was validated.
          expect(JSON.stringify(result)).not.toContain("\\u0000");
          continue;
        }
        expect(isOrgKitError(thrown), `${label}: ${String(thrown)}`).toBe(true);
      }
    }
    const after = JSON.parse(await dump(storage)) as unknown[];
    // The only writes allowed are the shape-shifter's, read once as "Harmless".
    expect(JSON.stringify(after)).not.toContain("\\u0000");
    expect(JSON.stringify(after).replaceAll("Harmless", "")).not.toContain("Revoked");
    expect(before.length).toBeGreaterThan(0);
  });

  it("createOrgKit refuses options it cannot read", () => {
    const { revoked } = exotic();
    for (const options of [null, 42, revoked, { storage: {} }, { storage: memoryStorage(), clock: 5 }]) {
      let thrown: unknown;
      try {
        createOrgKit(options as never);
      } catch (error) {
        thrown = error;
      }
      expect(isOrgKitError(thrown, "VALIDATION_FAILED"), String(thrown)).toBe(true);
    }
  });
});
