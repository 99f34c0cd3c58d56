/**
 * `kit.configuration`: this kit's fingerprint, the configuration recorded in the storage,
 * and the documented step that changes the recorded one on purpose (`adopt`).
 *
 * @module
 */
import { z } from "zod";
import { configurationIncompatible, OrgKitError, type ConfigurationDifference } from "../errors.js";
import { parseInput } from "../domain/validation.js";
import type { StorageSession } from "../storage/ports.js";
import { parseActor, type Actor } from "./actor.js";
import {
  CONFIGURATION_SETTING_KEY,
  configurationDifferences,
  configurationSettingValue,
  readStoredConfiguration,
  type CanonicalConfiguration,
} from "./configuration-fingerprint.js";
import { configurationMisfits } from "./configuration-fit.js";
import type { ConfigurationGuard } from "./configuration-guard.js";
import type { Runtime } from "./runtime.js";
import { requestsThen } from "./use-case.js";

/** The configuration recorded in a storage. */
export interface StoredConfiguration {
  /** The recorded fingerprint (`sha256:…`); `null` when the record is not one orgkit can read. */
  readonly fingerprint: string | null;
  /** The recorded canonical configuration (see {@link CanonicalConfiguration}). */
  readonly configuration: Readonly<Record<string, unknown>>;
  /** 1 when first recorded; each adoption adds 1. */
  readonly version: number;
  /** When it was recorded (ISO 8601, the recording kit's clock). */
  readonly recordedAt: string;
  /** Where this kit's configuration differs from it (empty: this kit may run on the storage). */
  readonly differences: readonly ConfigurationDifference[];
}

/** Options of {@link ConfigurationApi.adopt}. */
export interface AdoptConfigurationOptions {
  /**
   * The fingerprint you expect recorded now (`kit.configuration.stored()`, or
   * `details.storedFingerprint` of the `CONFIGURATION_MISMATCH` you saw); `null`: you
   * expect none. When another one is recorded the adoption is refused with `CONFLICT`
   * (`reason: "configuration_changed"`): someone changed it since you looked. Default: whatever is
   * recorded.
   */
  readonly from?: string | null;
  /** Check that the stored data fits, and write nothing. Default `false`. */
  readonly dryRun?: boolean;
}

/** What {@link ConfigurationApi.adopt} did. */
export interface ConfigurationAdoption {
  /** True when this call recorded the kit's configuration; false for a dry run, or when it was recorded already. */
  readonly adopted: boolean;
  /** Whether this was a dry run (`options.dryRun`): nothing was written. */
  readonly dryRun: boolean;
  /** The kit's fingerprint (recorded now, unless `adopted` is false). */
  readonly fingerprint: string;
  /** What was recorded before, `null` when nothing was. */
  readonly previousFingerprint: string | null;
  /** The settings that change (every setting when nothing was recorded). */
  readonly differences: readonly ConfigurationDifference[];
}

/** One configuration per store: see docs/storage.md, "One configuration per store". */
export interface ConfigurationApi {
  /** This kit's fingerprint (`sha256:` and a hex digest of {@link ConfigurationApi.canonical}). */
  readonly fingerprint: string;
  /** The part of this kit's configuration that changes what stored data means, canonical (what is fingerprinted). */
  readonly canonical: CanonicalConfiguration;
  /**
   * The configuration recorded in the storage and where this kit's differs from it;
   * `null` when none is recorded yet (the first use of a kit records its own).
   * `STORAGE_FAILURE` (reason `settings_unsupported`) when the storage has no settings.
   */
  stored(): Promise<StoredConfiguration | null>;
  /**
   * Records this kit's configuration as the storage's, on purpose: the documented step
   * that changes a store's configuration (or records the first one after checking the
   * data). Only a super admin or the system actor may (`FORBIDDEN` otherwise). First it
   * checks, in the same transaction, that the stored data fits the new configuration —
   * for the settings that change (every setting when nothing was recorded): no user in
   * two organizations under `"single"`, no removed state, type or custom field still in
   * use, nothing nested deeper than `maxDepth`… — and refuses with
   * `CONFIGURATION_INCOMPATIBLE` (`details.problems`: what, how many, up to 20 examples)
   * and changes nothing if it does not. Then it records the configuration and the audit
   * event `configuration.adopted` (`data`: `from`, `to`, `differences`).
   *
   * Kits with the previous configuration then refuse (`CONFIGURATION_MISMATCH`): at once
   * for writes, within `config.maxStalenessMs` for reads and `policy()`. Data written
   * under the previous configuration is not rewritten (e.g. rule memberships are not
   * re-evaluated after `identitiesVerifiedUpstream` changes; each user's are on its next
   * change).
   *
   * @example
   * ```ts
   * // A deployment switches to one organization per user:
   * const kit = createOrgKit({ storage, config: { membershipPolicy: "single" } });
   * await kit.configuration.adopt(SYSTEM_ACTOR, { dryRun: true }); // CONFIGURATION_INCOMPATIBLE lists users in two organizations
   * // … move or remove those memberships with the old kit, then:
   * await kit.configuration.adopt(SYSTEM_ACTOR);
   * await kit.ready();
   * ```
   */
  adopt(actor: Actor, options?: AdoptConfigurationOptions): Promise<ConfigurationAdoption>;
}

