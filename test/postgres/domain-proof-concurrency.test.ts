/**
 * Domain proof under concurrency, on a real server: two organizations proving the same
 * domain, or a domain and its subdomain, at the same moment on separate pool connections.
 * Exactly one wins (the unique index on proven zones, and SERIALIZABLE for nesting
 * domains); the other is refused and no rule of it is left proven. Runs only when
 * ORGKIT_PG_URL is set.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOrgKit, isOrgKitError, SYSTEM_ACTOR, type OrgKit, type TxtResolver } from "../../src/index.js";
import type { PostgresStorage } from "../../src/adapters/postgres/index.js";
import { SERVER_URL, serverTarget, type TestTarget } from "./targets.js";

const system = SYSTEM_ACTOR;

function outcome(result: PromiseSettledResult<{ proven: boolean }>): string {
  if (result.status === "fulfilled") return result.value.proven ? "proven" : "failed";
  return isOrgKitError(result.reason) ? result.reason.code : `non-orgkit: ${String(result.reason)}`;
}

describe.skipIf(!SERVER_URL)("domain proof concurrency on PostgreSQL (server)", () => {
  let target: TestTarget;
  let storage: PostgresStorage;
  let kits: OrgKit[];
  /** Every lookup waits until both provers have asked, so that their writing transactions start together. */
  let waiting: (() => void)[] = [];
  const dns: TxtResolver = {
    async resolveTxt(name) {
      await new Promise<void>((resolve) => {
        waiting.push(resolve);
        if (waiting.length === 2) {
          for (const go of waiting) go();
          waiting = [];
        }
      });
      return [[published.get(name) ?? ""], ...(extra.get(name) ?? []).map((v) => [v])];
    },
  };
  const published = new Map<string, string>();
  const extra = new Map<string, string[]>();

  beforeAll(async () => {
    target = await serverTarget(8);
    storage = await target.storage({ maxRetries: 10 });
    // Two kits on one storage: two service instances; each transaction has its own connection.
    kits = [0, 1].map(() => createOrgKit({ storage, dns, config: { ruleConflict: "allow" } }));
  });
  afterAll(async () => {
    await target?.close();
  });

  async function race(round: number, domains: readonly [string, string]) {
    const [a, b] = [`a-${round}`, `b-${round}`];
    for (const id of [a, b]) await kits[0]!.organizations.create(system, { id, name: `Prover ${id}` });
    const rules = [
      (await kits[0]!.rules.add(system, a, { id: `${a}-rule`, kind: "domain", value: domains[0] })).rule,
      (await kits[0]!.rules.add(system, b, { id: `${b}-rule`, kind: "domain", value: domains[1] })).rule,
    ];
    for (const [i, org] of [a, b].entries()) {
      const challenge = await kits[0]!.rules.domainChallenge(system, org, rules[i]!.id);
      const values = extra.get(challenge.name) ?? [];
      // The same name may need two tokens (both organizations claim one domain): publish both.
      if (published.has(challenge.name)) extra.set(challenge.name, [...values, challenge.value]);
      else published.set(challenge.name, challenge.value);
    }
    const results = await Promise.allSettled([kits[0]!.rules.proveDomain(system, a, rules[0]!.id, { method: "dns" }), kits[1]!.rules.proveDomain(system, b, rules[1]!.id, { method: "dns" })]);
    const outcomes = results.map(outcome);
    expect(outcomes.filter((o) => o === "proven"), outcomes.join(", ")).toHaveLength(1);
    expect(outcomes.filter((o) => o !== "proven")[0]).toBe("RULE_CONFLICT");
    const proven = (await Promise.all(rules.map((r) => storage.rules.get(r.id)))).filter((r) => r?.proof);
    expect(proven).toHaveLength(1);
  }

  it("two organizations proving the same domain at once: exactly one wins", async () => {
    for (let round = 0; round < 6; round++) await race(round, [`same-${round}.example`, `same-${round}.example`]);
  });

  it("two organizations proving a domain and its subdomain at once: exactly one wins", async () => {
    for (let round = 10; round < 16; round++) await race(round, [`nest-${round}.example`, `eu.nest-${round}.example`]);
  });
});
