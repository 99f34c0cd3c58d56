import { z } from "zod";
import { idSchema } from "../domain/organization/schema.js";
import { describeError, readPlainArguments, readPlainInput } from "../domain/plain-input.js";
import { validationError } from "../errors.js";
import { parseInput } from "../domain/validation.js";
import type { OrganizationVocabulary } from "../domain/organization/vocabulary.js";
import type { Policy } from "../permissions/policy.js";
import type { PolicySnapshot } from "../permissions/snapshot.js";
import type { Decision } from "../permissions/decision.js";
import type { PermissionRequest } from "../permissions/requests.js";
import type { AuditEvent, Storage } from "../storage/ports.js";
import { createStaffProfilesApi, createUsergroupsApi, type StaffProfilesApi, type UsergroupsApi } from "./access-control.js";
import { administers, loadAuthorization } from "./authorization.js";
import { parseActor, type Actor } from "./actor.js";
import { resolveOrgKitConfig, type OrgKitConfig, type OrgKitConfigInput } from "./config.js";
import { createInvitationsApi, type InvitationsApi } from "./invitations.js";
import { createConfigurationApi, type ConfigurationApi } from "./configuration.js";
import { configurationFingerprint } from "./configuration-fingerprint.js";
import { createConfigurationGuard, type ConfigurationReadiness } from "./configuration-guard.js";
import { createImport, type ImportOptions, type ImportOrganizationRow, type ImportResult } from "./import.js";
import { createMembershipsApi, type MembershipsApi } from "./memberships.js";
import { createMergeApi, type OrganizationsMergeApi } from "./merge.js";
import { createOrganizationsApi, type OrganizationsApi } from "./organizations.js";
import { createResourcesApi, type ResourcesApi } from "./resources.js";
import { createRollUp, type OrganizationRollUp, type OrganizationRollUpOptions } from "./roll-up.js";
import { createRulesApi, type RulesApi } from "./rules.js";
import type { TxtResolver } from "./txt-lookup.js";
import { createRuntime, randomIds, type IdGenerator } from "./runtime.js";
import { createLivePolicy, readFreshnessOptions, type ChangesApi, type FreshnessOptions } from "./live-policy.js";
import { createUsersApi, type UsersApi } from "./users.js";
import { assertDeclaredPermission, assertDeclaredRequest } from "./vocabulary.js";
import type { OrganizationVocabularyOf, PermissionOf } from "./typed-kit.js";

const eventsQuerySchema = z
  .object({ organizationId: idSchema.optional(), after: z.number().int().min(0).optional(), limit: z.number().int().min(1).max(1000).default(100) })
  .strict();

/** Options of {@link createOrgKit}; `C` is the configuration's type (see {@link defineConfig}). */
export interface CreateOrgKitOptions<C extends OrgKitConfigInput = OrgKitConfigInput> {
  /** Where data lives: `memoryStorage()` from `orgkit/memory`, `postgresStorage(...)` from `orgkit/postgres`, or your own adapter. */
  readonly storage: Storage;
  /** The time source. Default `() => new Date()`; tests pass a deterministic clock (`createTestClock` from `orgkit/testing`). */
  readonly clock?: () => Date;
  /** Id generator. Default: prefixed random UUIDs (`org_…`); tests pass `createTestIds()`. */
  readonly ids?: IdGenerator;
  /**
   * The configuration (see {@link OrgKitConfigInput}). Written with {@link defineConfig},
   * the vocabulary it declares types the kit (see docs/typed-kits.md).
   */
  readonly config?: C;
  /**
   * The TXT resolver `kit.rules.proveDomain` asks (`{ resolveTxt(hostname) }`, as
   * `node:dns/promises` has it). Default: `node:dns/promises`, imported on first use.
   * Tests pass a fake; hosts may pass a resolver with their own servers or cache.
   */
  readonly dns?: TxtResolver;
}

