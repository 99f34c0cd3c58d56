/**
 * The few walks over the organization tree the evaluators need, done on the compiled
 * tables (each organization record lists its children's ids). orgkit's hierarchy
 * module does the same and more, but `orgkit/permissions` imports nothing outside
 * itself.
 *
 * @module
 */
import type { OrganizationRecord } from "./tables.js";

/** Anything that maps an organization id to its record. */
export interface OrganizationLookup {
  get(id: string): OrganizationRecord | undefined;
}

/** The organization `rootId` and all its descendants, parents before children (depth-first). Empty when the root is unknown. */
export function subtreeOf(organizations: OrganizationLookup, rootId: string): OrganizationRecord[] {
  const root = organizations.get(rootId);
  if (root === undefined) return [];
  const out: OrganizationRecord[] = [];
  const stack: OrganizationRecord[] = [root];
  while (stack.length > 0) {
    const org = stack.pop()!;
    out.push(org);
    // Push in reverse so children come out in their listed order.
    for (let i = org.children.length - 1; i >= 0; i--) {
      const child = organizations.get(org.children[i]!);
      if (child !== undefined) stack.push(child);
    }
  }
  return out;
}

/** The ids of `id`'s ancestors, nearest first (stops at a root or an unknown id). */
export function ancestorIdsOf(organizations: OrganizationLookup, id: string): string[] {
  const out: string[] = [];
  let parentId = organizations.get(id)?.parentId ?? null;
  // Tables are acyclic by construction; the guard only keeps a bug from hanging a service.
  while (parentId !== null && parentId !== id && !out.includes(parentId)) {
    out.push(parentId);
    parentId = organizations.get(parentId)?.parentId ?? null;
  }
  return out;
}
