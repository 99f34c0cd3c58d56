/**
 * Users in PostgreSQL, with an identity index for member-rule matching.
 *
 * @module
 */
import { notFound, versionConflict } from "../../errors.js";
import type { MemberRuleRecord, User } from "../../domain/membership/model.js";
import type { UserRepository } from "../../storage/ports.js";
import type { RepositoryContext } from "./context.js";
import { getDocument, getDocuments } from "./documents.js";
import type { SqlExecutor } from "./executor.js";
import { checkString, invalidArgument, Parameters, readDocument, readKeyset } from "./sql.js";

/** `mail.acme.com` → `com.acme.mail`: subdomains of a domain become the keys that start with its reversal plus `.`. */
export function reverseHost(host: string): string {
  return host.split(".").reverse().join(".");
}

/** The (kind, value) rows a user is findable by: emails, username, phones and each email's host (reversed). */
export function userIdentities(user: User): { kinds: string[]; values: string[] } {
  const keys = new Set<string>();
  const kinds: string[] = [];
  const values: string[] = [];
  const add = (kind: string, value: string) => {
    const key = `${kind}\u0000${value}`;
    if (keys.has(key)) return;
    keys.add(key);
    kinds.push(kind);
    values.push(value);
  };
  for (const email of user.emails) {
    add("email", email);
    const at = email.lastIndexOf("@");
    if (at >= 0 && at < email.length - 1) add("domain", reverseHost(email.slice(at + 1)));
  }
  if (user.username !== null) add("username", user.username);
  for (const phone of user.phones) add("phone", phone);
  return { kinds, values };
}

function checkUser(user: User): User {
  if (typeof user !== "object" || user === null) throw invalidArgument("user", "must be a user");
  checkString(user.id, "user.id");
  if (!Array.isArray(user.emails) || !Array.isArray(user.phones)) throw invalidArgument("user", "must have emails and phones arrays");
  return user;
}

function userParams(user: User): unknown[] {
  return [
    user.id,
    user.kind,
    user.username,
    user.registered,
    user.platformRole,
    user.profileId,
    user.createdAt,
    user.updatedAt,
    user.version,
    JSON.stringify(user),
  ];
}

type DocRow = { doc: unknown };
const docs = (rows: readonly DocRow[]): User[] => rows.map((row) => readDocument<User>(row.doc));

