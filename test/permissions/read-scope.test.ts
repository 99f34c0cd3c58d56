/**
 * Read scopes (`subject.organizationReadScope()`, `subject.ticketReadFilter()`) are the
 * query-filter form of `canOnOrganization("read")` and `canViewTicket`: applied as a
 * filter, they must select exactly what the checks allow, on random policies (and
 * after random changes, with carried-over subjects), for every subject.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  compilePolicy,
  stateCombinationKey,
  type OrganizationReadScope,
  type Policy,
  type PolicyChange,
  type PolicySnapshot,
  type Subject,
  type TicketReadFilter,
} from "../../src/permissions/index.js";
import { FLAGS, ORG_IDS, USER_IDS, cascadeSnapshotArb, changeArb, snapshotArb } from "./arbitraries.js";

interface Ticket {
  readonly requesterId: string;
  readonly organizationId: string | null;
}

/** The predicate a host applies: documented on `OrganizationReadScope`. */
function scopeAllows(scope: OrganizationReadScope, id: string, states: readonly string[], flags: readonly string[]): boolean {
  return scope.all || scope.organizationIds.includes(id) || scope.stateCombinations.includes(stateCombinationKey(states, flags));
}

/** The predicate a host applies: documented on `TicketReadFilter`; `statesOf` is the host's organizations table (undefined: no such row). */
function filterAllows(filter: TicketReadFilter, ticket: Ticket, statesOf: (id: string) => readonly string[] | undefined, flags: readonly string[]): boolean {
  if (filter.all) return true;
  if (filter.requesterId === ticket.requesterId) return true;
  if (ticket.organizationId === null) return filter.withoutOrganization;
  if (filter.organizationIds.includes(ticket.organizationId)) return true;
  const states = statesOf(ticket.organizationId);
  return states !== undefined && filter.stateCombinations.includes(stateCombinationKey(states, flags));
}

/** Every subject of the universe: users, a new id, an unknown id, the guest and a malformed reference. */
function subjectsOf(policy: Policy): [string, Subject][] {
  return [
    ...[...USER_IDS, "u-new", "ghost"].map((id): [string, Subject] => [id, policy.subject(id)]),
    ["guest", policy.guest()],
    ["malformed", policy.subject(42 as unknown as string)],
  ];
}

const ticketArb: fc.Arbitrary<Ticket> = fc.record({
  requesterId: fc.constantFrom(...USER_IDS, "u-new", "ghost", "nobody"),
  organizationId: fc.constantFrom(null, ...ORG_IDS, "o-new", "o-missing"),
});

/** Every ticket of the small universe (requester × organization). */
const ALL_TICKETS: Ticket[] = [...USER_IDS, "nobody"].flatMap((requesterId) =>
  [null, ...ORG_IDS, "o-new", "o-missing"].map((organizationId) => ({ requesterId, organizationId })),
);

/** Checks both scopes of every subject against the checks, for the organizations and tickets given. */
function expectScopesAgree(policy: Policy, snapshot: PolicySnapshot, tickets: readonly Ticket[]): void {
  const flags = snapshot.stateFlags ?? FLAGS;
  const states = new Map((snapshot.organizations ?? []).map((o) => [o.id, o.states ?? []]));
  for (const [name, subject] of subjectsOf(policy)) {
    const scope = subject.organizationReadScope();
    for (const [id, orgStates] of states) {
      const expected = subject.canOnOrganization("read", id);
      if (scopeAllows(scope, id, orgStates, flags) !== expected) {
        throw new Error(`organization scope of ${name} disagrees on ${id} (${JSON.stringify(orgStates)}): ${JSON.stringify(scope)}, canOnOrganization says ${expected}`);
      }
    }
    const filter = subject.ticketReadFilter();
    for (const ticket of tickets) {
      const expected = subject.canViewTicket(ticket);
      if (filterAllows(filter, ticket, (id) => states.get(id), flags) !== expected) {
        throw new Error(`ticket filter of ${name} disagrees on ${JSON.stringify(ticket)}: ${JSON.stringify(filter)}, canViewTicket says ${expected}`);
      }
    }
  }
}

/** The host's organizations table after a change: only `organization.set` touches the states the predicates read. */
function organizationsAfter(before: PolicySnapshot, change: PolicyChange): PolicySnapshot {
  if (change.type !== "organization.set") return before;
  const others = (before.organizations ?? []).filter((o) => o.id !== change.organization.id);
  return { ...before, organizations: [...others, change.organization] };
}

