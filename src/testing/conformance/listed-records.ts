import { expect } from "./test-api.js";
import type { Storage } from "../../storage/ports.js";
import { expectDetached, expectOrgKitError, expectStrictlyIncreasing, scribble } from "./assertions.js";
import type { ConformanceSuite } from "./context.js";
import { at, idsOf, mutableCopy } from "./fixtures.js";

/** What usergroups and staff profiles share: versioned records, listed whole by id. */
interface ListedRecord {
  readonly id: string;
  readonly name: string;
  readonly updatedAt: string;
  readonly version: number;
}

/** The repository shape both `usergroups` and `profiles` have. */
interface ListedRepository<T extends ListedRecord> {
  get(id: string): Promise<T | null>;
  list(): Promise<T[]>;
  insert(record: T): Promise<void>;
  update(record: T, expectedVersion: number): Promise<void>;
  delete(id: string): Promise<boolean>;
}

/** Builds the sub-suite of a small, listed-whole repository (usergroups, staff profiles). @internal */
export function listedRecordsSuite<T extends ListedRecord>(
  name: string,
  repository: (storage: Storage) => ListedRepository<T>,
  build: (id: string, variant: number) => T,
): ConformanceSuite {
  return {
    name,
    define(ctx) {
      ctx.test("unknown ids read as null; delete reports false", async () => {
        const ns = ctx.namespace();
        expect(await repository(ctx.storage).get(`${ns}-missing`)).toBeNull();
        expect(await repository(ctx.storage).delete(`${ns}-missing`)).toBe(false);
      });

      ctx.test("insert stores the record exactly; a taken id is CONFLICT (unique)", async () => {
        const ns = ctx.namespace();
        const repo = repository(ctx.storage);
        const record = build(`${ns}-a`, 1);
        const input = mutableCopy(record);
        await repo.insert(input);
        scribble(input);
        expect(await repo.get(record.id)).toEqual(record);
        await expectOrgKitError(repo.insert(build(`${ns}-a`, 2)), "CONFLICT", "unique");
        expect(await repo.get(record.id)).toEqual(record);
        await expectDetached(await repo.get(record.id), () => repo.get(record.id));
        await expectDetached(await repo.list(), () => repo.list());
      });

      ctx.test("list returns every record ordered by id", async () => {
        const ns = ctx.namespace();
        const repo = repository(ctx.storage);
        for (const id of ["b", "B", "a", "_"]) await repo.insert(build(`${ns}-${id}`, 1));
        const all = await repo.list();
        expectStrictlyIncreasing(idsOf(all));
        expect(idsOf(all).filter((id) => id.startsWith(`${ns}-`))).toEqual([`${ns}-B`, `${ns}-_`, `${ns}-a`, `${ns}-b`]);
      });

      ctx.test("update checks the expected version; a missing record is NOT_FOUND", async () => {
        const ns = ctx.namespace();
        const repo = repository(ctx.storage);
        const v1 = build(`${ns}-a`, 1);
        await repo.insert(v1);
        const v2 = { ...build(`${ns}-a`, 2), updatedAt: at(30), version: 2 };
        await repo.update(v2, 1);
        expect(await repo.get(v1.id)).toEqual(v2);
        await expectOrgKitError(repo.update({ ...v1, version: 2 }, 1), "CONFLICT", "version");
        expect(await repo.get(v1.id)).toEqual(v2);
        await expectOrgKitError(repo.update({ ...build(`${ns}-missing`, 1), version: 2 }, 1), "NOT_FOUND");
        expect(await repo.get(`${ns}-missing`)).toBeNull();
      });

      ctx.test("delete removes the record", async () => {
        const ns = ctx.namespace();
        const repo = repository(ctx.storage);
        await repo.insert(build(`${ns}-a`, 1));
        await repo.insert(build(`${ns}-b`, 1));
        expect(await repo.delete(`${ns}-a`)).toBe(true);
        expect(await repo.delete(`${ns}-a`)).toBe(false);
        expect(await repo.get(`${ns}-a`)).toBeNull();
        expect(idsOf(await repo.list()).filter((id) => id.startsWith(`${ns}-`))).toEqual([`${ns}-b`]);
        // The id can be used again.
        await repo.insert(build(`${ns}-a`, 2));
        expect(await repo.get(`${ns}-a`)).toEqual(build(`${ns}-a`, 2));
      });
    },
  };
}
