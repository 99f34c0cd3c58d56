/**
 * Lookups that lead past merged organizations: an organization merged into another
 * (`mergedInto`) is a redirect to its survivor, and a chain of merges to its end.
 *
 * @module
 */
import type { Organization } from "../domain/organization/schema.js";
import type { StorageSession } from "../storage/ports.js";

/**
 * The organization a lookup leads to: `organization` itself, or, when it was merged, the
 * end of its chain of merges (A merged into B, B into C: C). A chain that breaks (a
 * survivor missing from storage) ends where it breaks.
 */
export async function followMerges(session: StorageSession, organization: Organization): Promise<Organization> {
  let current = organization;
  const seen = new Set([current.id]);
  while (current.mergedInto !== undefined && !seen.has(current.mergedInto)) {
    const next = await session.organizations.get(current.mergedInto);
    if (next === null) break;
    seen.add(next.id);
    current = next;
  }
  return current;
}

/** {@link followMerges} for many organizations at once (an import's): one `getMany` per link of the longest chain. */
export async function followMergesOfMany(session: StorageSession, organizations: ReadonlyMap<string, Organization>): Promise<Map<string, Organization>> {
  const out = new Map(organizations);
  const known = new Map<string, Organization>();
  for (let round = 0; round < 64; round++) {
    const pending = [...out.entries()].filter(([, o]) => o.mergedInto !== undefined && o.mergedInto !== o.id);
    if (pending.length === 0) break;
    const wanted = [...new Set(pending.map(([, o]) => o.mergedInto!))].filter((id) => !known.has(id));
    if (wanted.length > 0) for (const o of await session.organizations.getMany(wanted)) known.set(o.id, o);
    let advanced = false;
    for (const [key, o] of pending) {
      const next = known.get(o.mergedInto!);
      if (next !== undefined) {
        out.set(key, next);
        advanced = true;
      }
    }
    if (!advanced) break;
  }
  return out;
}