/** Random policies without access rules, and with random cascading rules (issue 16: reached organizations are listed). */
const WORLDS = [
  { name: "default rules", worlds: snapshotArb },
  { name: "cascading rules", worlds: cascadeSnapshotArb },
];

describe.each(WORLDS)("read scopes agree with the checks ($name)", ({ worlds }) => {
  it("organizationReadScope selects exactly the organizations canOnOrganization('read') allows; ticketReadFilter exactly the tickets canViewTicket allows", () => {
    fc.assert(
      fc.property(worlds, fc.shuffledSubarray([...FLAGS], { minLength: FLAGS.length }), fc.array(ticketArb, { maxLength: 20 }), (generated, flags, tickets) => {
        // Any configured flag order: keys follow it.
        const snapshot: PolicySnapshot = { ...generated, stateFlags: flags };
        expectScopesAgree(compilePolicy(snapshot), snapshot, [...ALL_TICKETS, ...tickets]);
      }),
      { numRuns: 200 },
    );
  });

  it("still agree after random changes (subjects carried over to the new policy, warm caches)", () => {
    fc.assert(
      fc.property(worlds, fc.array(changeArb, { minLength: 1, maxLength: 8 }), (start, changes) => {
        let snapshot = start;
        let policy = compilePolicy(snapshot);
        for (const change of changes) {
          expectScopesAgree(policy, snapshot, ALL_TICKETS); // warms the subject cache and the scopes
          let next: Policy;
          try {
            next = policy.withChanges([change]);
          } catch {
            continue; // an invalid random change (a parent cycle…): the policy stays
          }
          snapshot = organizationsAfter(snapshot, change);
          policy = next;
        }
        expectScopesAgree(policy, snapshot, ALL_TICKETS);
      }),
      { numRuns: 100 },
    );
  });
});