/** Builds the user repository over a context. */
export function createUserRepository(context: RepositoryContext): UserRepository {
  const { executor, tables, tenant: T } = context;
  const table = tables.users;
  const identities = tables.userIdentities;

  /** Makes the identity rows of `user` exactly its current identities, touching only what changed. */
  async function syncIdentities(on: SqlExecutor, user: User, operation: string): Promise<void> {
    const { kinds, values } = userIdentities(user);
    await on.rows(
      operation,
      `DELETE FROM ${identities} AS i WHERE i.tenant_id = ${T} AND i.user_id = $1
         AND NOT EXISTS (SELECT 1 FROM unnest($2::text[], $3::text[]) AS n(kind, value) WHERE n.kind = i.kind AND n.value = i.value)`,
      [user.id, kinds, values]
    );
    if (kinds.length > 0) {
      await on.rows(
        operation,
        `INSERT INTO ${identities} (tenant_id, kind, value, user_id) SELECT ${T}, n.kind, n.value, $1 FROM unnest($2::text[], $3::text[]) AS n(kind, value)
         ON CONFLICT (tenant_id, kind, value, user_id) DO NOTHING`,
        [user.id, kinds, values]
      );
    }
  }

  return {
    get: (id) => getDocument<User>(context, "users.get", table, id),

    getMany: (ids) => getDocuments<User>(context, "users.getMany", table, ids),

    async insert(user) {
      checkUser(user);
      await executor.atomic("users.insert", async (tx) => {
        await tx.rows(
          "users.insert",
          `INSERT INTO ${table} (tenant_id, id, kind, username, registered, platform_role, profile_id, created_at, updated_at, version, doc)
           VALUES (${T}, $1, $2, $3, $4, $5, $6, $7::timestamptz, $8::timestamptz, $9, $10::json)`,
          userParams(user)
        );
        await syncIdentities(tx, user, "users.insert");
      });
    },

    async update(user, expectedVersion) {
      checkUser(user);
      if (!Number.isInteger(expectedVersion)) throw invalidArgument("expectedVersion", "must be an integer");
      await executor.atomic("users.update", async (tx) => {
        const updated = await tx.rows(
          "users.update",
          `UPDATE ${table} SET kind = $2, username = $3, registered = $4, platform_role = $5, profile_id = $6,
             created_at = $7::timestamptz, updated_at = $8::timestamptz, version = $9, doc = $10::json
           WHERE tenant_id = ${T} AND id = $1 AND version = $11 RETURNING id`,
          [...userParams(user), expectedVersion]
        );
        if (updated.length === 0) {
          const current = await tx.rows<{ version: number }>("users.update", `SELECT version FROM ${table} WHERE tenant_id = ${T} AND id = $1`, [user.id]);
          const stored = current[0];
          if (stored === undefined) throw notFound("user", user.id);
          throw versionConflict("user", user.id, expectedVersion, Number(stored.version));
        }
        await syncIdentities(tx, user, "users.update");
      });
    },

    async findMatching(rule: Pick<MemberRuleRecord, "kind" | "value" | "includeSubdomains">, options) {
      if (typeof rule !== "object" || rule === null) throw invalidArgument("rule", "must be a rule");
      checkString(rule.value, "rule.value");
      const { after, limit } = readKeyset(options);
      const params = new Parameters();
      let match: string;
      if (rule.kind === "domain") {
        const reversed = reverseHost(rule.value);
        match = `tenant_id = ${T} AND kind = 'domain' AND (value = ${params.add(reversed)}`;
        // Every key that starts with "<reversed>." lies in [<reversed>".", <reversed>"/")
        // under byte order ("/" follows "."): an index range scan.
        match += rule.includeSubdomains ? ` OR (value >= ${params.add(`${reversed}.`)} AND value < ${params.add(`${reversed}/`)}))` : ")";
      } else if (rule.kind === "email" || rule.kind === "username" || rule.kind === "phone") {
        match = `tenant_id = ${T} AND kind = ${params.add(rule.kind)} AND value = ${params.add(rule.value)}`;
      } else {
        throw invalidArgument("rule.kind", "must be email, domain, username or phone");
      }
      if (after !== null) match += ` AND user_id > ${params.add(after)}`;
      // The page of matching ids is found in the identity index alone; only those users are read.
      const rows = await executor.rows<DocRow>(
        "users.findMatching",
        `SELECT u.doc FROM ${table} u
           JOIN (SELECT DISTINCT user_id FROM ${identities} WHERE ${match} ORDER BY user_id LIMIT ${params.add(limit)}) m ON u.tenant_id = ${T} AND m.user_id = u.id
         ORDER BY u.id`,
        params.values
      );
      return docs(rows);
    },

    async delete(id) {
      const key = checkString(id, "id");
      return executor.atomic("users.delete", async (tx) => {
        await tx.rows("users.delete", `DELETE FROM ${identities} WHERE tenant_id = ${T} AND user_id = $1`, [key]);
        const deleted = await tx.rows("users.delete", `DELETE FROM ${table} WHERE tenant_id = ${T} AND id = $1 RETURNING id`, [key]);
        return deleted.length > 0;
      });
    },

    async scan(options) {
      const { after, limit } = readKeyset(options);
      const params = new Parameters();
      const where = after === null ? `WHERE tenant_id = ${T}` : `WHERE tenant_id = ${T} AND id > ${params.add(after)}`;
      const rows = await executor.rows<DocRow>("users.scan", `SELECT doc FROM ${table} ${where} ORDER BY id LIMIT ${params.add(limit)}`, params.values);
      return docs(rows);
    },
  };
}
