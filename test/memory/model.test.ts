import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { memoryStorage } from "../../src/adapters/memory/index.js";
import type { Organization } from "../../src/domain/organization/schema.js";
import { isOrgKitError } from "../../src/errors.js";
import type { OrganizationSearchQuery, StorageSession } from "../../src/storage/ports.js";
import { buildOrganization } from "../../src/testing/index.js";

/**
 * Model-based test: random inserts and updates of organizations, some inside
 * transactions that throw, run against memoryStorage and against a plain Map; after
 * each run every query must agree with the reference computed from the Map.
 */

// Ids in code-unit order differing from case-insensitive order; a parent always comes earlier in the list (no cycles).
const IDS = ["B", "_", "a", "a0", "b", "c", "C2", "d"];
const NAMES = ["Acme", "ACME", "Beta", "beta", "Gamma", "Delta"];
const EXTERNAL = ["X1", "x1", "X2"];
const TYPES = ["customer", "oem", "sales"];
const TAGS = ["Key", "key", "EU", "vip"];
const STATES = ["service", "outreach", "opportunities"];
const BASE = buildOrganization({ id: "base", name: "Base" });
const time = (n: number) => new Date(Date.UTC(2024, 0, 1, 0, 0, n)).toISOString();

interface Fields {
  readonly id: number;
  readonly name: number;
  readonly parent: number | null;
  readonly externalId: number | null;
  readonly status: "active" | "discontinued";
  readonly type: number;
  readonly tags: number[];
  readonly states: boolean[];
  readonly created: number;
  readonly updated: number;
}
type Command =
  | { readonly kind: "insert"; readonly fields: Fields }
  | { readonly kind: "update"; readonly fields: Fields; readonly stale: boolean }
  | { readonly kind: "transaction"; readonly commands: readonly Command[]; readonly throws: boolean };

const fieldsArb: fc.Arbitrary<Fields> = fc.record({
  id: fc.nat({ max: IDS.length - 1 }),
  name: fc.nat({ max: NAMES.length - 1 }),
  parent: fc.option(fc.nat({ max: IDS.length - 1 }), { nil: null }),
  externalId: fc.option(fc.nat({ max: EXTERNAL.length - 1 }), { nil: null }),
  status: fc.constantFrom("active" as const, "discontinued" as const),
  type: fc.nat({ max: TYPES.length - 1 }),
  tags: fc.uniqueArray(fc.nat({ max: TAGS.length - 1 }), { maxLength: 3 }),
  states: fc.tuple(fc.boolean(), fc.boolean(), fc.boolean()),
  created: fc.nat({ max: 5 }),
  updated: fc.nat({ max: 5 }),
});
const simpleCommand: fc.Arbitrary<Command> = fc.oneof(
  fieldsArb.map((fields) => ({ kind: "insert" as const, fields })),
  fc.record({ fields: fieldsArb, stale: fc.boolean() }).map(({ fields, stale }) => ({ kind: "update" as const, fields, stale })),
);
const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 3, arbitrary: simpleCommand },
  { weight: 1, arbitrary: fc.record({ commands: fc.array(simpleCommand, { minLength: 1, maxLength: 4 }), throws: fc.boolean() }).map((t) => ({ kind: "transaction" as const, ...t })) },
);

const queryArb: fc.Arbitrary<OrganizationSearchQuery> = fc
  .record(
    {
      text: fc.constantFrom("a", "AC", "b", "x1", "eta", "_"),
      types: fc.uniqueArray(fc.constantFrom(...TYPES), { minLength: 1, maxLength: 2 }),
      tags: fc.uniqueArray(fc.constantFrom("key", "EU", "VIP"), { minLength: 1, maxLength: 2 }),
      states: fc.uniqueArray(fc.constantFrom(...STATES), { minLength: 1, maxLength: 2 }),
      status: fc.constantFrom("active" as const, "discontinued" as const),
      parentId: fc.option(fc.constantFrom(...IDS), { nil: null }),
      sort: fc.constantFrom("name" as const, "createdAt" as const, "updatedAt" as const),
      direction: fc.constantFrom("asc" as const, "desc" as const),
    },
    { requiredKeys: [] },
  )
  .map((q) => q as OrganizationSearchQuery);

