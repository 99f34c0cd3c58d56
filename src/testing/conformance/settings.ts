import { expect } from "./test-api.js";
import type { NewSetting, SettingRecord, SettingsRepository, Storage, StorageSession } from "../../storage/ports.js";
import { isOrgKitError } from "../../errors.js";
import { expectDetached, expectOrgKitError } from "./assertions.js";
import type { ConformanceContext, ConformanceSuite } from "./context.js";
import { at } from "./fixtures.js";

const setting = (key: string, value: Record<string, unknown>, seconds = 1): NewSetting => ({ key, value, updatedAt: at(seconds) });

/** The repository of a session, or a failure that says what to do about an adapter without it. */
function settingsOf(session: StorageSession): SettingsRepository {
  if (session.settings === undefined) {
    expect.fail(
      "The storage has no settings repository (StorageSession.settings). Implement it, or skip the sub-suite \"settings\": kits on such a storage cannot check that they share one configuration.",
    );
  }
  return session.settings;
}

/** The row as the backend holds it (through the raw inspector, when it can read settings), in the model's shape. */
async function raw(ctx: ConformanceContext, key: string): Promise<Omit<SettingRecord, "updatedAt"> | null | "unchecked"> {
  if (ctx.inspect?.setting === undefined) return "unchecked";
  const row = await ctx.inspect.setting(key);
  if (row === null) return null;
  const value = typeof row["value"] === "string" ? (JSON.parse(row["value"]) as unknown) : row["value"];
  return { key: String(row["key"]), value: value as Record<string, unknown>, version: Number(row["version"]) };
}

async function expectRaw(ctx: ConformanceContext, key: string, expected: Omit<SettingRecord, "updatedAt"> | null): Promise<void> {
  const found = await raw(ctx, key);
  if (found !== "unchecked") expect(found).toEqual(expected);
}

