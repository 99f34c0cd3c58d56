/**
 * Issue 13, "a hierarchy without recursion": the materialized ancestry column stays equal
 * to a naive walk of the parent links after random inserts (single and batched, parents
 * in the batch in any order), random moves and moves of all of an organization's children
 * (a merge's `moveChildren`), and so does the closure table (migration 11); descendants,
 * descendant ids, ancestors and subtree heights answer as the naive walk does. PGlite (and the server when ORGKIT_PG_URL is set).
 */
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import type { Organization } from "../../src/domain/organization/schema.js";
import { buildOrganization } from "../../src/testing/builders.js";
import { pgliteTarget, SERVER_URL, serverTarget, type TestTarget } from "./targets.js";

const targets: [string, () => Promise<TestTarget>][] = [["PGlite", pgliteTarget], ...(SERVER_URL ? [["server", () => serverTarget(4)] as [string, () => Promise<TestTarget>]] : [])];

const op = fc.oneof(
  fc.record({ kind: fc.constant("insert" as const), parent: fc.option(fc.nat(40)) }),
  fc.record({ kind: fc.constant("batch" as const), parents: fc.array(fc.option(fc.nat(60)), { minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant("move" as const), child: fc.nat(60), parent: fc.option(fc.nat(60)) }),
  fc.record({ kind: fc.constant("discontinue" as const), child: fc.nat(60) }),
  // A merge's set-wise move: every child of one organization under another.
  fc.record({ kind: fc.constant("moveChildren" as const), from: fc.nat(60), to: fc.nat(60) }),
);

describe.each(targets)("materialized ancestry on %s", (_name, makeTarget) => {
  let target: TestTarget | undefined;
  afterAll(async () => {
    await target?.close();
  });

  it("equals a naive walk of the parent links after random inserts and moves", async () => {
    target = await makeTarget();
    let runs = 0;
    let checked = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 3, maxLength: 25 }), async (ops) => {
        const t = target!;
        const storage = await t.storage();
        const schema = (storage as unknown as { schema: string }).schema;
        runs++;
        const model = new Map<string, Organization>();
        let next = 0;
        const newId = () => `n${runs}_${String(next++).padStart(3, "0")}`;
        const ids = () => [...model.keys()];
        const isUnder = (id: string, ancestor: string): boolean => {
          for (let at: string | null = id; at !== null; at = model.get(at)?.parentId ?? null) if (at === ancestor) return true;
          return false;
        };
        for (const o of ops) {
          const all = ids();
          if (o.kind === "insert") {
            const parentId = o.parent === null || all.length === 0 ? null : all[o.parent % all.length]!;
            const organization = buildOrganization({ id: newId(), name: `Org ${next}`, ...(parentId ? { parentId } : {}) });
            await storage.organizations.insert(organization);
            model.set(organization.id, organization);
          } else if (o.kind === "batch") {
            // Parents among the stored rows or earlier rows of the batch; sent in reverse, so children come before their parents.
            const batch: Organization[] = [];
            for (const p of o.parents) {
              const pool = [...all, ...batch.map((b) => b.id)];
              const parentId = p === null || pool.length === 0 ? null : pool[p % pool.length]!;
              batch.push(buildOrganization({ id: newId(), name: `Org ${next}`, ...(parentId ? { parentId } : {}) }));
            }
            await storage.organizations.insertMany([...batch].reverse(), { chunkSize: 3 });
            for (const b of batch) model.set(b.id, b);
          } else if (o.kind === "moveChildren") {
            if (all.length === 0) continue;
            const [from, to] = [all[o.from % all.length]!, all[o.to % all.length]!];
            if (from === to || isUnder(to, from)) continue; // the service refuses a survivor in the duplicate's subtree
            const moved = [...model.values()].filter((m) => m.parentId === from).map((m) => ({ ...m, parentId: to, version: m.version + 1 }));
            await storage.organizations.moveChildren(from, moved);
            for (const m of moved) model.set(m.id, m);
          } else if (all.length > 0) {
            const child = all[o.child % all.length]!;
            const current = model.get(child)!;
            let next: Organization;
            if (o.kind === "discontinue") next = { ...current, status: current.status === "active" ? "discontinued" : "active", version: current.version + 1 };
            else {
              const parentId = o.parent === null ? null : all[o.parent % all.length]!;
              if (parentId !== null && isUnder(parentId, child)) continue; // would be a cycle: the service refuses it
              next = { ...current, parentId, version: current.version + 1 };
            }
            await storage.organizations.update(next, current.version);
            model.set(child, next);
          }
          // The column, read raw, equals the naive root-to-node walk.
          const raw = await t.client.query(`SELECT id, ancestry FROM "${schema}".organizations`);
          for (const row of raw.rows as { id: string; ancestry: string[] }[]) {
            const naive: string[] = [];
            for (let at: string | null = row.id; at !== null; at = model.get(at)?.parentId ?? null) naive.unshift(at);
            expect(row.ancestry, `ancestry of ${row.id}`).toEqual(naive);
          }
          // The closure, read raw, holds exactly each organization's pairs with its naive ancestors.
          const pairs = await t.client.query(`SELECT ancestor_id, descendant_id FROM "${schema}".organization_closure`);
          const stored = (pairs.rows as { ancestor_id: string; descendant_id: string }[]).map((p) => `${p.ancestor_id} > ${p.descendant_id}`).sort();
          const naivePairs: string[] = [];
          for (const id of model.keys()) for (let at = model.get(id)!.parentId; at !== null; at = model.get(at)!.parentId) naivePairs.push(`${at} > ${id}`);
          expect(stored).toEqual(naivePairs.sort());
        }
        // The queries answer as the naive walk does.
        const childrenOf = (id: string) => ids().filter((c) => model.get(c)!.parentId === id).sort();
        for (const id of ids()) {
          const naiveDescendants: string[] = [];
          const naiveActive: string[] = [];
          const walk = (at: string, depth: number, active: boolean): number => {
            let height = depth;
            for (const c of childrenOf(at)) {
              naiveDescendants.push(c);
              const stillActive = active && model.get(c)!.status === "active";
              if (stillActive) naiveActive.push(c);
              height = Math.max(height, walk(c, depth + 1, stillActive));
            }
            return height;
          };
          const height = walk(id, 0, true);
          const naiveAncestors: string[] = [];
          for (let at = model.get(id)!.parentId; at !== null; at = model.get(at)!.parentId) naiveAncestors.push(at);
          expect((await storage.organizations.descendants(id)).map((o) => o.id)).toEqual(naiveDescendants);
          expect(await storage.organizations.descendantIds(id)).toEqual([...naiveDescendants].sort());
          expect((await storage.organizations.descendants(id, { includeDiscontinued: false })).map((o) => o.id)).toEqual(naiveActive);
          expect((await storage.organizations.ancestors(id)).map((o) => o.id)).toEqual(naiveAncestors);
          expect(await storage.organizations.subtreeHeight(id)).toBe(height);
          checked++;
        }
      }),
      { numRuns: 25, seed: 13_2026 },
    );
    console.log(`materialized ancestry: ${runs} runs, ${checked} organizations checked against the naive walk`);
  }, 300_000);
});