/** Organization use cases, plus bulk import and merging duplicates; `V` is the kit's declared vocabulary. */
export interface OrganizationsFacade<V extends OrganizationVocabulary = OrganizationVocabulary> extends OrganizationsApi<V>, OrganizationsMergeApi<V> {
  /**
   * Bulk import (upsert by `externalId`; parents by external id in any order;
   * `"all-or-nothing"` or `"per-row"`; `dryRun`; `onProgress`). Re-running a batch
   * changes nothing. Every row is validated and authorized as the one-row use cases
   * would, but the rows are applied in sets: a few queries per thousands of rows,
   * multi-row inserts, one event batch.
   *
   * In `"all-or-nothing"` mode a failing row throws an `OrgKitError` with the first
   * failing row's code (`VALIDATION_FAILED`, `FORBIDDEN`, `HIERARCHY_CYCLE`…) whose
   * `details.result` lists the rows (every invalid row; otherwise the rows up to the
   * first failing one), and nothing is written. In `"per-row"` mode the rows are
   * committed in chunks of 1,000 (parents first), and a row that fails — also at the
   * database, which savepoints isolate — fails alone, with the rows in the batch below
   * it. A storage fault (`STORAGE_FAILURE`, `STORAGE_TIMEOUT`) is not a failed row: the
   * import stops with that code, `details.row` / `details.externalId` name the first row
   * of the chunk it stopped in, and `details.committed` lists the rows committed before
   * it (re-run the import, which is idempotent, to finish).
   *
   * @example
   * ```ts
   * const result = await kit.organizations.import(admin, [
   *   { externalId: "BOS", name: "Acme Boston Office", parentExternalId: "EAST" },
   *   { externalId: "EAST", name: "Acme East Region", parentExternalId: "ACME" },
   *   { externalId: "ACME", name: "Acme Manufacturing", type: "customer" },
   * ], { mode: "per-row", onProgress: ({ done, total }) => console.log(`${done}/${total}`) });
   * result.created; // 3
   * ```
   */
  import(actor: Actor, rows: readonly ImportOrganizationRow<V>[], options?: ImportOptions): Promise<ImportResult>;
  /**
   * Reporting roll-up: the organization `rootId` and its descendants that the actor may
   * read — through platform roles, staff profiles, memberships and cascading roles or
   * admins alike (the evaluator decides each one) — with a count and, given `value`, a
   * total. `null` when the root does not exist or the actor may not read it.
   *
   * @example
   * ```ts
   * const report = await kit.organizations.rollUp(manager, "acme", { value: async (o) => countOpenTickets(o.id) });
   * if (report) console.log(`${report.total} open tickets in ${report.count} organizations`);
   * ```
   */
  rollUp(actor: Actor, rootId: string, options?: OrganizationRollUpOptions<V>): Promise<OrganizationRollUp<V> | null>;
}

/** The audit trail. */
export interface EventsApi {
  /**
   * Events by ascending sequence: platform admins and the system actor read all; others
   * only an organization's (`organizationId`), and only if they administer it (its org
   * admins, staff with `edit` on it), since events name people and their addresses.
   */
  list(actor: Actor, options?: { readonly organizationId?: string; readonly after?: number; readonly limit?: number }): Promise<AuditEvent[]>;
}

/**
 * The facade: every use case, each validated, authorized, transactional and audited. `C`
 * is the type of its configuration: written with {@link defineConfig}, the permissions,
 * roles, organization types, states and custom fields it declares type the kit's inputs
 * and outputs (see {@link PermissionOf} and {@link OrganizationVocabularyOf}); otherwise
 * every name is a `string`.
 */