function organizationOf(fields: Fields, version: number, createdAt?: string): Organization {
  // Parents must come earlier in IDS: a later or equal index becomes a root, so the tree stays acyclic.
  const parent = fields.parent !== null && fields.parent < fields.id ? IDS[fields.parent]! : null;
  return {
    ...BASE,
    id: IDS[fields.id]!,
    name: NAMES[fields.name]!,
    parentId: parent,
    externalId: fields.externalId === null ? null : EXTERNAL[fields.externalId]!,
    status: fields.status,
    type: TYPES[fields.type]!,
    tags: fields.tags.map((i) => TAGS[i]!),
    states: STATES.filter((_, i) => fields.states[i]),
    createdAt: createdAt ?? time(fields.created),
    updatedAt: time(fields.updated),
    version,
  };
}

/** The reference: the rules of the ports applied to a Map. Returns false when the storage must refuse the write. */
function clashes(model: Map<string, Organization>, next: Organization): boolean {
  for (const other of model.values()) {
    if (other.id === next.id) continue;
    if (next.externalId !== null && other.externalId === next.externalId) return true;
    if (next.status === "active" && other.status === "active" && other.name.toLowerCase() === next.name.toLowerCase()) return true;
  }
  return false;
}

async function apply(session: StorageSession, model: Map<string, Organization>, command: Exclude<Command, { kind: "transaction" }>): Promise<void> {
  const id = IDS[command.fields.id]!;
  const current = model.get(id);
  let expected: "ok" | "CONFLICT" | "NOT_FOUND";
  let next: Organization;
  if (command.kind === "insert") {
    next = organizationOf(command.fields, 1);
    expected = current !== undefined || clashes(model, next) ? "CONFLICT" : "ok";
  } else {
    const version = current?.version ?? 1;
    next = organizationOf(command.fields, version + 1, current?.createdAt);
    expected = current === undefined ? "NOT_FOUND" : command.stale || clashes(model, next) ? "CONFLICT" : "ok";
  }
  try {
    if (command.kind === "insert") await session.organizations.insert(next);
    else await session.organizations.update(next, command.stale ? (current?.version ?? 1) + 7 : (current?.version ?? 1));
    expect(expected).toBe("ok");
    model.set(id, next);
  } catch (error) {
    if (!isOrgKitError(error)) throw error;
    expect(error.code).toBe(expected);
  }
}

const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function referenceSearch(model: Map<string, Organization>, q: OrganizationSearchQuery): string[] {
  const text = q.text?.toLowerCase();
  const matches = [...model.values()].filter(
    (o) =>
      (text === undefined || [o.name, o.id, o.externalId ?? ""].some((v) => v.toLowerCase().includes(text))) &&
      (q.types === undefined || q.types.includes(o.type)) &&
      (q.tags === undefined || q.tags.every((t) => o.tags.some((x) => x.toLowerCase() === t.toLowerCase()))) &&
      (q.states === undefined || q.states.every((s) => o.states.includes(s))) &&
      (q.status === undefined || o.status === q.status) &&
      (q.parentId === undefined || o.parentId === q.parentId),
  );
  const key = (o: Organization): string | number =>
    q.sort === "createdAt" ? Date.parse(o.createdAt) : q.sort === "updatedAt" ? Date.parse(o.updatedAt) : o.name.toLowerCase();
  const sign = q.direction === "desc" ? -1 : 1;
  matches.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return sign * (ka < kb ? -1 : ka > kb ? 1 : byCodeUnit(a.id, b.id));
  });
  return matches.map((o) => o.id);
}

