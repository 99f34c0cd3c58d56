import { expect } from "./test-api.js";
import { isOrgKitError, type OrgKitErrorCode, type OrgKitErrorOf } from "../../errors.js";

/** Awaits `promise`, expects it to reject with an `OrgKitError` of `code` (and `details.reason`), and returns the error. */
export async function expectOrgKitError<C extends OrgKitErrorCode>(promise: Promise<unknown>, code: C, reason?: string): Promise<OrgKitErrorOf<C>> {
  let outcome: { ok: true; value: unknown } | { ok: false; error: unknown };
  try {
    outcome = { ok: true, value: await promise };
  } catch (error) {
    outcome = { ok: false, error };
  }
  if (outcome.ok) expect.fail(`expected OrgKitError ${code}${reason ? ` (${reason})` : ""}, but the call succeeded`);
  const error = outcome.error;
  if (!isOrgKitError(error)) expect.fail(`expected OrgKitError ${code}, got ${String(error)}`);
  expect(error.code, error.message).toBe(code);
  if (reason !== undefined) expect((error.details as { readonly reason?: unknown }).reason, error.message).toBe(reason);
  return error as OrgKitErrorOf<C>;
}

/**
 * Tries to change every part of `value` in place (assign strings, push to arrays,
 * recursively); frozen parts throw, which is fine — the point is that nothing done to
 * a returned object may reach the store.
 */
export function scribble(value: unknown, depth = 0): void {
  if (typeof value !== "object" || value === null || depth > 4) return;
  if (Array.isArray(value)) {
    try {
      value.push("scribbled");
    } catch {
      // frozen: cannot change, which is detached enough
    }
    for (const item of value) scribble(item, depth + 1);
    return;
  }
  for (const key of Object.keys(value)) {
    const field = (value as Record<string, unknown>)[key];
    if (typeof field === "object" && field !== null) scribble(field, depth + 1);
    try {
      (value as Record<string, unknown>)[key] = typeof field === "number" ? field + 1000 : typeof field === "boolean" ? !field : "scribbled";
    } catch {
      // frozen
    }
  }
}

/** Scribbles over `value` and checks that reading it again gives what it held before. */
export async function expectDetached<T>(value: T, reread: () => Promise<unknown>): Promise<void> {
  const before = structuredClone(value);
  scribble(value);
  expect(await reread()).toEqual(before);
}

/** Compares strings by UTF-16 code unit, the order the ports require for ids. */
export function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Checks that `keys` are strictly increasing by code unit (sorted, no duplicates). */
export function expectStrictlyIncreasing(keys: readonly string[]): void {
  for (let i = 1; i < keys.length; i++) {
    if (!(keys[i - 1]! < keys[i]!)) expect.fail(`keys out of order at ${i}: '${keys[i - 1]}' then '${keys[i]}'`);
  }
}

/**
 * Reads a keyset-paginated list to the end: `fetch(after, limit)` until a page is
 * shorter than `limit`, continuing from `keyOf(last item)`.
 */
export async function readAllPages<T>(fetch: (after: string | null, limit: number) => Promise<readonly T[]>, keyOf: (item: T) => string, limit: number): Promise<T[]> {
  const out: T[] = [];
  let after: string | null = null;
  for (let guard = 0; guard < 100_000; guard++) {
    const page = await fetch(after, limit);
    expect(page.length).toBeLessThanOrEqual(limit);
    out.push(...page);
    if (page.length < limit) return out;
    after = keyOf(page[page.length - 1]!);
  }
  return expect.fail("pagination did not end");
}