export interface OrgKit<C extends OrgKitConfigInput = OrgKitConfigInput> {
  /** The configuration the kit runs with, validated and with every default applied (frozen). */
  readonly config: OrgKitConfig;
  /**
   * Organizations: create, read, search, edit, move in the hierarchy, discontinue and
   * reactivate them, plus bulk import, merging duplicates and reporting roll-ups.
   */
  readonly organizations: OrganizationsFacade<OrganizationVocabularyOf<C>>;
  /**
   * orgkit's projection of the host's users (identities, platform role, usergroups, staff
   * profile): upsert, read, list, and GDPR export, erasure and removal.
   */
  readonly users: UsersApi<OrganizationVocabularyOf<C>["role"]>;
  /** Who belongs to which organization, with which role and whether as its admin, and why (hand, rule, import, invitation). */
  readonly memberships: MembershipsApi<OrganizationVocabularyOf<C>["role"]>;
  /** Member rules: domains, emails, usernames and phones that link matching users to an organization, and domain proof. */
  readonly rules: RulesApi;
  /** Which organization owns each resource (an asset, a system, any kind the host names). */
  readonly resources: ResourcesApi;
  /**
   * Invitations: invite an email address or phone number to an organization with a role;
   * the host accepts them with the token once it has authenticated the person.
   */
  readonly invitations: InvitationsApi<OrganizationVocabularyOf<C>["role"]>;
  /**
   * Usergroups: named sets of permissions, given to users directly or to every member of a
   * linked organization (platform administration).
   */
  readonly usergroups: UsergroupsApi<PermissionOf<C>, OrganizationVocabularyOf<C>>;
  /** Staff profiles: what agents may do to organizations, by their state combination (platform administration). */
  readonly profiles: StaffProfilesApi<OrganizationVocabularyOf<C>["state"]>;
  /** The audit trail: every write's events, readable by those who administer what they concern. */
  readonly events: EventsApi;
  /**
   * The compiled permission policy for the current data (see `orgkit/permissions`). It is
   * compiled from a full snapshot once, then kept fresh from the change feed: each write,
   * by this kit or another process on the same storage, is applied as it is (O(change)),
   * never by a rebuild. The answer includes every write that completed on this kit before
   * the call and every revision committed when the call started (one small query), and
   * at least `options.atLeast` (a revision from {@link OrgKit.revision}, possibly another
   * instance's: read-your-writes across instances).
   */
  policy(options?: FreshnessOptions): Promise<Policy<PermissionOf<C>>>;
  /**
   * `policy().can(...)`: a usergroup permission of a user id, or of a guest (`null`). With
   * declared permissions, another permission is `VALIDATION_FAILED` (path `permission`).
   */
  can(userId: string | null, permission: PermissionOf<C>, options?: FreshnessOptions): Promise<boolean>;
  /**
   * `policy().explain(request)`: the decision and the grants behind it. With declared
   * permissions, a `can` or `canAll` request naming another is `VALIDATION_FAILED`
   * (path `request.permission` / `request.permissions.N`).
   */
  explain(request: PermissionRequest<PermissionOf<C>>, options?: FreshnessOptions): Promise<Decision>;
  /**
   * The revision of the latest write this kit committed (0 before any): after
   * `await kit.memberships.remove(…)`, pass `kit.revision()` as `atLeast` to another
   * instance so its answer includes the removal. Revisions only grow.
   */
  revision(): number;
  /**
   * The whole policy snapshot and the revision it is at, read in one transaction, for a
   * service that compiles its own policy (`compilePolicy(snapshot)` from
   * `orgkit/permissions`) and follows {@link OrgKit.changes} from `revision`.
   */
  exportSnapshot(): Promise<{
    /** Every organization, user, membership, resource, usergroup and staff profile the evaluator needs, with the state flags and the configured role and admin rules. */
    readonly snapshot: PolicySnapshot;
    /** The change feed revision the snapshot is at: follow `kit.changes.since(revision)` from here. */
    readonly revision: number;
  }>;
  /** The change feed: every committed write's policy changes and audit events, by revision. */
  readonly changes: ChangesApi;
  /**
   * Checks that the storage records this kit's configuration — and records it when the
   * storage has none yet — so a service fails at boot, not at its first request. Every
   * use case, `policy`, `can`, `explain` and `exportSnapshot` check too (see
   * {@link OrgKit.configuration}); a kit is never locked by a failed check, the next call
   * checks again. `CONFIGURATION_MISMATCH` when the recorded configuration differs
   * (`details.differences`: each setting, recorded and this kit's value).
   *
   * @example
   * ```ts
   * const kit = createOrgKit({ storage, config });
   * await kit.ready(); // { status: "recorded" | "matched" | "unchecked", fingerprint: "sha256:…" }
   * server.listen(3000);
   * ```
   */
  ready(): Promise<ConfigurationReadiness>;
  /**
   * One configuration per store: the storage records the part of the configuration that
   * changes what its data means (membership policy, states, organization types, custom
   * fields, identity trust, email and phone keys, rule claims, depth, names, role and
   * admin rules), and a kit configured otherwise refuses to run
   * (`CONFIGURATION_MISMATCH`) until its configuration is adopted on purpose
   * (`kit.configuration.adopt`).
   */
  readonly configuration: ConfigurationApi;
}

