/**
 * Domain proof: `rules.domainChallenge` / `rules.proveDomain` through the facade, on
 * memory, PGlite and (with ORGKIT_PG_URL) the server. A fake resolver stands in for DNS.
 * Covers proofs by DNS and by affiliation, every failed check (a result, recorded), the
 * `"required"` mode, what a proven domain blocks (adding rules, other organizations'
 * rules linking), explain, refusals and bad input, and that refusals write nothing.
 */
import { describe, expect, it } from "vitest";
import { createOrgKit, SYSTEM_ACTOR, type DomainProofResult, type OrgKit, type OrgKitConfigInput, type TxtResolver } from "../../src/index.js";
import { memoryStorage, memoryInspector } from "../../src/adapters/memory/index.js";
import { createTestClock } from "../../src/testing/test-clock.js";
import { createTestIds } from "../../src/testing/test-ids.js";
import { rejects } from "./setup.js";
import { dumpThroughPorts, storageTargets } from "./storage-targets.js";
import type { Storage } from "../../src/storage/index.js";

const system = SYSTEM_ACTOR;
const admin = { type: "user", id: "admin" } as const;
const agent = { type: "user", id: "agent" } as const;
const boss = { type: "user", id: "boss" } as const;
const verified = (value: string) => ({ value, verified: true });
const targets = storageTargets();

/** A fake resolver: `records` by name (an array is the answer; a function computes it, may throw or hang); counts lookups. */
function fakeDns() {
  const records = new Map<string, unknown>();
  const asked: string[] = [];
  const resolver: TxtResolver = {
    async resolveTxt(name) {
      asked.push(name);
      const entry = records.get(name);
      if (typeof entry === "function") return (entry as () => Promise<string[][]>)();
      if (entry === undefined) throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: "ENOTFOUND" });
      return entry as string[][];
    },
  };
  return { records, asked, resolver };
}

type Dns = ReturnType<typeof fakeDns>;

/**
 * Acme (boss: its org admin, with a verified boss@acme.example) with a domain rule on
 * acme.example including subdomains; Squat, another organization; an agent whose profile
 * edits "service" organizations (Acme) and reads none of the others.
 */
async function world(storage: Storage, config: OrgKitConfigInput = {}, dns: Dns = fakeDns()) {
  const kit = createOrgKit({ storage, clock: createTestClock().now, ids: createTestIds(), config, dns: dns.resolver });
  await kit.users.upsert(system, { id: "admin", kind: "agent", platformRole: "admin", registered: true });
  await kit.profiles.create(admin, { id: "desk", name: "Desk", organizations: { service: ["read", "edit"] } });
  await kit.users.upsert(system, { id: "agent", kind: "agent", registered: true, profileId: "desk" });
  await kit.organizations.create(admin, { id: "acme", name: "Acme", states: ["service"] });
  await kit.organizations.create(admin, { id: "squat", name: "Squat", states: ["outreach"] });
  await kit.users.upsert(system, { id: "boss", emails: [verified("boss@acme.example")], registered: true });
  await kit.memberships.add(admin, { userId: "boss", organizationId: "acme", admin: true });
  const rule = await kit.rules.add(admin, "acme", { id: "acme-rule", kind: "domain", value: "acme.example", includeSubdomains: true });
  return { kit, dns, rule: rule.rule, storage };
}

/** Makes `userId` an admin of `organizationId`, whether a rule linked it there already or not. */
async function makeAdmin(kit: OrgKit, userId: string, organizationId: string): Promise<void> {
  if (await kit.memberships.get(system, userId, organizationId)) await kit.memberships.setAdmin(admin, userId, organizationId, true);
  else await kit.memberships.add(admin, { userId, organizationId, admin: true });
}

async function organizationsOf(kit: OrgKit, userId: string): Promise<string[]> {
  return (await kit.memberships.listByUser(system, userId)).map((m) => m.organizationId).sort();
}

async function eventsOf(kit: OrgKit, type: string) {
  return (await kit.events.list(system, { limit: 1000 })).filter((e) => e.type === type);
}

function expectFailed(result: DomainProofResult, reason: string) {
  expect(result.proven).toBe(false);
  if (!result.proven) expect(result.reason).toBe(reason);
}

