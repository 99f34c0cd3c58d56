/**
 * The seed's Acme tree (002_06fb00944d1bde2e.txt, "Organization Hierarchy"), shared by
 * every hierarchy test:
 *
 * Acme Manufacturing (Parent)
 * ├── Acme East Region (Child)
 * │   ├── Acme Boston Office (Child)
 * │   └── Acme New York Office (Child)
 * ├── Acme West Region (Child)
 * │   └── Acme LA Office (Child)
 * └── Acme Service Partners (Child)
 */
import { expect } from "vitest";
import { isOrgKitError, type OrgKitError, type OrgKitErrorCode, type OrgKitErrorOf } from "../../src/errors.js";
import { createHierarchyIndex, type HierarchyEntry, type HierarchyIndex, type HierarchyIndexOptions } from "../../src/domain/hierarchy/index.js";

export const ACME_NAMES: ReadonlyMap<string, string> = new Map([
  ["acme", "Acme Manufacturing"],
  ["east", "Acme East Region"],
  ["boston", "Acme Boston Office"],
  ["newyork", "Acme New York Office"],
  ["west", "Acme West Region"],
  ["la", "Acme LA Office"],
  ["partners", "Acme Service Partners"],
]);

/** Deliberately not in tree order: children come before their parents. */
export const ACME_ENTRIES: readonly HierarchyEntry[] = [
  { id: "boston", parentId: "east" },
  { id: "acme", parentId: null },
  { id: "east", parentId: "acme" },
  { id: "newyork", parentId: "east" },
  { id: "west", parentId: "acme" },
  { id: "la", parentId: "west" },
  { id: "partners", parentId: "acme" },
];

/** The seed's picture, with its "(Parent)"/"(Child)" annotations. */
export const ACME_PICTURE = [
  "Acme Manufacturing (Parent)",
  "├── Acme East Region (Child)",
  "│   ├── Acme Boston Office (Child)",
  "│   └── Acme New York Office (Child)",
  "├── Acme West Region (Child)",
  "│   └── Acme LA Office (Child)",
  "└── Acme Service Partners (Child)",
].join("\n");

/** A fresh Acme index; `discontinued` ids are marked discontinued. */
export function acmeIndex(options: HierarchyIndexOptions & { discontinued?: readonly string[] } = {}): HierarchyIndex {
  const discontinued = new Set(options.discontinued ?? []);
  return createHierarchyIndex(
    ACME_ENTRIES.map((e) => ({ ...e, status: discontinued.has(e.id) ? ("discontinued" as const) : ("active" as const) })),
    { maxDepth: options.maxDepth },
  );
}

/** The seed's labels: "(Parent)" on the top, "(Child)" on everything below. */
export function acmeLabel(index: HierarchyIndex): (id: string) => string {
  return (id) => `${ACME_NAMES.get(id) ?? id} (${index.parentOf(id) === null ? "Parent" : "Child"})`;
}

/** Runs `fn`, expects an OrgKitError with `code`, returns it. */
export function failure<C extends OrgKitErrorCode>(fn: () => unknown, code: C): OrgKitErrorOf<C> {
  try {
    fn();
  } catch (error) {
    expect(isOrgKitError(error)).toBe(true);
    expect((error as OrgKitError).code).toBe(code);
    return error as OrgKitErrorOf<C>;
  }
  throw new Error(`expected ${code}, nothing was thrown`);
}
