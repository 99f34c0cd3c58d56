/**
 * The raw-inspector port: how the storage conformance suite (`orgkit/storage`) reads an
 * adapter's stored rows directly. It sits with the storage ports so that adapters
 * implement it and the suite consumes it without either importing the other.
 *
 * @module
 */

/** The tables (or collections) a {@link RawInspector} can count. */
export type RawTable = "organizations" | "users" | "memberships" | "rules" | "usergroups" | "profiles" | "resources" | "invitations" | "events" | "changes";

/**
 * Raw readers that look at the backend directly, not through the adapter's
 * repositories, so an adapter cannot pass the conformance suite by agreeing with
 * itself (a write that only lived in a cache, a rollback that only cleared a cache).
 * Optional: when given, the suite also checks that writes really persisted and that
 * rolled-back transactions really left nothing.
 *
 * Records come back with the model's field names (map column names such as
 * `external_id` to `externalId`); the suite reads only `id`, `name`, `externalId`,
 * `parentId`, `status` and `version` of organizations, `id`, `emails` and `version` of
 * users, and `userId`, `organizationId`, `role` and `admin` of memberships. Numbers may
 * come back as strings (a `bigint` column): the suite compares them with `Number()`.
 *
 * @example
 * ```ts
 * // A PostgreSQL adapter's inspector, on the same client as the storage:
 * const inspect: RawInspector = {
 *   organization: async (id) =>
 *     (await client.query(`select id, name, external_id as "externalId", parent_id as "parentId", status, version
 *                          from orgkit_organizations where id = $1`, [id])).rows[0] ?? null,
 *   user: async (id) => (await client.query(`select id, emails, version from orgkit_users where id = $1`, [id])).rows[0] ?? null,
 *   membership: async (userId, organizationId) =>
 *     (await client.query(`select user_id as "userId", organization_id as "organizationId", role, admin
 *                          from orgkit_memberships where user_id = $1 and organization_id = $2`, [userId, organizationId])).rows[0] ?? null,
 *   count: async (table) => Number((await client.query(`select count(*) as n from orgkit_${table}`)).rows[0].n),
 * };
 * ```
 */
export interface RawInspector {
  /** The stored organization `id`, or null when the backend has none. */
  organization(id: string): Promise<Readonly<Record<string, unknown>> | null>;
  /** The stored user `id`, or null. */
  user(id: string): Promise<Readonly<Record<string, unknown>> | null>;
  /** The stored membership of `userId` in `organizationId`, or null. */
  membership(userId: string, organizationId: string): Promise<Readonly<Record<string, unknown>> | null>;
  /**
   * Optional: the stored invitation `id` (at least `id`, `organizationId`, `kind`,
   * `address`, `tokenHash`, `status`, `version`), or null. With it the suite checks what
   * an invitation row really holds (its token's hash, never the token).
   */
  invitation?(id: string): Promise<Readonly<Record<string, unknown>> | null>;
  /** How many rows `table` holds. */
  count(table: RawTable): Promise<number>;
  /**
   * Optional: the stored member rule `id` (`id`, `organizationId`, `kind`, `value`), with
   * `proven` (a boolean), `proofMethod` (`"dns"`, `"affiliation"` or null) and the token
   * of its challenge as `challengeToken` (null when none), or null when there is no rule.
   */
  rule?(id: string): Promise<Readonly<Record<string, unknown>> | null>;
  /**
   * Optional: every stored row of every table of the storage's tenant as text — every
   * column, the audit trail, the change feed, and index tables such as PostgreSQL's
   * `user_identities` — in any layout. The suite searches it for values that must be
   * gone (an erased person's address appears nowhere). Without it, those checks read
   * through the repositories instead.
   */
  dump?(): Promise<string>;
  /**
   * Optional: the stored owner of resource (`kind`, `id`) as `{ kind, id, organizationId }`,
   * or null. Without it the suite checks resource writes through the repository only.
   */
  resource?(kind: string, id: string): Promise<Readonly<Record<string, unknown>> | null>;
  /**
   * Optional: the stored setting under `key` (`key`, `value`, `version`, `updatedAt`), or
   * null. With it the suite also checks that settings persisted and rolled back.
   */
  setting?(key: string): Promise<Readonly<Record<string, unknown>> | null>;
}