/**
 * Creates the orgkit facade over a storage.
 *
 * @example
 * ```ts
 * import { createOrgKit, SYSTEM_ACTOR } from "orgkit";
 * import { memoryStorage } from "orgkit/memory";
 *
 * const kit = createOrgKit({ storage: memoryStorage(), config: { membershipPolicy: "single" } });
 * const acme = await kit.organizations.create(SYSTEM_ACTOR, { name: "Acme Manufacturing", type: "customer" });
 * await kit.rules.add(SYSTEM_ACTOR, acme.id, { kind: "domain", value: "acme.example" });
 * await kit.users.upsert(SYSTEM_ACTOR, { id: "u1", emails: ["jane@acme.example"] }); // linked to Acme by the rule
 * ```
 */
export function createOrgKit<C extends OrgKitConfigInput = OrgKitConfigInput>(untrustedOptions: CreateOrgKitOptions<C>): OrgKit<C> {
  const options = readKitOptions(untrustedOptions);
  const { storage } = parseInput(
    z.object({ storage: z.custom<Storage>((s) => typeof s === "object" && s !== null && typeof (s as Storage).transaction === "function", "must be a Storage") }).passthrough(),
    options,
    "createOrgKit options",
  );
  const config = resolveOrgKitConfig(options.config);
  const clock = options.clock ?? (() => new Date());
  const ids = options.ids ?? randomIds;
  const states = config.organization.states;
  const guard = createConfigurationGuard(configurationFingerprint(config), storage, { maxStalenessMs: config.maxStalenessMs, clock });
  const runtime = createRuntime(storage, config, clock, ids, (session, actor) => loadAuthorization(session, actor, states, config), guard);

  const live = createLivePolicy(storage, states, config.maxStalenessMs, config, async (session) => {
    const checkedAt = await guard.verify(session, { always: true });
    if (checkedAt !== null) guard.passed(checkedAt);
  });
  runtime.onWrite((revision) => live.written(revision));
  // Every answer of the policy is about this kit's configuration: checked first (within the staleness bound).
  const policy = async (options?: FreshnessOptions) => {
    const freshness = readFreshnessOptions(options); // bad input costs no I/O
    await guard.confirm();
    return live.policy(freshness);
  };

  const organizations = createOrganizationsApi(runtime);
  const importOrganizations = createImport(runtime);
  const kit: OrgKit = {
    config,
    organizations: atTheDoor("organizations", { ...organizations, ...createMergeApi(runtime), import: importOrganizations, rollUp: createRollUp(runtime) }),
    users: atTheDoor("users", createUsersApi(runtime)),
    memberships: atTheDoor("memberships", createMembershipsApi(runtime)),
    rules: atTheDoor("rules", createRulesApi(runtime, options.dns)),
    resources: atTheDoor("resources", createResourcesApi(runtime)),
    invitations: atTheDoor("invitations", createInvitationsApi(runtime)),
    usergroups: atTheDoor("usergroups", createUsergroupsApi(runtime)),
    profiles: atTheDoor("profiles", createStaffProfilesApi(runtime)),
    events: atTheDoor("events", {
      async list(actor, listOptions) {
        const ref = parseActor(actor);
        const query = parseInput(
          eventsQuerySchema,
          listOptions ?? {},
          "options",
          ["options"],
        );
        return runtime.read(ref, async ({ session, auth }) => {
          if (!auth.allows({ check: "canAdministerPlatform" })) {
            const organization = query.organizationId ? await session.organizations.get(query.organizationId) : null;
            // Events name people (a rule's address, who joined): for those who administer the organization.
            if (!organization || !administers(auth, organization)) return [];
          }
          return session.events.list({
            ...(query.organizationId !== undefined ? { organizationId: query.organizationId } : {}),
            ...(query.after !== undefined ? { after: query.after } : {}),
            limit: query.limit,
          });
        });
      },
    }),
    policy,
    async can(userId, permission, options) {
      // Not a string: the evaluator's to deny, as without a vocabulary.
      if (typeof permission === "string") assertDeclaredPermission(config, permission, "permission", "permission");
      const p = await policy(options);
      return p.can(userId === null ? p.guest() : userId, permission);
    },
    async explain(request, options) {
      assertDeclaredRequest(config, request);
      return (await policy(options)).explain(request);
    },
    revision: () => live.revision(),
    exportSnapshot: () => live.exportSnapshot(),
    changes: live.changes,
    ready: () => guard.ready(),
    configuration: atTheDoor("configuration", createConfigurationApi(runtime, guard)),
  };
  // The same kit, typed by the vocabulary the configuration declares: the use cases
  // enforce at run time what the types say (see vocabulary.ts).
  return kit as unknown as OrgKit<C>;
}

