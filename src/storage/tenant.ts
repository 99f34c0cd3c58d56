/**
 * Tenants: one storage holds many helpdesks (tenants), and a storage handle is scoped to
 * one of them. Every adapter checks a tenant id the same way.
 *
 * @module
 */
import { invalidArgument } from "./arguments.js";

/** The tenant of a storage created without one (and of data stored before tenants existed). */
export const DEFAULT_TENANT = "default";

/**
 * What a tenant id may be: 1–128 characters, letters, digits and `. _ : @ -`, starting
 * with a letter or digit. That covers slugs, numeric ids, UUIDs and ULIDs, and keeps the
 * id safe to place in SQL text (PostgreSQL pins it in every statement, so partition
 * pruning and a Citus router see it as a constant).
 */
const TENANT_ID = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;

/** Checks a tenant id (see {@link TENANT_ID}) and returns it; `VALIDATION_FAILED` at `path` otherwise. */
export function checkTenant(value: unknown, path = "tenant"): string {
  if (typeof value !== "string" || !TENANT_ID.test(value)) {
    throw invalidArgument(path, "must be 1–128 characters: letters, digits and . _ : @ -, starting with a letter or digit", "invalid_tenant");
  }
  return value;
}
