/**
 * Small SQL helpers shared by the repositories: qualified table names, LIKE escaping,
 * keyset options and reading `jsonb` documents back.
 *
 * @module
 */
import { validationError } from "../../errors.js";
import { checkTenant } from "../../storage/tenant.js";

/** The schema orgkit's tables live in unless another is configured. */
export const DEFAULT_SCHEMA = "orgkit";

/** Every table orgkit creates, by role. */
export interface TableNames {
  readonly migrations: string;
  readonly organizations: string;
  readonly users: string;
  readonly userIdentities: string;
  readonly memberships: string;
  readonly memberRules: string;
  /** The challenges of domain rules (migration 8). */
  readonly memberRuleChallenges: string;
  readonly usergroups: string;
  readonly staffProfiles: string;
  readonly resources: string;
  /** Invitations (migration 7). */
  readonly invitations: string;
  readonly events: string;
  readonly changes: string;
  readonly changeRevisions: string;
  readonly changeFeedState: string;
  /** The sequence event numbers come from (migration 6; before it, an identity column). */
  readonly eventSequence: string;
  /** Per-tenant settings: the kits' configuration record (migration 10). */
  readonly settings: string;
  /** The hierarchy's closure: one row per organization and each of its ancestors (migration 11). */
  readonly organizationClosure: string;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;

/**
 * Checks a schema name and returns it double-quoted. Only plain identifiers are accepted,
 * so the name can be spliced into SQL safely (identifiers cannot be bound as parameters).
 */
export function quoteSchema(schema: string): string {
  if (typeof schema !== "string" || !IDENTIFIER.test(schema)) {
    throw validationError(`Invalid PostgreSQL schema name${typeof schema === "string" ? ` "${schema}"` : ""}`, [
      { path: "schema", message: "must be a plain identifier: a letter or _, then letters, digits, _ or $ (at most 63)", code: "invalid_argument" },
    ]);
  }
  return `"${schema}"`;
}

/** Qualified names of orgkit's tables in `schema`. */
export function tableNames(schema: string = DEFAULT_SCHEMA): TableNames {
  const s = quoteSchema(schema);
  return {
    migrations: `${s}.orgkit_migrations`,
    organizations: `${s}.organizations`,
    users: `${s}.users`,
    userIdentities: `${s}.user_identities`,
    memberships: `${s}.memberships`,
    memberRules: `${s}.member_rules`,
    memberRuleChallenges: `${s}.member_rule_challenges`,
    usergroups: `${s}.usergroups`,
    staffProfiles: `${s}.staff_profiles`,
    resources: `${s}.resources`,
    invitations: `${s}.invitations`,
    events: `${s}.events`,
    changes: `${s}.changes`,
    changeRevisions: `${s}.change_revisions`,
    changeFeedState: `${s}.change_feed_state`,
    eventSequence: `${s}.event_sequence`,
    settings: `${s}.settings`,
    organizationClosure: `${s}.organization_closure`,
  };
}

/**
 * The NOTIFY channel of a schema's change feed: a lower-case plain identifier (so
 * `LISTEN` works unquoted, as PGlite sends it) of at most 63 bytes. Schemas differing
 * only in case share a channel, which costs nothing but an extra look at the feed.
 */
export function changeChannel(schema: string): string {
  const name = `orgkit_changes_${schema.toLowerCase()}`;
  if (name.length <= 63) return name;
  let hash = 0x811c9dc5; // FNV-1a
  for (let i = 0; i < schema.length; i++) hash = Math.imul(hash ^ schema.charCodeAt(i), 0x01000193) >>> 0;
  return `${name.slice(0, 54)}_${hash.toString(16).padStart(8, "0")}`;
}

/** A checked tenant id (see `checkTenant`) as a SQL string literal. */
export function tenantLiteral(tenant: string): string {
  return `'${checkTenant(tenant)}'`;
}

/** Escapes `\`, `%` and `_` so a string matches itself literally inside a LIKE pattern (default escape `\`). */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

import { invalidArgument } from "../../storage/arguments.js";

export { checkLimit, checkString, invalidArgument, readKeyset } from "../../storage/arguments.js";

/**
 * Splits a composite cursor `a + "\u0000" + b` (the format the ports use for two-part keys)
 * into its parts.
 */
export function splitCompositeKey(after: string, path: string): [string, string] {
  const at = after.indexOf("\u0000");
  if (at < 0) {
    throw invalidArgument(path, "must be two keys joined by U+0000", "invalid_cursor");
  }
  return [after.slice(0, at), after.slice(at + 1)];
}

/**
 * A `jsonb` column as an object. Drivers parse `jsonb` by default; a host that turned
 * that off gets strings, which are parsed here.
 */
export function readDocument<T>(value: unknown): T {
  return (typeof value === "string" ? JSON.parse(value) : value) as T;
}

/** Collects positional parameters while a statement is assembled: `add(v)` returns `$n`. */
export class Parameters {
  readonly values: unknown[] = [];
  /** Adds a value and returns its placeholder. */
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}