const adoptOptionsSchema = z.object({ from: z.string().min(1).max(200).nullable().optional(), dryRun: z.boolean().default(false) }).strict();

function settingsUnsupported(): OrgKitError {
  return new OrgKitError("STORAGE_FAILURE", "This storage keeps no settings (its adapter has no settings repository), so it records no configuration", {
    details: { reason: "settings_unsupported" },
  });
}

/** Builds `kit.configuration` over the kit's runtime and guard. */
export function createConfigurationApi(runtime: Runtime, guard: ConfigurationGuard): ConfigurationApi {
  const own = guard.own;

  async function read(session: StorageSession) {
    const settings = session.settings;
    if (settings === undefined) throw settingsUnsupported();
    const stored = await settings.get(CONFIGURATION_SETTING_KEY);
    return { settings, stored, previous: stored === null ? null : readStoredConfiguration(stored.value) };
  }

  return {
    fingerprint: own.fingerprint,
    canonical: own.configuration,
    async stored() {
      const { stored, previous } = await read(runtime.storage);
      if (stored === null || previous === null) return null;
      return {
        fingerprint: previous.fingerprint,
        configuration: previous.configuration,
        version: stored.version,
        recordedAt: stored.updatedAt,
        differences: configurationDifferences(previous.configuration, own.configuration),
      };
    },
    async adopt(actor, options) {
      const ref = parseActor(actor);
      const { from, dryRun } = parseInput(adoptOptionsSchema, options ?? {}, "options", ["options"]);
      if (runtime.storage.settings === undefined) throw settingsUnsupported();
      const startedAt = Date.now();
      const adoption = await runtime.executeWithoutConfigurationCheck(
        requestsThen("write", [{ request: { check: "canGrantPlatformRoles" }, action: "adopt a configuration for the storage" }], async (scope): Promise<ConfigurationAdoption> => {
          const { settings, stored, previous } = await read(scope.session);
          const previousFingerprint = previous?.fingerprint ?? null;
          if (from !== undefined && from !== previousFingerprint) {
            throw new OrgKitError(
              "CONFLICT",
              `The recorded configuration is ${previousFingerprint ?? "none"}, not the expected ${from ?? "none"}: it changed since it was read`,
              { details: { reason: "configuration_changed", expectedFingerprint: from, actualFingerprint: previousFingerprint } },
            );
          }
          const differences = configurationDifferences(previous?.configuration ?? {}, own.configuration);
          const result = { dryRun, fingerprint: own.fingerprint, previousFingerprint, differences };
          if (stored !== null && differences.length === 0) return { ...result, adopted: false };
          const problems = await configurationMisfits(scope.session, previous?.configuration ?? null, own.configuration, scope.config);
          if (problems.length > 0) throw configurationIncompatible(problems, own.fingerprint);
          if (dryRun) return { ...result, adopted: false };
          const setting = { key: CONFIGURATION_SETTING_KEY, value: configurationSettingValue(own), updatedAt: scope.now.toISOString() };
          if (stored === null) {
            const insertion = await settings.insertIfAbsent(setting);
            // Only where transactions do not serialize (an adapter's choice): another kit recorded one meanwhile.
            if (!insertion.inserted) throw new OrgKitError("CONFLICT", "Another configuration was recorded meanwhile", { details: { reason: "configuration_changed", expectedFingerprint: null, actualFingerprint: null } });
          } else {
            await settings.compareAndSet(setting, stored.version);
          }
          scope.record({ type: "configuration.adopted", organizationId: null, data: { from: previousFingerprint, to: own.fingerprint, differences } });
          return { ...result, adopted: true };
        }),
        ref,
        null,
      );
      // The kit's own check passes from now on (its configuration is the recorded one).
      if (adoption.adopted || adoption.differences.length === 0) guard.passed(startedAt);
      return adoption;
    },
  };
}
