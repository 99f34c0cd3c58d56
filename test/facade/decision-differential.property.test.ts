/**
 * Issue 11, "one decision path", as a differential property: on random small worlds
 * (organizations with random states, parents and status; users with random platform
 * roles, staff profiles — edit without read included —, memberships, admin flags and
 * verified identities that member rules link), random use cases by random actors are
 * allowed by the facade exactly when `policy.check` allows the equivalent request(s) of
 * the table in `use-case-requests.ts`, reads return exactly what those requests allow,
 * and storage is unchanged after every refusal. Memory storage, under the `"multiple"` and
 * the `"single"` membership policy (a refusal because a cascade would move a user out of an
 * organization the actor has no rights on is cross-checked against the evaluator, and
 * listed). `DIFF_RUNS` and `DIFF_SEED` explore further (default 300 runs, a fixed seed).
 *
 * The world evolves: each call's expectation is asked of the policy and the facts taken
 * right before it. Disagreements are collected over every run (one example per use case
 * and kind) instead of stopping at the first, so one failure does not hide another.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createOrgKit, isOrgKitError, SYSTEM_ACTOR, type OrgKit, type OrgKitConfigInput } from "../../src/index.js";
import { memoryStorage } from "../../src/adapters/memory/index.js";
import { createTestClock } from "../../src/testing/test-clock.js";
import { createTestIds } from "../../src/testing/test-ids.js";
import { playCell, USE_CASES, World, type Cell, type CellResult } from "./use-case-requests.js";

const system = SYSTEM_ACTOR;
const FLAGS = ["service", "outreach", "opportunities"] as const;
const COMBINATIONS = [
  "none",
  "service",
  "outreach",
  "opportunities",
  "service+outreach",
  "service+opportunities",
  "outreach+opportunities",
  "service+outreach+opportunities",
] as const;
const ROLES = ["member", "manager", "technician"] as const;
type Action = "read" | "edit" | "delete";

const profile = fc.record({
  add: fc.boolean(),
  // Each combination's actions, edit or delete without read included.
  cells: fc.tuple(...COMBINATIONS.map(() => fc.subarray<Action>(["read", "edit", "delete"]))),
});
const organization = fc.record({
  states: fc.subarray([...FLAGS]),
  parent: fc.option(fc.nat(50), { freq: 2 }),
  allowedRoles: fc.subarray([...ROLES]),
  linked: fc.boolean(),
  discontinued: fc.nat(3).map((n) => n === 0), // a quarter
  asset: fc.boolean(),
});
const user = fc.record({
  kind: fc.constantFrom("user" as const, "agent" as const),
  platformRole: fc.constantFrom(null, null, null, null, null, "admin" as const, "super_admin" as const),
  profile: fc.option(fc.nat(2), { freq: 3 }), // a third without profile
  registered: fc.boolean(),
  /** A verified email at an organization's rule domain: linked by its rule. */
  ruleEmail: fc.option(fc.nat(50), { freq: 3 }),
  memberships: fc.array(fc.record({ org: fc.nat(50), role: fc.constantFrom(...ROLES), admin: fc.boolean() }), { maxLength: 3 }),
});
const call = fc.record({
  useCase: fc.nat(USE_CASES.length - 1),
  actor: fc.nat(300),
  org: fc.nat(50),
  user: fc.nat(300),
  outsider: fc.nat(50),
  rule: fc.nat(300),
  resource: fc.nat(300),
  anchor: fc.nat(50),
  mover: fc.nat(50),
  profile: fc.nat(50),
});
const scenario = fc.record({
  membershipPolicy: fc.constantFrom("multiple" as const, "single" as const),
  /** Per organization: whether its domain rule takes subdomains, and a second rule for a subdomain of another organization's domain. */
  subdomainRules: fc.array(fc.record({ includeSubdomains: fc.boolean(), sub: fc.option(fc.nat(50), { freq: 2 }) }), { minLength: 6, maxLength: 6 }),
  profiles: fc.array(profile, { minLength: 3, maxLength: 3 }),
  organizations: fc.array(organization, { minLength: 3, maxLength: 6 }),
  users: fc.array(user, { minLength: 3, maxLength: 6 }),
  calls: fc.array(call, { minLength: 10, maxLength: 20 }),
});
type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

