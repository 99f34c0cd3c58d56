/**
 * Read scopes: what a subject may read, as plain data a host turns into a query filter
 * (as CASL's `rulesToQuery` turns rules into a database query). The same resolved facts
 * answer `canOnOrganization("read", …)` / `canViewTicket(…)` row by row and build these
 * scopes, so the filter and the checks cannot drift apart (both are property-tested
 * against each other, and against PostgreSQL in `test/permissions/ticket-filter.pglite.test.ts`).
 *
 * @module
 */
import { MEMBER_SEES_TICKETS } from "./access-rules.js";
import { REACH_READ, REACH_TICKETS, type ReachKind } from "./reach.js";
import { combinationKeyOfMask } from "./state-combinations.js";
import type { ResolvedSubject } from "./subject.js";

/**
 * The organizations a subject may read, as data: the query-filter form of
 * `subject.canOnOrganization("read", organization)`.
 *
 * An organization `o` of the policy is readable exactly when
 *
 * ```ts
 * scope.all || scope.organizationIds.includes(o.id) || scope.stateCombinations.includes(stateCombinationKey(o.states, stateFlags))
 * ```
 *
 * - `all: true`: a platform admin; every organization the policy knows, discontinued
 *   ones included. (An id the policy does not know is denied by `canOnOrganization`;
 *   a host whose organizations table holds the same organizations as the policy needs
 *   no extra condition.)
 * - `organizationIds`: the organizations the subject is a member of (any role, admins
 *   too), **active ones only** — the memberships of a discontinued organization are
 *   dormant and give no read — and, when the policy has cascading rules (the snapshot's
 *   `roles` and `admins`), every organization a cascading membership reaches (computed
 *   once per subject, O(organizations reached)).
 * - `stateCombinations`: the combination keys the staff profile may read (agents with
 *   a profile only). They apply to every organization in that combination, **whatever
 *   its status**: a profile reads a discontinued organization like an active one. So
 *   the host filters on no status column.
 *
 * Unknown subjects and guests get `{ all: false, organizationIds: [], stateCombinations: [] }`.
 * The value is deeply frozen, plain JSON.
 *
 * @example
 * ```ts
 * const scope = policy.subject("agent_7").organizationReadScope();
 * // { all: false, organizationIds: ["acme"], stateCombinations: ["none", "service"] }
 * const readable = scope.all ? rows : rows.filter((o) =>
 *   scope.organizationIds.includes(o.id) || scope.stateCombinations.includes(stateCombinationKey(o.states, flags)));
 * ```
 */
export type OrganizationReadScope =
  | {
      /** A platform admin: every organization the policy knows, discontinued ones included. */
      readonly all: true;
    }
  | {
      /** Only the organizations listed by id or by state combination. */
      readonly all: false;
      /** Organizations read through an active membership, or reached by a cascading one (sorted, distinct). */
      readonly organizationIds: readonly string[];
      /**
       * State combination keys (as `stateCombinationKey` makes them with the policy's
       * `stateFlags`, `"none"` for no state) the staff profile may read, in mask order
       * (the order of `allStateCombinations`). Empty without a profile.
       */
      readonly stateCombinations: readonly string[];
    };

/**
 * The tickets a subject may view, as data: the query-filter form of
 * `subject.canViewTicket({ requesterId, organizationId })`.
 *
 * A ticket is visible exactly when
 *
 * ```ts
 * filter.all
 *   || filter.requesterId === ticket.requesterId
 *   || filter.organizationIds.includes(ticket.organizationId)
 *   || (ticket.organizationId === null
 *         ? filter.withoutOrganization
 *         : filter.stateCombinations.includes(stateCombinationKey(statesOf(ticket.organizationId), stateFlags)))
 * ```
 *
 * where the last test holds only for an organization the policy knows: for an unknown
 * organization id `canViewTicket` says no (bar the requester and platform admins). A
 * SQL filter gets the same result by looking the states up with an inner join or an
 * `EXISTS` on the host's organizations table (no row, no match) — not a `LEFT JOIN`,
 * whose missing states would read as `"none"`.
 *
 * - `all: true`: a platform admin; every ticket, whatever its organization (unknown
 *   and no organization included).
 * - `requesterId`: the subject's own id (it sees the tickets it raised); `null` for
 *   guests and unknown subjects, which see no ticket at all.
 * - `organizationIds`: the organizations where the subject's role sees the tickets
 *   (`manager`, unless the snapshot's `roles` say otherwise) through an active
 *   membership, and those a cascading role that sees tickets reaches (sorted,
 *   distinct). Without cascades: all their tickets, not their children's.
 * - `stateCombinations`: the combination keys the staff profile may read; they apply
 *   to organizations of any status, as in {@link OrganizationReadScope}.
 * - `withoutOrganization`: tickets without organization are visible (the profile's
 *   `"none"` cell allows read).
 *
 * The value is deeply frozen, plain JSON.
 *
 * @example
 * ```ts
 * const filter = policy.subject("agent_7").ticketReadFilter();
 * // { all: false, requesterId: "agent_7", organizationIds: [], stateCombinations: ["service"], withoutOrganization: false }
 * // In SQL (see docs/permissions.md for the state combination key of an organization):
 * //   t.requester_id = $1 OR t.organization_id = ANY($2) OR (t.organization_id IS NULL AND $3)
 * //   OR EXISTS (SELECT 1 FROM organizations o WHERE o.id = t.organization_id AND <key of o.states> = ANY($4))
 * ```
 */