describe("read scopes by hand", () => {
  const snapshot: PolicySnapshot = {
    schemaVersion: 1,
    version: 1,
    // Not the default order: keys follow the configured order.
    stateFlags: ["outreach", "service"],
    profiles: [
      { id: "service-readers", organizations: { service: ["read"], "service+outreach": ["edit"] } },
      { id: "no-state", organizations: { none: ["read", "edit"] } },
    ],
    organizations: [
      { id: "acme", states: ["service"] },
      { id: "east", parentId: "acme", states: ["service", "outreach"] },
      { id: "plain" },
      { id: "old-co", states: ["service"], status: "discontinued" },
      { id: "old-plain", status: "discontinued" },
    ],
    users: [
      { id: "root", kind: "agent", platformRole: "super_admin" },
      { id: "agent", kind: "agent", profileId: "service-readers" },
      { id: "night", kind: "agent", profileId: "no-state" },
      { id: "user-with-profile", kind: "user", profileId: "no-state" },
      { id: "manager", registered: true },
      { id: "member" },
      { id: "lonely" },
    ],
    memberships: [
      { userId: "manager", organizationId: "plain", role: "manager" },
      { userId: "manager", organizationId: "old-plain", role: "manager" },
      { userId: "manager", organizationId: "east", role: "member", admin: true },
      { userId: "member", organizationId: "acme" },
      { userId: "member", organizationId: "old-co", role: "manager" },
      { userId: "agent", organizationId: "plain", role: "manager" },
    ],
  };
  const policy = compilePolicy(snapshot);
  const none = { all: false, organizationIds: [], stateCombinations: [] };
  const noTickets = { all: false, requesterId: null, organizationIds: [], stateCombinations: [], withoutOrganization: false };

  it("platform admins read everything", () => {
    expect(policy.subject("root").organizationReadScope()).toEqual({ all: true });
    expect(policy.subject("root").ticketReadFilter()).toEqual({ all: true });
  });

  it("guests, unknown ids and malformed references read nothing, not even tickets 'they' raised", () => {
    for (const subject of [policy.guest(), policy.subject("ghost"), policy.subject(null as unknown as string), policy.subject("")]) {
      expect(subject.organizationReadScope()).toEqual(none);
      expect(subject.ticketReadFilter()).toEqual(noTickets);
    }
    expect(policy.subject("ghost").canViewTicket({ requesterId: "ghost" })).toBe(false);
  });

  it("an agent's profile reads by exact combination, discontinued organizations included; a manager membership adds that organization's tickets", () => {
    expect(policy.subject("agent").organizationReadScope()).toEqual({ all: false, organizationIds: ["plain"], stateCombinations: ["service"] });
    expect(policy.subject("agent").ticketReadFilter()).toEqual({
      all: false,
      requesterId: "agent",
      organizationIds: ["plain"],
      stateCombinations: ["service"],
      withoutOrganization: false,
    });
    // "service" matches the discontinued old-co too, as canOnOrganization does; "service+outreach" has edit only.
    expect(policy.canOnOrganization("agent", "read", "old-co")).toBe(true);
    expect(policy.canOnOrganization("agent", "read", "east")).toBe(false);
  });

  it("keys follow the configured flag order, and a profile's 'none' cell reads tickets without organization", () => {
    expect(stateCombinationKey(["service", "outreach"], snapshot.stateFlags)).toBe("outreach+service");
    expect(policy.subject("night").ticketReadFilter()).toEqual({ all: false, requesterId: "night", organizationIds: [], stateCombinations: ["none"], withoutOrganization: true });
    expect(policy.canViewTicket("night", { requesterId: "x" })).toBe(true);
    // Profiles apply to agents only.
    expect(policy.subject("user-with-profile").ticketReadFilter()).toEqual({ ...noTickets, requesterId: "user-with-profile" });
  });

  it("members read their active organizations only (sorted); only managers see their tickets", () => {
    expect(policy.subject("manager").organizationReadScope()).toEqual({ all: false, organizationIds: ["east", "plain"], stateCombinations: [] });
    expect(policy.subject("manager").ticketReadFilter()).toEqual({ ...noTickets, requesterId: "manager", organizationIds: ["plain"] });
    expect(policy.subject("member").organizationReadScope()).toEqual({ all: false, organizationIds: ["acme"], stateCombinations: [] });
    // A manager of a discontinued organization: dormant, as canViewTicket says.
    expect(policy.subject("member").ticketReadFilter()).toEqual({ ...noTickets, requesterId: "member" });
    expect(policy.canViewTicket("member", { requesterId: "x", organizationId: "old-co" })).toBe(false);
    expect(policy.subject("lonely").organizationReadScope()).toEqual(none);
  });

  it("is plain, frozen data: a JSON round trip gives it back, and it shares no array with the policy", () => {
    const subjects = [...snapshot.users!.map((u) => policy.subject(u.id)), policy.guest(), policy.subject("ghost")];
    for (const subject of subjects) {
      for (const value of [subject.organizationReadScope(), subject.ticketReadFilter()] as const) {
        expect(JSON.parse(JSON.stringify(value))).toEqual(value);
        expect(Object.isFrozen(value)).toBe(true);
        for (const field of Object.values(value)) if (Array.isArray(field)) expect(Object.isFrozen(field)).toBe(true);
        expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
      }
    }
    const scope = policy.subject("manager").organizationReadScope();
    expect(() => (scope as unknown as { organizationIds: string[] }).organizationIds.push("acme")).toThrow(TypeError);
    expect(policy.canOnOrganization("manager", "read", "acme")).toBe(false);
    expect(policy.subject("manager").organizationReadScope()).toEqual({ all: false, organizationIds: ["east", "plain"], stateCombinations: [] });
  });

  it("narrows on `all` (types)", () => {
    const scope: OrganizationReadScope = policy.subject("member").organizationReadScope();
    const ids: readonly string[] = scope.all ? [] : scope.organizationIds;
    // @ts-expect-error: organizationIds exists only when `all` is false
    void scope.organizationIds;
    const filter: TicketReadFilter = policy.subject("member").ticketReadFilter();
    const requester: string | null = filter.all ? null : filter.requesterId;
    expect([ids, requester]).toEqual([["acme"], "member"]);
  });

  it("follows the policy version: a new membership shows in the next policy's scope, not in the old one's", () => {
    const next = policy.withChanges([{ type: "membership.set", membership: { userId: "lonely", organizationId: "acme", role: "manager" } }]);
    expect(next.subject("lonely").ticketReadFilter()).toEqual({ ...noTickets, requesterId: "lonely", organizationIds: ["acme"] });
    expect(policy.subject("lonely").ticketReadFilter()).toEqual({ ...noTickets, requesterId: "lonely" });
  });
});