/** Builds the world with the system actor; returns the ids. */
async function build(kit: OrgKit, s: Scenario) {
  await kit.usergroups.create(system, { id: "ug-1", name: "Linked", permissions: ["portal.use"] });
  await kit.usergroups.create(system, { id: "ug-spare", name: "Spare", permissions: ["kb.read"] });
  const profiles = s.profiles.map((_, i) => `p${i}`);
  for (const [i, p] of s.profiles.entries()) {
    const organizations = Object.fromEntries(COMBINATIONS.map((key, j) => [key, p.cells[j]!] as const).filter(([, actions]) => actions.length > 0));
    await kit.profiles.create(system, { id: profiles[i]!, name: `Profile ${i}`, add: p.add, organizations });
  }
  const orgs = s.organizations.map((_, i) => `o${i}`);
  for (const [i, o] of s.organizations.entries()) {
    const parentId = i === 0 || o.parent === null ? null : orgs[o.parent % i]!;
    await kit.organizations.create(system, {
      id: orgs[i]!,
      name: `Org ${i}`,
      externalId: `xo-${orgs[i]}`,
      states: o.states,
      ...(parentId ? { parentId } : {}),
      allowedRoles: o.allowedRoles,
      usergroupIds: o.linked ? ["ug-1"] : [],
    });
    const rule = s.subdomainRules[i]!;
    await kit.rules.add(system, orgs[i]!, { id: `rule-${orgs[i]}`, kind: "domain", value: `${orgs[i]}.example`, includeSubdomains: rule.includeSubdomains });
    if (o.asset) await kit.resources.assign(system, { kind: "asset", id: `a-${orgs[i]}`, organizationId: orgs[i]! });
  }
  // More specific claims inside earlier organizations' domains: a user there matches both, the subdomain rule first.
  const domains = orgs.map((o) => `${o}.example`);
  for (const [i, o] of orgs.entries()) {
    const sub = s.subdomainRules[i]!.sub;
    if (sub === null || i === 0) continue;
    const value = `s${i}.${orgs[sub % i]}.example`;
    await kit.rules.add(system, o, { id: `sub-${o}`, kind: "domain", value });
    domains.push(value);
  }
  const users = s.users.map((_, i) => `u${i}`);
  for (const [i, u] of s.users.entries()) {
    const emails = u.ruleEmail === null ? [] : [{ value: `u${i}@${domains[u.ruleEmail % domains.length]}`, verified: true }];
    await kit.users.upsert(system, {
      id: users[i]!,
      kind: u.kind,
      platformRole: u.platformRole,
      profileId: u.profile === null ? null : profiles[u.profile % profiles.length]!,
      registered: u.registered,
      emails,
    });
    for (const m of u.memberships) {
      const organizationId = orgs[m.org % orgs.length]!;
      if (await kit.memberships.get(system, users[i]!, organizationId)) {
        await kit.memberships.setRole(system, users[i]!, organizationId, m.role);
        await kit.memberships.setAdmin(system, users[i]!, organizationId, m.admin);
      } else {
        await kit.memberships.add(system, { userId: users[i]!, organizationId, role: m.role, admin: m.admin });
      }
    }
  }
  for (const [i, o] of s.organizations.entries()) if (o.discontinued) await kit.organizations.discontinue(system, orgs[i]!);
  return { orgs, users, profiles };
}

/**
 * Runs the differential on random worlds with the access `rules` of the configuration:
 * none (the seed's independent organizations), or issue 16's cascading roles and admins
 * (then the facade's authorization slice loads what the actor's cascades reach, and must
 * still agree with the whole policy).
 */
