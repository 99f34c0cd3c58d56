import { describeValue, invalidArgument } from "../domain/argument-guards.js";

/** A deterministic id generator for tests: see {@link createTestIds}. */
export interface TestIds {
  /** The next id for an entity kind (`organization` → `org_0001`, `org_0002`…). `VALIDATION_FAILED` for a kind that is not a string. */
  (kind?: string): string;
  /** Restarts every counter at 1. */
  reset(): void;
}

/** The short prefix of each id kind orgkit generates (the same as the service's random ids). */
const KIND_PREFIXES: ReadonlyMap<string, string> = new Map([
  ["organization", "org"],
  ["rule", "rule"],
  ["usergroup", "ug"],
  ["profile", "prof"],
  ["user", "usr"],
  ["invitation", "inv"],
]);

/**
 * Sequential, deterministic ids, counted per kind: `org_0001`, `org_0002`, `rule_0001`…
 * (other kinds use their own name, no kind gives `id_0001`). `prefix` goes in front of
 * every id, to keep two generators apart. Numbers are padded to four digits, so ids sort
 * in creation order up to 9999.
 *
 * @throws `OrgKitError` `VALIDATION_FAILED` for a `prefix` that is not a string.
 *
 * @example
 * ```ts
 * const ids = createTestIds();
 * const kit = createOrgKit({ storage: memoryStorage(), ids });
 * ids("organization"); // "org_0001"
 * createTestIds("t1_")("user"); // "t1_usr_0001"
 * ```
 */
export function createTestIds(prefix = ""): TestIds {
  if (typeof prefix !== "string") throw invalidArgument("test ids", "prefix", `must be a string, not ${describeValue(prefix)}`, "invalid_type");
  const counters = new Map<string, number>();
  const next = (kind?: string): string => {
    if (kind !== undefined && typeof kind !== "string") throw invalidArgument("test ids", "kind", `must be a string, not ${describeValue(kind)}`, "invalid_type");
    // A Map, not an object: `constructor` or `__proto__` is just another kind.
    const name = kind === undefined ? "id" : (KIND_PREFIXES.get(kind) ?? kind);
    const n = (counters.get(name) ?? 0) + 1;
    counters.set(name, n);
    return `${prefix}${name}_${String(n).padStart(4, "0")}`;
  };
  return Object.assign(next, { reset: () => counters.clear() });
}
