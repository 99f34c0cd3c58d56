/**
 * One configuration per store, enforced: every kit checks that the configuration recorded
 * in its storage is its own, and records it on first use.
 *
 * When a kit checks:
 * - **every write** use case, inside its transaction, before anything else: one read of
 *   the record by key. A write never commits under a configuration other than the
 *   recorded one — also not one racing an adoption: on PostgreSQL both transactions are
 *   SERIALIZABLE and one of them fails and is retried (the write then sees the new record
 *   and refuses); on memory storage transactions run one at a time.
 * - **read** use cases and `policy` / `can` / `explain`: when the last check that passed is
 *   older than `config.maxStalenessMs` (the bound the live policy keeps too), so a kit
 *   whose configuration was replaced stops answering within that time, at the cost of
 *   one read per interval;
 * - `exportSnapshot` (in its transaction) and `kit.ready()`: always.
 *
 * Only a passed check is remembered (its time). A refusal is not, nor a storage failure:
 * the next call checks again, so a kit recovers as soon as the record matches (someone
 * adopted its configuration) or the storage answers again.
 *
 * @module
 */
import { configurationMismatch, OrgKitError } from "../errors.js";
import type { SettingRecord, StorageSession } from "../storage/ports.js";
import {
  CONFIGURATION_SETTING_KEY,
  configurationDifferences,
  configurationSettingValue,
  readStoredConfiguration,
  type ConfigurationFingerprint,
} from "./configuration-fingerprint.js";

/** What `kit.ready()` found. */
export interface ConfigurationReadiness {
  /**
   * `"recorded"`: the storage held no configuration, and now holds this kit's (this call
   * recorded it). `"matched"`: it holds this kit's. `"unchecked"`: the storage has no
   * settings repository (an adapter without `StorageSession.settings`): nothing could be
   * checked, and kits on it are not kept to one configuration.
   */
  readonly status: "recorded" | "matched" | "unchecked";
  /** This kit's fingerprint. */
  readonly fingerprint: string;
}

/** The kit's side of the check. */
export interface ConfigurationGuard {
  /** This kit's fingerprint. */
  readonly own: ConfigurationFingerprint;
  /**
   * Checks inside a use case's transaction (see the module notes): always when `always`
   * (writes), else only when the last passed check is stale. Returns when the check was
   * made (`Date.now()`), to pass to {@link ConfigurationGuard.passed} once the
   * transaction committed, or `null` when none was made.
   */
  verify(session: StorageSession, options: { readonly always: boolean; readonly now?: Date }): Promise<number | null>;
  /** A check made at `checkedAt` passed and its transaction committed. */
  passed(checkedAt: number): void;
  /** Checks outside a transaction, unless the last passed check is fresh (`policy`, `can`, `explain`). */
  confirm(): Promise<void>;
  /** Checks now, and says what it found (`kit.ready()`). */
  ready(): Promise<ConfigurationReadiness>;
  /**
   * Throws `CONFIGURATION_MISMATCH` unless `stored` records this kit's configuration
   * (or one that differs only by settings implied when absent).
   */
  compare(stored: SettingRecord): void;
}

/** Creates a kit's guard. `clock` stamps the record it writes on first use. */
export function createConfigurationGuard(
  own: ConfigurationFingerprint,
  storage: StorageSession,
  options: { readonly maxStalenessMs: number; readonly clock: () => Date },
): ConfigurationGuard {
  // When the last check that passed was made (Date.now()); -Infinity: none yet.
  let passedAt = Number.NEGATIVE_INFINITY;
  let inflight: Promise<void> | null = null;
  // Differences are computed only when the fingerprints differ; a record that differs
  // only by implied settings is remembered as matching (by its fingerprint).
  const compatible = new Set<string>([own.fingerprint]);

  function compare(stored: SettingRecord): void {
    const { fingerprint, configuration } = readStoredConfiguration(stored.value);
    if (fingerprint !== null && compatible.has(fingerprint)) return;
    const differences = configurationDifferences(configuration, own.configuration);
    if (differences.length > 0) throw configurationMismatch(differences, fingerprint ?? "(unreadable)", own.fingerprint);
    if (fingerprint !== null) compatible.add(fingerprint);
  }

  async function check(session: StorageSession, now: Date): Promise<ConfigurationReadiness["status"]> {
    const settings = session.settings;
    if (settings === undefined) return "unchecked";
    let stored = await settings.get(CONFIGURATION_SETTING_KEY);
    let recorded = false;
    if (stored === null) {
      const insertion = await settings.insertIfAbsent({ key: CONFIGURATION_SETTING_KEY, value: configurationSettingValue(own), updatedAt: now.toISOString() });
      stored = insertion.setting;
      recorded = insertion.inserted;
    }
    try {
      compare(stored);
    } catch (error) {
      // The record changed under this kit: reads stop skipping checks at once.
      passedAt = Number.NEGATIVE_INFINITY;
      throw error;
    }
    return recorded ? "recorded" : "matched";
  }

  function clockNow(): Date {
    const now = options.clock();
    if (!(now instanceof Date) || Number.isNaN(now.getTime())) {
      throw new OrgKitError("VALIDATION_FAILED", "The configured clock returned an invalid date", {
        details: { issues: [{ path: "clock", message: "must return a valid Date", code: "invalid_date" }] },
      });
    }
    return now;
  }

  const fresh = () => Date.now() - passedAt <= options.maxStalenessMs;

  function passed(checkedAt: number): void {
    if (checkedAt > passedAt) passedAt = checkedAt;
  }

  return {
    own,
    compare,
    passed,
    async verify(session, { always, now }) {
      if (!always && fresh()) return null;
      const checkedAt = Date.now();
      await check(session, now ?? clockNow());
      return checkedAt;
    },
    confirm() {
      if (fresh()) return Promise.resolve();
      // Concurrent calls share one check.
      inflight ??= (async () => {
        const checkedAt = Date.now();
        await check(storage, clockNow());
        passed(checkedAt);
      })().finally(() => {
        inflight = null;
      });
      return inflight;
    },
    async ready() {
      const checkedAt = Date.now();
      const status = await check(storage, clockNow());
      passed(checkedAt);
      return { status, fingerprint: own.fingerprint };
    },
  };
}