async function differential(rules: OrgKitConfigInput, label: string, defaultRuns: number): Promise<void> {
    const started = Date.now();
    const failures = new Map<string, string>();
    const tally = new Map<CellResult["verdict"], number>();
    const coverage = new Map<string, { allowed: number; denied: number }>();
    const domainFirst = new Set<string>();
    const cascades = new Set<string>();
    const unreadable = new Set<string>();
    let calls = 0;
    let allowed = 0;
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        runs++;
        const storage = memoryStorage();
        const kit = createOrgKit({ storage, clock: createTestClock().now, ids: createTestIds(), config: { membershipPolicy: s.membershipPolicy, ...rules } });
        const { orgs, users, profiles } = await build(kit, s);
        const world = new World(kit, storage);
        const actors = [...users, "ghost"];
        for (const [step, c] of s.calls.entries()) {
          const useCase = USE_CASES[c.useCase]!;
          const facts = await world.facts();
          const org = orgs[c.org % orgs.length]!;
          // Mostly the target's own rules, resources and members (else the call is about nothing the actor could touch), sometimes anyone's.
          const pick = <T>(n: number, near: readonly T[], all: readonly T[]): T | null => {
            const from = n % 3 !== 0 && near.length > 0 ? near : all;
            return from.length === 0 ? null : from[Math.floor(n / 3) % from.length]!;
          };
          const members = facts.memberships.filter((m) => m.organizationId === org).map((m) => m.userId);
          const rules = facts.rules.map((r) => r.id);
          const ownRules = facts.rules.filter((r) => r.organizationId === org).map((r) => r.id);
          const resources = facts.resources.map((r) => ({ kind: r.kind, id: r.id }));
          const ownResources = facts.resources.filter((r) => r.organizationId === org).map((r) => ({ kind: r.kind, id: r.id }));
          const cell: Cell = {
            actor: pick(c.actor, members, actors)!,
            org,
            user: pick(c.user, members, users)!,
            outsider: users[c.outsider % users.length]!,
            rule: pick(c.rule, ownRules, rules),
            resource: pick(c.resource, ownResources, resources),
            anchor: orgs[c.anchor % orgs.length]!,
            mover: orgs[c.mover % orgs.length]!,
            usergroup: "ug-1",
            spareUsergroup: "ug-spare",
            spareProfile: profiles[c.profile % profiles.length]!,
            claimedDomain: facts.rules.find((r) => r.id === `rule-${orgs[c.anchor % orgs.length]}`)?.value ?? "nobody.example",
            fresh: `${runs}x${step}`,
          };
          let result: CellResult;
          try {
            result = await playCell(world, useCase, cell, { restore: false });
          } catch (error) {
            // An undo or a fact read failing is the test's own problem: report it as such.
            failures.set(`${useCase.name} crashed`, `${isOrgKitError(error) ? error.code : ""} ${String(error)}`);
            world.changed();
            continue;
          }
          calls++;
          if (result.facade === "allowed" || result.facade === "data") allowed++;
          tally.set(result.verdict, (tally.get(result.verdict) ?? 0) + 1);
          const seen = coverage.get(useCase.name) ?? { allowed: 0, denied: 0 };
          if (result.evaluator) seen.allowed++;
          else seen.denied++;
          coverage.set(useCase.name, seen);
          if (result.verdict === "domain-first") domainFirst.add(`${result.useCase}: ${result.facade}`);
          if (result.returnedUnreadable !== undefined) unreadable.add(result.useCase);
          if (result.verdict === "cascade-refused") cascades.add(`${result.useCase} (${s.membershipPolicy})`);
          if (result.verdict !== "ok" && result.verdict !== "domain-first" && result.verdict !== "cascade-refused") {
            const key = `${result.useCase} ${result.verdict}`;
            if (!failures.has(key)) {
              const domain = result.domain === null ? "none" : result.domain === "noop" ? "noop" : result.domain.codes.join("|");
              failures.set(key, `${JSON.stringify(cell)}: facade ${result.facade}, evaluator ${result.evaluator ? "allows" : "denies"}, world refusal ${domain}`);
            }
          }
        }
      }),
      { numRuns: Number(process.env.DIFF_RUNS ?? defaultRuns), seed: Number(process.env.DIFF_SEED ?? 11_2024) },
    );
    console.log(
      `decision differential (${label}): ${runs} worlds, ${calls} calls (${allowed} allowed or answered with data), ` +
        `verdicts ${JSON.stringify(Object.fromEntries(tally))}, ${failures.size} kinds of disagreement, ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    if (unreadable.size > 0) console.log(`  allowed writes that answered with an organization the actor may not read (not failures): ${[...unreadable].join("; ")}`);
    if (cascades.size > 0) console.log(`  refused for a cascade into an organization the actor has no rights on (not failures): ${[...cascades].join("; ")}`);
    if (domainFirst.size > 0) console.log(`  domain errors before authorization (not failures): ${[...domainFirst].join("; ")}`);
    // Every use case was drawn, and both ways: allowed by the evaluator and denied (not for
    // "search everything", which every actor may ask).
    const oneSided = USE_CASES.filter((u) => u.name !== "organizations.search[all]").filter((u) => {
      const seen = coverage.get(u.name);
      return !seen || seen.allowed === 0 || seen.denied === 0;
    });
    expect({
      disagreements: Object.fromEntries(failures),
      domainErrorsBeforeAuthorization: [...domainFirst],
      drawnOneWayOnly: oneSided.map((u) => `${u.name} ${JSON.stringify(coverage.get(u.name) ?? null)}`),
    }).toEqual({ disagreements: {}, domainErrorsBeforeAuthorization: [], drawnOneWayOnly: [] });
}

describe("decision differential (memory)", () => {
  it("the facade allows exactly what policy.check allows for the equivalent requests, and a refusal writes nothing", async () => {
    await differential({}, "default rules", 300);
  }, 120_000);

  it("the same with cascading roles and admins (issue 16): the authorization slice agrees with the whole policy", async () => {
    await differential({ roles: { manager: { seesOrganizationTickets: true, cascade: "descendants" }, technician: { cascade: "descendants" } }, admins: { cascade: "descendants" } }, "cascading rules", 200);
  }, 120_000);
});
