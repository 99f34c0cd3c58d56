/**
 * The walks over an organization tree, written once. The evaluators walk the compiled
 * tables (each organization record lists its children's ids); the memory adapter walks
 * its rows (children kept sorted by id) with the same two functions. `orgkit/permissions`
 * imports nothing outside itself, so the walks live here, with no imports at all, and
 * know nodes only through the lookups they are given.
 *
 * (The public `createHierarchyIndex` is a different tool: a numbered index a host builds
 * over a forest it holds, answering `isAncestor` in O(1). Neither the service, the
 * adapters nor the evaluator use it.)
 *
 * @module
 */
import type { OrganizationRecord } from "./tables.js";

/** How a walk sees a tree: a node by id, and a node's parent or children. */
export interface TreeLookup<T> {
  get(id: string): T | undefined;
}

/**
 * The ancestors of `id`, nearest first: parent, grandparent, … up to a root. Stops at a
 * root, at an id `get` does not know, or at an id already seen (a corrupted, cyclic
 * store must not hang a service).
 */
export function walkAncestors<T>(id: string, nodes: TreeLookup<T>, parentOf: (node: T) => string | null): T[] {
  const out: T[] = [];
  const start = nodes.get(id);
  if (start === undefined) return out;
  const seen = new Set<string>([id]);
  let parentId = parentOf(start);
  while (parentId !== null && !seen.has(parentId)) {
    const parent = nodes.get(parentId);
    if (parent === undefined) break;
    seen.add(parentId);
    out.push(parent);
    parentId = parentOf(parent);
  }
  return out;
}

/**
 * Walks the subtree at `rootId` depth-first in pre-order, children in the order
 * `childIdsOf` lists them, with an explicit stack (a deep tree cannot overflow the
 * call stack). `visit(node, depth)` sees the root at depth 0 first; returning `false`
 * skips the node's descendants. A node reached twice (a corrupted, cyclic store) is
 * visited once. Nothing is visited when the root is unknown.
 */
export function walkSubtree<T>(
  rootId: string,
  nodes: TreeLookup<T>,
  childIdsOf: (node: T, id: string) => readonly string[] | undefined,
  visit: (node: T, depth: number) => boolean,
): void {
  const root = nodes.get(rootId);
  if (root === undefined) return;
  const seen = new Set<string>([rootId]);
  const stack: { id: string; node: T; depth: number }[] = [{ id: rootId, node: root, depth: 0 }];
  while (stack.length > 0) {
    const { id, node, depth } = stack.pop()!;
    if (!visit(node, depth)) continue;
    const children = childIdsOf(node, id);
    if (children === undefined) continue;
    // Pushed in reverse so children come out in their listed order.
    for (let i = children.length - 1; i >= 0; i--) {
      const childId = children[i]!;
      if (seen.has(childId)) continue;
      const child = nodes.get(childId);
      if (child === undefined) continue;
      seen.add(childId);
      stack.push({ id: childId, node: child, depth: depth + 1 });
    }
  }
}

const childrenOfRecord = (org: OrganizationRecord) => org.children;
const parentOfRecord = (org: OrganizationRecord) => org.parentId;

/** The organization `rootId` and all its descendants, parents before children (depth-first). Empty when the root is unknown. */
export function subtreeOf(organizations: TreeLookup<OrganizationRecord>, rootId: string): OrganizationRecord[] {
  const out: OrganizationRecord[] = [];
  walkSubtree(rootId, organizations, childrenOfRecord, (org) => {
    out.push(org);
    return true;
  });
  return out;
}

/** The ids of `id`'s ancestors, nearest first (stops at a root or an unknown id). */
export function ancestorIdsOf(organizations: TreeLookup<OrganizationRecord>, id: string): string[] {
  return walkAncestors(id, organizations, parentOfRecord).map((org) => org.id);
}