/**
 * Reads the options once: the storage, clock and id generator are the host's objects and
 * stay as they are; the configuration is copied into plain data.
 */
function readKitOptions(options: unknown): CreateOrgKitOptions {
  let fields: { storage?: unknown; clock?: unknown; ids?: unknown; config?: unknown; dns?: unknown };
  let resolveTxt: unknown;
  try {
    if (typeof options !== "object" || options === null) throw new TypeError("must be an object with a storage");
    const { storage, clock, ids, config, dns } = options as Record<string, unknown>;
    fields = { storage, clock, ids, config, dns };
    if (typeof dns === "object" && dns !== null) resolveTxt = (dns as Record<string, unknown>)["resolveTxt"];
  } catch (error) {
    throw validationError("Invalid createOrgKit options: could not be read", [
      { path: "", code: "unreadable", message: describeError(error) },
    ]);
  }
  if (fields.dns !== undefined && typeof resolveTxt !== "function") {
    throw validationError("Invalid createOrgKit options at dns: must be { resolveTxt(hostname) }", [{ path: "dns.resolveTxt", code: "invalid_type", message: "must be a function" }]);
  }
  // The resolver is the host's object; orgkit calls it with `this` bound, and reads nothing else of it.
  if (fields.dns !== undefined) {
    const dns = fields.dns;
    const resolve = resolveTxt as (hostname: string) => Promise<string[][]>;
    fields.dns = { resolveTxt: (hostname: string) => resolve.call(dns, hostname) };
  }
  if (fields.clock !== undefined && typeof fields.clock !== "function") {
    throw validationError("Invalid createOrgKit options at clock: must be a function returning a Date", [{ path: "clock", code: "invalid_type", message: "must be a function" }]);
  }
  if (fields.ids !== undefined && typeof fields.ids !== "function") {
    throw validationError("Invalid createOrgKit options at ids: must be a function", [{ path: "ids", code: "invalid_type", message: "must be a function" }]);
  }
  const config = fields.config === undefined ? undefined : readPlainInput(fields.config, "createOrgKit options", { path: ["config"], checkText: false });
  return { ...fields, config } as CreateOrgKitOptions;
}

/**
 * Every use case reads its arguments once, here, into plain data: a getter that throws
 * or changes its answer, a revoked proxy or a cyclic object is `VALIDATION_FAILED`
 * before the use case starts, and the use case never holds the caller's objects (so the
 * caller cannot change what was validated while it runs). Each method returns a promise
 * that rejects with the error; none throws synchronously.
 */
function atTheDoor<Api extends object>(group: string, api: Api): Api {
  const guarded: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(api)) {
    if (typeof method !== "function") {
      guarded[name] = method;
      continue;
    }
    guarded[name] = async (...args: unknown[]) => {
      const plain = readPlainArguments(args, `arguments of ${group}.${name}`, { checkText: false, names: ["actor"] });
      return (method as (...a: unknown[]) => unknown).apply(api, plain);
    };
  }
  return Object.freeze(guarded) as Api;
}