describe.each(targets)("domain proof on $name", ({ storage: makeStorage }) => {
  it("the challenge names _orgkit.<domain> and a random token, issued once, recorded without the token", async () => {
    const { kit } = await world(await makeStorage());
    const challenge = await kit.rules.domainChallenge(admin, "acme", "acme-rule");
    expect(challenge).toMatchObject({ ruleId: "acme-rule", domain: "acme.example", name: "_orgkit.acme.example" });
    expect(challenge.value).toMatch(/^orgkit-verification=[0-9a-f]{40}$/);
    expect(await kit.rules.domainChallenge(agent, "acme", "acme-rule")).toEqual(challenge);
    const issued = await eventsOf(kit, "member_rule.domain_challenged");
    expect(issued).toHaveLength(1);
    expect(issued[0]!.data).toEqual({ ruleId: "acme-rule", domain: "acme.example", recordName: "_orgkit.acme.example" });
    expect(JSON.stringify(await kit.events.list(system, { limit: 1000 }))).not.toContain(challenge.value.slice(20));
    // Reading rules never shows the token.
    expect(JSON.stringify(await kit.rules.list(admin, "acme"))).not.toContain(challenge.value.slice(20));
  });

  it("a TXT record holding the challenge proves the rule: recorded, listed, explained", async () => {
    const { kit, dns } = await world(await makeStorage());
    await kit.users.upsert(system, { id: "ann", emails: [verified("ann@eu.acme.example")] });
    const challenge = await kit.rules.domainChallenge(agent, "acme", "acme-rule");
    dns.records.set(challenge.name, [["v=spf1 -all"], ["orgkit-verification=", challenge.value.slice("orgkit-verification=".length)]]);
    const result = await kit.rules.proveDomain(agent, "acme", "acme-rule", { method: "dns" });
    expect(result).toMatchObject({ proven: true, changed: true, proof: { method: "dns", recordName: "_orgkit.acme.example", provenBy: agent } });
    expect(dns.asked).toEqual(["_orgkit.acme.example"]);
    const [listed] = await kit.rules.list(admin, "acme");
    expect(listed?.proof).toMatchObject({ method: "dns", provenBy: agent });
    const proven = await eventsOf(kit, "member_rule.domain_proven");
    expect(proven).toHaveLength(1);
    expect(proven[0]).toMatchObject({ actor: agent, organizationId: "acme", data: { ruleId: "acme-rule", domain: "acme.example", method: "dns", recordName: "_orgkit.acme.example" } });
    const why = await kit.memberships.explain(admin, "ann", "acme");
    expect(why.domainProof).toMatchObject({ proven: true, proof: { method: "dns" } });
    expect(why.reason).toContain("proven by DNS (TXT record at _orgkit.acme.example)");
    // Proving again checks nothing and changes nothing.
    const again = await kit.rules.proveDomain(agent, "acme", "acme-rule");
    expect(again).toMatchObject({ proven: true, changed: false, usersRelinked: 0 });
    expect(dns.asked).toHaveLength(1);
  });

  it("every failed check is a result, recorded as an event and as the rule's last failure, and proves nothing", async () => {
    const dns = fakeDns();
    const { kit } = await world(await makeStorage(), { domainRules: { dnsTimeoutMs: 50 } }, dns);
    await kit.users.upsert(system, { id: "ann", emails: [verified("ann@acme.example")] });
    const challenge = await kit.rules.domainChallenge(admin, "acme", "acme-rule");
    const cases: [unknown, string, string?][] = [
      [undefined, "no_record", "ENOTFOUND"],
      [[], "no_record"],
      [[["orgkit-verification=not-the-token"]], "token_mismatch"],
      [async () => Promise.reject(Object.assign(new Error("servfail"), { code: "ESERVFAIL" })), "resolver_error", "ESERVFAIL"],
      [async () => Promise.reject(Object.assign(new Error("no data"), { code: "ENODATA" })), "no_record", "ENODATA"],
      [async () => Promise.reject("a string, not an error"), "resolver_error"],
      [async () => Promise.reject(Object.assign(new Error("odd"), { code: "lower case; never shown" })), "resolver_error"],
      [async () => new Promise(() => {}), "timeout"],
      [async () => Promise.reject(Object.assign(new Error("slow"), { code: "ETIMEOUT" })), "timeout", "ETIMEOUT"],
      ["not a list", "invalid_response"],
      [[[challenge.value], [42]], "invalid_response"],
      [[challenge.value], "invalid_response"],
      [Array.from({ length: 300 }, () => [challenge.value]), "invalid_response"],
      [[Array.from({ length: 100 }, () => "x")], "invalid_response"],
      [[["x".repeat(70_000)]], "invalid_response"],
      [
        async () =>
          // Not a thenable (a throwing `then` would be a rejected lookup), but every other read throws.
          new Proxy([], {
            get(_target, key) {
              if (key === "then") return undefined;
              throw new Error("a hostile answer");
            },
          }),
        "invalid_response",
      ],
    ];
    for (const [answer, reason, code] of cases) {
      if (answer === undefined) dns.records.delete(challenge.name);
      else dns.records.set(challenge.name, answer);
      const result = await kit.rules.proveDomain(admin, "acme", "acme-rule", { method: "dns" });
      expectFailed(result, reason);
      if (!result.proven) {
        expect(result.code).toBe(code);
        expect(result.challenge).toEqual(challenge);
        expect(result.message).toContain("acme.example");
      }
    }
    const failed = await eventsOf(kit, "member_rule.domain_proof_failed");
    expect(failed.map((e) => e.data["reason"])).toEqual(cases.map(([, reason]) => reason));
    expect(failed[0]!.data).toEqual({ ruleId: "acme-rule", domain: "acme.example", method: "dns", reason: "no_record", code: "ENOTFOUND" });
    expect((await kit.rules.list(admin, "acme"))[0]?.proof ?? null).toBeNull();
    const why = await kit.memberships.explain(admin, "ann", "acme");
    expect(why.domainProof).toMatchObject({ proven: false, proof: null, lastFailure: { method: "dns", reason: "invalid_response" } });
    expect(why.reason).toContain("not proven (last check, by dns, failed on");
  });

  it("the first proof attempt without a challenge issues one and fails; publishing it then proves", async () => {
    const { kit, dns } = await world(await makeStorage());
    const first = await kit.rules.proveDomain(admin, "acme", "acme-rule", { method: "dns" });
    expectFailed(first, "no_challenge");
    expect(dns.asked).toEqual([]);
    if (first.proven) return;
    expect(await kit.rules.domainChallenge(admin, "acme", "acme-rule")).toEqual(first.challenge);
    dns.records.set(first.challenge.name, [[first.challenge.value]]);
    expect(await kit.rules.proveDomain(admin, "acme", "acme-rule", { method: "dns" })).toMatchObject({ proven: true, proof: { method: "dns" } });
  });

  it("a record name longer than a domain name may be fails as name_too_long, without a lookup", async () => {
    const { kit, dns } = await world(await makeStorage());
    const long = `${"a".repeat(60)}.${"b".repeat(60)}.${"c".repeat(60)}.${"d".repeat(55)}.example`;
    await kit.rules.add(admin, "acme", { id: "long", kind: "domain", value: long });
    await kit.rules.domainChallenge(admin, "acme", "long");
    expectFailed(await kit.rules.proveDomain(admin, "acme", "long", { method: "dns" }), "name_too_long");
    expect(dns.asked).toEqual([]);
  });

  it("affiliation: an admin of the organization with a verified address at the domain itself proves it, with no lookup", async () => {
    const { kit, dns } = await world(await makeStorage());
    const result = await kit.rules.proveDomain(admin, "acme", "acme-rule");
    expect(result).toMatchObject({ proven: true, proof: { method: "affiliation", userId: "boss", email: "boss@acme.example", provenBy: admin } });
    expect(dns.asked).toEqual([]);
    const [event] = await eventsOf(kit, "member_rule.domain_proven");
    expect(event?.data).toEqual({ ruleId: "acme-rule", domain: "acme.example", method: "affiliation", userId: "boss", email: "boss@acme.example" });
    expect((await kit.memberships.explain(admin, "boss", "acme")).reason).toContain("Added by hand");
  });

  it("affiliation is strict: not an unverified address, not a subdomain's, not a plain member's, not another organization's admin", async () => {
    const { kit, dns } = await world(await makeStorage());
    // boss's address stops being verified; an admin at a subdomain, a plain member, and Squat's admin at the domain.
    await kit.users.upsert(system, { id: "boss", emails: [{ value: "boss@acme.example", verified: false }] });
    await kit.users.upsert(system, { id: "sub", emails: [verified("sub@eu.acme.example")] });
    await makeAdmin(kit, "sub", "acme");
    await kit.users.upsert(system, { id: "plain", emails: [verified("plain@acme.example")] });
    await kit.users.upsert(system, { id: "outsider", emails: [verified("outsider@acme.example")] });
    await makeAdmin(kit, "outsider", "squat");
    expect(await organizationsOf(kit, "plain")).toEqual(["acme"]);
    expectFailed(await kit.rules.proveDomain(admin, "acme", "acme-rule", { method: "affiliation" }), "no_affiliated_admin");
    expect(dns.asked).toEqual([]);
    const [failed] = await eventsOf(kit, "member_rule.domain_proof_failed");
    expect(failed?.data).toMatchObject({ method: "affiliation", reason: "no_affiliated_admin" });
    // The failed check issued a challenge; without a method, a missing affiliation falls back to DNS.
    expectFailed(await kit.rules.proveDomain(admin, "acme", "acme-rule"), "no_record");
    expect(dns.asked).toEqual(["_orgkit.acme.example"]);
    expect((await kit.rules.list(admin, "acme"))[0]?.proof ?? null).toBeNull();
  });

  it("only domain rules can be proven; refusals and bad input write nothing", async () => {
    const storage = await makeStorage();
    const { kit } = await world(storage);
    await kit.rules.add(admin, "acme", { id: "phone", kind: "phone", value: "+1 623-434-8050" });
    await kit.rules.add(admin, "squat", { id: "squat-rule", kind: "domain", value: "squat.example" });
    await kit.organizations.create(admin, { id: "gone", name: "Gone" });
    await kit.rules.add(admin, "gone", { id: "gone-rule", kind: "domain", value: "gone.example" });
    await kit.organizations.discontinue(admin, "gone");
    const before = await dumpThroughPorts(storage);
    for (const call of [
      (a: { readonly type: "user"; readonly id: string }) => kit.rules.domainChallenge(a, "acme", "acme-rule"),
      (a: { readonly type: "user"; readonly id: string }) => kit.rules.proveDomain(a, "acme", "acme-rule"),
    ]) {
      await rejects(call(boss), "FORBIDDEN"); // an org admin manages users, not rules
      await rejects(call({ type: "user", id: "nobody" }), "FORBIDDEN");
    }
    await rejects(kit.rules.proveDomain(agent, "squat", "squat-rule"), "FORBIDDEN");
    // Without the right, a missing rule is FORBIDDEN too: the refusal tells nothing of which rule ids exist.
    await rejects(kit.rules.proveDomain(agent, "squat", "missing"), "FORBIDDEN");
    await rejects(kit.rules.domainChallenge(agent, "squat", "missing"), "FORBIDDEN");
    await rejects(kit.rules.domainChallenge(admin, "acme", "phone"), "VALIDATION_FAILED");
    const notDomain = await rejects(kit.rules.proveDomain(admin, "acme", "phone"), "VALIDATION_FAILED");
    expect(notDomain.details["issues"]).toMatchObject([{ path: "ruleId", code: "not_a_domain_rule" }]);
    await rejects(kit.rules.proveDomain(admin, "acme", "squat-rule"), "NOT_FOUND");
    await rejects(kit.rules.domainChallenge(admin, "acme", "missing"), "NOT_FOUND");
    await rejects(kit.rules.proveDomain(admin, "missing", "acme-rule"), "NOT_FOUND");
    await rejects(kit.rules.proveDomain(admin, "gone", "gone-rule"), "ORGANIZATION_DISCONTINUED");
    await rejects(kit.rules.domainChallenge(admin, "gone", "gone-rule"), "ORGANIZATION_DISCONTINUED");
    for (const bad of [
      () => kit.rules.proveDomain(admin, "acme", 42 as never),
      () => kit.rules.proveDomain(admin, "", "acme-rule"),
      () => kit.rules.proveDomain(admin, "acme", "acme-rule", { method: "smtp" as never }),
      () => kit.rules.proveDomain(admin, "acme", "acme-rule", { method: "dns", extra: 1 } as never),
      () => kit.rules.proveDomain(admin, "acme", "acme-rule", "dns" as never),
      () => kit.rules.domainChallenge(admin, "acme", null as never),
      () => kit.rules.domainChallenge({ type: "robot" } as never, "acme", "acme-rule"),
    ]) {
      await rejects(bad(), "VALIDATION_FAILED");
    }
    expect(await dumpThroughPorts(storage)).toBe(before);
  });

  it("bad configuration and resolvers are refused at createOrgKit", async () => {
    const storage = await makeStorage();
    const make = (options: object) => () => createOrgKit({ storage, ...options } as never);
    for (const options of [
      { dns: {} },
      { dns: { resolveTxt: "8.8.8.8" } },
      { dns: null },
      { config: { domainRules: { proof: "maybe" } } },
      { config: { domainRules: { dnsTimeoutMs: 0 } } },
      { config: { domainRules: { dnsTimeoutMs: 120_000 } } },
      { config: { domainRules: { proof: "required", other: true } } },
    ]) {
      expect(make(options)).toThrowError(expect.objectContaining({ code: "VALIDATION_FAILED" }));
    }
    expect(createOrgKit({ storage }).config.domainRules).toEqual({ proof: "optional", dnsTimeoutMs: 5000 });
  });

  it('under "required" an unproven domain rule links nobody; proving it links the users it matches, in the same write', async () => {
    const { kit } = await world(await makeStorage(), { domainRules: { proof: "required" } });
    await kit.users.upsert(system, { id: "ann", emails: [verified("ann@acme.example")] });
    await kit.users.upsert(system, { id: "eve", emails: [verified("eve@eu.acme.example")] });
    await kit.rules.add(admin, "acme", { id: "phone", kind: "phone", value: "+1 623-434-8050" });
    await kit.users.upsert(system, { id: "caller", phones: [verified("623.434.8050")] });
    expect(await organizationsOf(kit, "ann")).toEqual([]);
    expect(await organizationsOf(kit, "caller")).toEqual(["acme"]); // other kinds link as before
    const preview = await kit.rules.previewAdd(admin, "acme", { kind: "domain", value: "acme.example" });
    expect(preview.joining).toEqual([]);
    const result = await kit.rules.proveDomain(admin, "acme", "acme-rule");
    expect(result).toMatchObject({ proven: true, usersRelinked: 3 }); // boss, ann, eve
    expect(await organizationsOf(kit, "ann")).toEqual(["acme"]);
    expect(await organizationsOf(kit, "eve")).toEqual(["acme"]);
    const proofAt = (await eventsOf(kit, "member_rule.domain_proven"))[0]!.sequence;
    const joined = (await eventsOf(kit, "membership.added")).filter((e) => e.data["userId"] === "ann")[0]!;
    expect(joined.sequence).toBeGreaterThan(proofAt);
    // One revision: the proof and the memberships committed together.
    const entries = await kit.changes.since(0);
    const withProof = entries.entries.find((entry) => entry.events.some((e) => e.type === "member_rule.domain_proven"))!;
    expect(withProof.events.map((e) => e.type)).toContain("membership.added");
    // A new user then joins as usual.
    await kit.users.upsert(system, { id: "bob", emails: [verified("bob@acme.example")] });
    expect(await organizationsOf(kit, "bob")).toEqual(["acme"]);
  });

  it("under 'required' a squatter's unproven rule blocks nothing: the owner adds and proves the same domain, the squatter cannot", async () => {
    const dns = fakeDns();
    const { kit } = await world(await makeStorage(), { domainRules: { proof: "required" } }, dns);
    await kit.rules.add(admin, "squat", { id: "squat-rule", kind: "domain", value: "eu.acme.example" });
    await kit.rules.add(admin, "squat", { id: "squat-same", kind: "domain", value: "acme.example" });
    await kit.users.upsert(system, { id: "eve", emails: [verified("eve@eu.acme.example")] });
    expect(await organizationsOf(kit, "eve")).toEqual([]);
    // The agent may not edit Squat, and needs not: nothing of Squat's links.
    expect(await kit.rules.proveDomain(agent, "acme", "acme-rule")).toMatchObject({ proven: true });
    expect(await organizationsOf(kit, "eve")).toEqual(["acme"]);
    const challenge = await kit.rules.domainChallenge(admin, "squat", "squat-rule");
    dns.records.set(challenge.name, [[challenge.value]]);
    const refused = await rejects(kit.rules.proveDomain(admin, "squat", "squat-rule"), "RULE_CONFLICT");
    expect(refused.details).toMatchObject({ reason: "domain_proven", provenDomain: "acme.example", organizationId: "acme" });
    const same = await kit.rules.domainChallenge(admin, "squat", "squat-same");
    dns.records.set(same.name, [[same.value]]);
    await rejects(kit.rules.proveDomain(admin, "squat", "squat-same"), "RULE_CONFLICT");
    expect(await organizationsOf(kit, "eve")).toEqual(["acme"]);
  });

  it("a proven domain refuses other organizations' rules at or under it, naming the prover only to those who may read it", async () => {
    const storage = await makeStorage();
    const { kit } = await world(storage, { ruleConflict: "allow" });
    await kit.rules.proveDomain(admin, "acme", "acme-rule");
    await kit.organizations.create(admin, { id: "desk-b", name: "Desk B", states: ["service"] });
    const before = await dumpThroughPorts(storage);
    for (const value of ["acme.example", "eu.acme.example", "deep.eu.acme.example"]) {
      const error = await rejects(kit.rules.add(admin, "squat", { kind: "domain", value }), "RULE_CONFLICT");
      expect(error.details).toMatchObject({ reason: "domain_proven", provenDomain: "acme.example", organizationId: "acme" });
    }
    // Acme is a "service" organization the agent may read; make the prover one it may not read.
    await kit.rules.remove(admin, "acme", "acme-rule");
    await kit.rules.add(admin, "squat", { id: "squat-rule", kind: "domain", value: "acme.example" });
    await kit.users.upsert(system, { id: "outsider", emails: [verified("outsider@acme.example")] });
    await makeAdmin(kit, "outsider", "squat");
    await kit.rules.proveDomain(admin, "squat", "squat-rule");
    const hidden = await rejects(kit.rules.add(agent, "desk-b", { kind: "domain", value: "eu.acme.example" }), "RULE_CONFLICT");
    expect(hidden.details).not.toHaveProperty("organizationId");
    expect(hidden.message).not.toContain("squat");
    // Other kinds and unrelated domains are not affected.
    await kit.rules.add(admin, "desk-b", { kind: "email", value: "someone@acme.example" });
    await kit.rules.add(agent, "desk-b", { kind: "domain", value: "notacme.example" });
    expect(before).not.toBe(await dumpThroughPorts(storage));
  });

  it("proving shadows other organizations' linking rules: it needs the right to edit them, then their members at the domain leave", async () => {
    const storage = await makeStorage();
    const { kit } = await world(storage);
    await kit.rules.remove(admin, "acme", "acme-rule");
    await kit.rules.add(admin, "acme", { id: "acme-rule", kind: "domain", value: "acme.example" });
    await kit.rules.add(admin, "squat", { id: "squat-rule", kind: "domain", value: "eu.acme.example" });
    await kit.users.upsert(system, { id: "eve", emails: [verified("eve@eu.acme.example")] });
    expect(await organizationsOf(kit, "eve")).toEqual(["squat"]);
    const before = await dumpThroughPorts(storage);
    const refused = await rejects(kit.rules.proveDomain(agent, "acme", "acme-rule"), "FORBIDDEN");
    expect(refused.message).toContain("another organization's domain rule covers");
    expect(await dumpThroughPorts(storage)).toBe(before);
    const result = await kit.rules.proveDomain(admin, "acme", "acme-rule");
    expect(result).toMatchObject({ proven: true, usersRelinked: 2 }); // every user in the domain: boss and eve
    expect(await organizationsOf(kit, "eve")).toEqual([]); // Acme's rule has no subdomains; Squat's no longer matches
    const [left] = (await eventsOf(kit, "membership.removed")).filter((e) => e.data["userId"] === "eve");
    expect(left).toMatchObject({ organizationId: "squat", data: { reason: "rule_no_longer_matches" } });
    // Squat's rule stays (inert), and links nobody new.
    expect((await kit.rules.list(admin, "squat")).map((r) => r.id)).toEqual(["squat-rule"]);
    await kit.users.upsert(system, { id: "fay", emails: [verified("fay@eu.acme.example")] });
    expect(await organizationsOf(kit, "fay")).toEqual([]);
    // Removing the proven rule gives the domain back: Squat's rule links again.
    const removed = await kit.rules.remove(admin, "acme", "acme-rule");
    expect(removed.usersRelinked).toBeGreaterThanOrEqual(2);
    expect(await organizationsOf(kit, "eve")).toEqual(["squat"]);
    expect(await organizationsOf(kit, "fay")).toEqual(["squat"]);
    const [lost] = await eventsOf(kit, "member_rule.domain_proof_removed");
    expect(lost?.data).toEqual({ ruleId: "acme-rule", domain: "acme.example", method: "affiliation", reason: "rule_removed" });
  });

  it("a broader rule that includes subdomains keeps its other hosts, and loses the proven subdomain's", async () => {
    const { kit } = await world(await makeStorage());
    await kit.organizations.create(admin, { id: "eu", name: "Acme Europe" });
    await kit.rules.add(admin, "eu", { id: "eu-rule", kind: "domain", value: "eu.acme.example" });
    await kit.users.upsert(system, { id: "lena", emails: [verified("lena@eu.acme.example")] });
    await kit.users.upsert(system, { id: "ussy", emails: [verified("ussy@us.acme.example")] });
    expect(await organizationsOf(kit, "lena")).toEqual(["acme", "eu"]);
    await kit.users.upsert(system, { id: "eu-boss", emails: [verified("boss@eu.acme.example")] });
    await makeAdmin(kit, "eu-boss", "eu");
    expect(await kit.rules.proveDomain(admin, "eu", "eu-rule")).toMatchObject({ proven: true, proof: { method: "affiliation", userId: "eu-boss" } });
    expect(await organizationsOf(kit, "lena")).toEqual(["eu"]);
    expect(await organizationsOf(kit, "ussy")).toEqual(["acme"]);
    // Acme cannot prove its domain now: the proofs would nest.
    const refused = await rejects(kit.rules.proveDomain(admin, "acme", "acme-rule"), "RULE_CONFLICT");
    expect(refused.details).toMatchObject({ reason: "domain_proven", provenDomain: "eu.acme.example" });
  });

  it("removing a proven rule loses its proof: the same domain added again is unproven, with a new token", async () => {
    const storage = await makeStorage();
    const { kit, dns } = await world(storage);
    const first = await kit.rules.domainChallenge(admin, "acme", "acme-rule");
    dns.records.set(first.name, [[first.value]]);
    await kit.rules.proveDomain(admin, "acme", "acme-rule", { method: "dns" });
    await kit.rules.remove(admin, "acme", "acme-rule");
    await kit.rules.add(admin, "acme", { id: "again", kind: "domain", value: "acme.example" });
    expect((await kit.rules.list(admin, "acme"))[0]?.proof ?? null).toBeNull();
    const second = await kit.rules.domainChallenge(admin, "acme", "again");
    expect(second.value).not.toBe(first.value);
    // The old record names the old token: it proves nothing now.
    expectFailed(await kit.rules.proveDomain(admin, "acme", "again", { method: "dns" }), "token_mismatch");
  });

  it("proofs are per tenant", async () => {
    const storage = await makeStorage();
    const { kit } = await world(storage);
    await kit.rules.proveDomain(admin, "acme", "acme-rule");
    const other = await world(storage.forTenant!("other-tenant"));
    await other.kit.rules.add(admin, "squat", { kind: "domain", value: "eu.acme.example" });
    expect((await other.kit.rules.list(admin, "acme"))[0]?.proof ?? null).toBeNull();
    expect(await other.kit.rules.proveDomain(admin, "squat", (await other.kit.rules.list(admin, "squat"))[0]!.id, { method: "affiliation" })).toMatchObject({ proven: false });
  });
});

describe("domain proof: raw rows", () => {
  it("memory stores the proof on the rule and the token beside it; removing the rule removes both", async () => {
    const storage = memoryStorage();
    const { kit } = await world(storage);
    const inspect = memoryInspector(storage);
    const challenge = await kit.rules.domainChallenge(admin, "acme", "acme-rule");
    expect(await inspect.rule!("acme-rule")).toMatchObject({ proven: false, proofMethod: null, challengeToken: challenge.value.slice(20) });
    await kit.rules.proveDomain(admin, "acme", "acme-rule");
    expect(await inspect.rule!("acme-rule")).toMatchObject({ proven: true, proofMethod: "affiliation" });
    await kit.rules.remove(admin, "acme", "acme-rule");
    expect(await inspect.rule!("acme-rule")).toBeNull();
  });
});