/** `SettingsRepository` (optional on the port): get, insert-if-absent and compare-and-set, per tenant, atomic and race-safe. */
export const settingsSuite: ConformanceSuite = {
  name: "settings",
  define(ctx) {
    const storage = (): Storage => ctx.storage;

    ctx.test("get finds nothing under a new key; insertIfAbsent stores version 1 and returns it; the stored row is what was given", async () => {
      const ns = ctx.namespace();
      const settings = settingsOf(storage());
      const key = `${ns}-configuration`;
      expect(await settings.get(key)).toBeNull();
      const value = { fingerprint: "abc", configuration: { membershipPolicy: "single", states: ["b", "a"], nested: { n: 1, none: null, text: "ünïcode ✓" } } };
      const result = await settings.insertIfAbsent(setting(key, value, 5));
      expect(result).toEqual({ inserted: true, setting: { key, value, version: 1, updatedAt: at(5) } });
      expect(await settings.get(key)).toEqual({ key, value, version: 1, updatedAt: at(5) });
      await expectRaw(ctx, key, { key, value, version: 1 });
      await expectDetached(await settings.get(key), () => settings.get(key));
    });

    ctx.test("what was given is copied: changing it after the call changes nothing stored", async () => {
      const ns = ctx.namespace();
      const settings = settingsOf(storage());
      const key = `${ns}-copy`;
      const value = { list: ["a"], nested: { flag: true } };
      await settings.insertIfAbsent(setting(key, value));
      value.list.push("b");
      value.nested.flag = false;
      expect((await settings.get(key))?.value).toEqual({ list: ["a"], nested: { flag: true } });
    });

    ctx.test("insertIfAbsent on a taken key changes nothing and returns the stored setting", async () => {
      const ns = ctx.namespace();
      const settings = settingsOf(storage());
      const key = `${ns}-taken`;
      await settings.insertIfAbsent(setting(key, { first: true }, 1));
      const second = await settings.insertIfAbsent(setting(key, { second: true }, 2));
      expect(second).toEqual({ inserted: false, setting: { key, value: { first: true }, version: 1, updatedAt: at(1) } });
      await expectRaw(ctx, key, { key, value: { first: true }, version: 1 });
    });

    ctx.test("compareAndSet replaces the value at the expected version and adds 1; a stale version is CONFLICT (version), an unknown key NOT_FOUND", async () => {
      const ns = ctx.namespace();
      const settings = settingsOf(storage());
      const key = `${ns}-cas`;
      await settings.insertIfAbsent(setting(key, { v: 1 }, 1));
      expect(await settings.compareAndSet(setting(key, { v: 2 }, 2), 1)).toEqual({ key, value: { v: 2 }, version: 2, updatedAt: at(2) });
      const stale = await expectOrgKitError(settings.compareAndSet(setting(key, { v: 3 }, 3), 1), "CONFLICT", "version");
      expect(stale.details).toMatchObject({ expectedVersion: 1, actualVersion: 2 });
      expect(await settings.get(key)).toEqual({ key, value: { v: 2 }, version: 2, updatedAt: at(2) });
      await expectRaw(ctx, key, { key, value: { v: 2 }, version: 2 });
      await expectOrgKitError(settings.compareAndSet(setting(`${ns}-missing`, { v: 1 }), 1), "NOT_FOUND");
      expect(await settings.get(`${ns}-missing`)).toBeNull();
      await expectRaw(ctx, `${ns}-missing`, null);
    });

    ctx.test("writes in a rolled-back transaction leave nothing: no new setting, the old value and version", async () => {
      const ns = ctx.namespace();
      const key = `${ns}-kept`;
      await settingsOf(storage()).insertIfAbsent(setting(key, { v: 1 }));
      await expect(
        storage().transaction(async (session) => {
          await settingsOf(session).insertIfAbsent(setting(`${ns}-new`, { v: 1 }));
          await settingsOf(session).compareAndSet(setting(key, { v: 2 }), 1);
          expect((await settingsOf(session).get(key))?.version).toBe(2);
          throw new Error("rolled back on purpose");
        }),
      ).rejects.toThrow("rolled back on purpose");
      expect(await settingsOf(storage()).get(`${ns}-new`)).toBeNull();
      expect(await settingsOf(storage()).get(key)).toMatchObject({ value: { v: 1 }, version: 1 });
      await expectRaw(ctx, `${ns}-new`, null);
      await expectRaw(ctx, key, { key, value: { v: 1 }, version: 1 });
    });

    ctx.test("concurrent insertIfAbsent in transactions with different values: exactly one stores, and every caller sees what it stored", async () => {
      const ns = ctx.namespace();
      const key = `${ns}-race`;
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          storage().transaction(async (session) => {
            const settings = settingsOf(session);
            const found = await settings.get(key);
            return found === null ? settings.insertIfAbsent(setting(key, { writer: i })) : { inserted: false, setting: found };
          }),
        ),
      );
      expect(results.filter((r) => r.inserted)).toHaveLength(1);
      const winner = results.find((r) => r.inserted)!.setting;
      for (const result of results) expect(result.setting).toEqual(winner);
      expect(await settingsOf(storage()).get(key)).toEqual(winner);
      await expectRaw(ctx, key, { key, value: winner.value, version: 1 });
    });

    ctx.test("concurrent compareAndSet from one version: exactly one wins, the others are CONFLICT", async () => {
      const ns = ctx.namespace();
      const key = `${ns}-cas-race`;
      await settingsOf(storage()).insertIfAbsent(setting(key, { writer: null }));
      const outcomes = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          settingsOf(storage())
            .compareAndSet(setting(key, { writer: i }), 1)
            .then(
              (stored) => ({ ok: true as const, stored }),
              (error: unknown) => ({ ok: false as const, error }),
            ),
        ),
      );
      const won = outcomes.filter((o) => o.ok);
      expect(won).toHaveLength(1);
      for (const o of outcomes) if (!o.ok) expect(isOrgKitError(o.error, "CONFLICT"), String(o.error)).toBe(true);
      const stored = await settingsOf(storage()).get(key);
      expect(stored).toEqual(won[0]!.ok ? won[0]!.stored : null);
      expect(stored?.version).toBe(2);
    });

    ctx.test("settings are the tenant's own: another tenant of the same storage sees none of them and keeps its own", async () => {
      const ns = ctx.namespace();
      const key = `${ns}-tenant`;
      const forTenant = storage().forTenant;
      if (typeof forTenant !== "function") return; // an adapter without tenants
      const other = forTenant.call(storage(), `${ns}-other`);
      await settingsOf(storage()).insertIfAbsent(setting(key, { tenant: "this" }));
      expect(await settingsOf(other).get(key)).toBeNull();
      expect(await settingsOf(other).insertIfAbsent(setting(key, { tenant: "other" }))).toMatchObject({ inserted: true, setting: { version: 1 } });
      expect((await settingsOf(storage()).get(key))?.value).toEqual({ tenant: "this" });
      expect((await settingsOf(other).get(key))?.value).toEqual({ tenant: "other" });
    });

    ctx.test("bad arguments are VALIDATION_FAILED and store nothing", async () => {
      const ns = ctx.namespace();
      const settings = settingsOf(storage());
      const key = `${ns}-bad`;
      await expectOrgKitError(settings.get(""), "VALIDATION_FAILED");
      await expectOrgKitError(settings.get(42 as unknown as string), "VALIDATION_FAILED");
      await expectOrgKitError(settings.get("x".repeat(129)), "VALIDATION_FAILED");
      await expectOrgKitError(settings.insertIfAbsent(null as unknown as NewSetting), "VALIDATION_FAILED");
      await expectOrgKitError(settings.insertIfAbsent({ key, value: ["not", "an", "object"], updatedAt: at(1) } as unknown as NewSetting), "VALIDATION_FAILED");
      await expectOrgKitError(settings.insertIfAbsent({ key, value: {}, updatedAt: "yesterday" }), "VALIDATION_FAILED");
      await expectOrgKitError(settings.insertIfAbsent({ key, value: { text: "nul\u0000" }, updatedAt: at(1) }), "VALIDATION_FAILED");
      expect(await settings.get(key)).toBeNull();
      await settings.insertIfAbsent(setting(key, { v: 1 }));
      for (const version of [0, -1, 1.5, "1"]) await expectOrgKitError(settings.compareAndSet(setting(key, { v: 2 }), version as number), "VALIDATION_FAILED");
      expect(await settings.get(key)).toMatchObject({ value: { v: 1 }, version: 1 });
    });
  },
};
