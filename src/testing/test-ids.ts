/** A deterministic id generator for tests: see {@link createTestIds}. */
export interface TestIds {
  /** The next id for an entity kind (`organization` → `org_0001`, `org_0002`…). */
  (kind?: string): string;
  /** Restarts every counter at 1. */
  reset(): void;
}

/** The short prefix of each id kind orgkit generates (the same as the service's random ids). */
const KIND_PREFIXES: Readonly<Record<string, string>> = {
  organization: "org",
  rule: "rule",
  usergroup: "ug",
  profile: "prof",
  user: "usr",
};

/**
 * Sequential, deterministic ids, counted per kind: `org_0001`, `org_0002`, `rule_0001`…
 * (other kinds use their own name, no kind gives `id_0001`). `prefix` goes in front of
 * every id, to keep two generators apart. Numbers are padded to four digits, so ids sort
 * in creation order up to 9999.
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
  const counters = new Map<string, number>();
  const next = (kind?: string): string => {
    const name = kind === undefined ? "id" : (KIND_PREFIXES[kind] ?? kind);
    const n = (counters.get(name) ?? 0) + 1;
    counters.set(name, n);
    return `${prefix}${name}_${String(n).padStart(4, "0")}`;
  };
  return Object.assign(next, { reset: () => counters.clear() });
}