export type TicketReadFilter =
  | {
      /** A platform admin: every ticket, whatever its organization. */
      readonly all: true;
    }
  | {
      /** Only the tickets the other members let through. */
      readonly all: false;
      /** Tickets raised by this user are visible; `null` for guests and unknown subjects. */
      readonly requesterId: string | null;
      /** Organizations where the subject's role sees the tickets (an active `manager` membership by default), or a cascade of such a role reaches: every ticket of theirs is visible (sorted, distinct). */
      readonly organizationIds: readonly string[];
      /** Combination keys whose organizations' tickets the staff profile may read, in mask order. */
      readonly stateCombinations: readonly string[];
      /** Tickets with no organization are visible (the profile reads `"none"`). */
      readonly withoutOrganization: boolean;
    };

/** The "read" bit of a profile cell (`actionBit("read")` in subject.ts, not imported to keep the modules acyclic). */
const READ = 1;

const ALL: { readonly all: true } = Object.freeze({ all: true as const });

// Scopes are derived from immutable subject facts only, so one per subject is enough.
const organizationScopes = new WeakMap<ResolvedSubject, OrganizationReadScope>();
const ticketFilters = new WeakMap<ResolvedSubject, TicketReadFilter>();

/** The {@link OrganizationReadScope} of a resolved subject (mirrors `canOnOrganization("read", …)`). */
export function organizationReadScopeOf(subject: ResolvedSubject): OrganizationReadScope {
  let scope = organizationScopes.get(subject);
  if (scope === undefined) {
    scope = subject.platform
      ? ALL
      : Object.freeze({
          all: false as const,
          organizationIds: Object.freeze(readableOrganizationIds(subject, false)),
          stateCombinations: Object.freeze(readableCombinations(subject)),
        });
    organizationScopes.set(subject, scope);
  }
  return scope;
}

/** The {@link TicketReadFilter} of a resolved subject (mirrors `canViewTicket`). */
export function ticketReadFilterOf(subject: ResolvedSubject): TicketReadFilter {
  let filter = ticketFilters.get(subject);
  if (filter === undefined) {
    if (subject.record === null) {
      // Guests and unknown ids: canViewTicket denies before looking at anything else.
      filter = Object.freeze({ all: false as const, requesterId: null, organizationIds: Object.freeze([]), stateCombinations: Object.freeze([]), withoutOrganization: false });
    } else if (subject.platform) {
      filter = ALL;
    } else {
      filter = Object.freeze({
        all: false as const,
        requesterId: subject.id,
        organizationIds: Object.freeze(readableOrganizationIds(subject, true)),
        stateCombinations: Object.freeze(readableCombinations(subject)),
        withoutOrganization: (subject.cells[0]! & READ) !== 0,
      });
    }
    ticketFilters.set(subject, filter);
  }
  return filter;
}

/**
 * The ids of the organizations of the subject's active memberships (`tickets`: those
 * whose role sees the tickets), with those its cascades reach, sorted and distinct. A
 * membership is active when the subject's resolved `memberOrgs` holds its organization,
 * and the reach is the subject's resolved reach: exactly what the checks test.
 */
function readableOrganizationIds(subject: ResolvedSubject, tickets: boolean): string[] {
  const memberships = subject.record?.memberships ?? [];
  const ids = new Set<string>();
  for (const membership of memberships) {
    const at = subject.membershipAt(membership.orgIndex);
    if (at < 0) continue;
    if (tickets && (subject.memberFlags[at]! & MEMBER_SEES_TICKETS) === 0) continue;
    ids.add(membership.organizationId);
  }
  const reach = subject.reach;
  if (reach !== null) {
    const kind: ReachKind = tickets ? REACH_TICKETS : REACH_READ;
    const names = reach.numbering.ids;
    for (const index of reach.reached(kind)) ids.add(names[index]!);
  }
  return [...ids].sort();
}

/** The combination keys whose profile cell allows read, in mask order. */
function readableCombinations(subject: ResolvedSubject): string[] {
  const space = subject.tables.space;
  const cells = subject.cells;
  const keys: string[] = [];
  // Cell `space.size` stands for unknown organizations and is always empty: not a combination.
  for (let mask = 0; mask < space.size; mask++) if ((cells[mask]! & READ) !== 0) keys.push(combinationKeyOfMask(mask, space));
  return keys;
}