function referenceDescendants(model: Map<string, Organization>, id: string, includeDiscontinued: boolean): string[] {
  const out: string[] = [];
  const visit = (parent: string) => {
    for (const child of [...model.values()].filter((o) => o.parentId === parent).sort((a, b) => byCodeUnit(a.id, b.id))) {
      if (!includeDiscontinued && child.status === "discontinued") continue;
      out.push(child.id);
      visit(child.id);
    }
  };
  if (model.has(id)) visit(id);
  return out;
}

function referenceHeight(model: Map<string, Organization>, id: string): number {
  const children = [...model.values()].filter((o) => o.parentId === id);
  return children.length === 0 ? 0 : 1 + Math.max(...children.map((c) => referenceHeight(model, c.id)));
}

describe("memoryStorage against a reference model", () => {
  it("agrees with the reference after random writes, conflicts and rolled-back transactions", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(commandArb, { maxLength: 30, size: "large" }), fc.array(fc.tuple(queryArb, fc.integer({ min: 1, max: 4 })), { maxLength: 6 }), async (commands, queries) => {
        const storage = memoryStorage();
        let model = new Map<string, Organization>();
        for (const command of commands) {
          if (command.kind !== "transaction") {
            await apply(storage, model, command);
            continue;
          }
          const draft = new Map(model);
          const failure = new Error("rollback");
          try {
            await storage.transaction(async (session) => {
              for (const inner of command.commands) if (inner.kind !== "transaction") await apply(session, draft, inner);
              if (command.throws) throw failure;
            });
            model = draft;
          } catch (error) {
            expect(error).toBe(failure);
          }
        }
        const { organizations } = storage;
        const sortedIds = [...model.keys()].sort(byCodeUnit);
        expect((await organizations.scan({ limit: 1000 })).map((o) => o.id)).toEqual(sortedIds);
        for (const id of IDS) {
          expect(await organizations.get(id)).toEqual(model.get(id) ?? null);
          const children = [...model.values()].filter((o) => o.parentId === id).map((o) => o.id).sort(byCodeUnit);
          expect((await organizations.children(id)).map((o) => o.id)).toEqual(children);
          const ancestors: string[] = [];
          for (let p = model.get(id)?.parentId ?? null; p !== null && model.has(p); p = model.get(p)!.parentId) ancestors.push(p);
          expect((await organizations.ancestors(id)).map((o) => o.id)).toEqual(ancestors);
          expect((await organizations.descendants(id)).map((o) => o.id)).toEqual(referenceDescendants(model, id, true));
          expect((await organizations.descendants(id, { includeDiscontinued: false })).map((o) => o.id)).toEqual(referenceDescendants(model, id, false));
          expect(await organizations.subtreeHeight(id)).toBe(model.has(id) ? referenceHeight(model, id) : 0);
        }
        const roots = [...model.values()].filter((o) => o.parentId === null).map((o) => o.id).sort(byCodeUnit);
        expect((await organizations.children(null)).map((o) => o.id)).toEqual(roots);
        for (const name of NAMES) {
          const active = [...model.values()].find((o) => o.status === "active" && o.name.toLowerCase() === name.toLowerCase());
          expect((await organizations.findActiveByName(name))?.id ?? null).toBe(active?.id ?? null);
        }
        for (const externalId of EXTERNAL) {
          expect((await organizations.getByExternalId(externalId))?.id ?? null).toBe([...model.values()].find((o) => o.externalId === externalId)?.id ?? null);
        }
        for (const [query, limit] of queries) {
          const expected = referenceSearch(model, query);
          const seen: string[] = [];
          let cursor: string | null = null;
          for (let guard = 0; guard < 50; guard++) {
            const page: Awaited<ReturnType<typeof organizations.search>> = await organizations.search({ ...query, limit, cursor });
            expect(page.total).toBe(expected.length);
            seen.push(...page.items.map((o) => o.id));
            cursor = page.nextCursor;
            if (cursor === null) break;
          }
          expect(seen).toEqual(expected);
        }
      }),
      { numRuns: 150 },
    );
  });
});
