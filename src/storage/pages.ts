/**
 * The one way the service walks a keyset-paginated listing.
 *
 * @module
 */
import type { KeysetOptions } from "./ports.js";

/**
 * Every page of a keyset listing: `fetch` returns up to `limit` items strictly after the
 * key `after` (see {@link KeysetOptions}), `keyOf` gives an item's key, and a short page
 * ends the walk. Rows removed behind the cursor while walking (the caller deleting what
 * it visited) do not shift later pages, since the cursor is a key, not an offset.
 *
 * @example
 * ```ts
 * for await (const page of keysetPages((o) => session.users.scan(o), (user) => user.id)) {
 *   for (const user of page) visit(user);
 * }
 * ```
 */
export async function* keysetPages<T>(fetch: (options: KeysetOptions) => Promise<T[]>, keyOf: (item: T) => string, limit = 500): AsyncGenerator<T[], void, undefined> {
  for (let after: string | null = null; ; ) {
    const page = await fetch({ after, limit });
    if (page.length > 0) yield page;
    if (page.length < limit) return;
    after = keyOf(page[page.length - 1]!);
  }
}
