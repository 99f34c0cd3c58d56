/**
 * Builds the seed's Acme tree, prints it, moves an office, shows a refusal, and rolls up
 * a report over the organizations one viewer may see.
 *
 * Run: `npx tsx examples/hierarchy.ts`
 */
import { isOrgKitError } from "../src/errors.js";
import { createHierarchyIndex, renderHierarchy, rollUp } from "../src/domain/hierarchy/index.js";

const names = new Map([
  ["acme", "Acme Manufacturing"],
  ["east", "Acme East Region"],
  ["boston", "Acme Boston Office"],
  ["newyork", "Acme New York Office"],
  ["west", "Acme West Region"],
  ["la", "Acme LA Office"],
  ["partners", "Acme Service Partners"],
]);

// Rows as storage returns them: in any order, each with its parent id.
const index = createHierarchyIndex(
  [
    { id: "acme", parentId: null },
    { id: "east", parentId: "acme" },
    { id: "boston", parentId: "east" },
    { id: "newyork", parentId: "east" },
    { id: "west", parentId: "acme" },
    { id: "la", parentId: "west" },
    { id: "partners", parentId: "acme", status: "discontinued" },
  ],
  { maxDepth: 3 }, // a root has depth 0: at most three levels below Acme
);

const label = (id: string) => `${names.get(id)} (${index.parentOf(id) === null ? "Parent" : "Child"})`;
console.log(renderHierarchy(index, "acme", { label }));

console.log("\nIs Acme above Boston?", index.isAncestor("acme", "boston"));
console.log("Boston's ancestors:", index.ancestors("boston").map((id) => names.get(id)).join(" → "));
console.log("Lowest common ancestor of Boston and LA:", names.get(index.lowestCommonAncestor("boston", "la")!));

console.log("\nMove New York Office under West Region:");
index.setParent("newyork", "west");
console.log(renderHierarchy(index, "acme", { label: (id) => names.get(id)! }));

console.log("\nRefusals (nothing changes):");
for (const [child, parent] of [
  ["east", "boston"], // a descendant: would close a loop
  ["la", "partners"], // discontinued
  ["la", "chicago"], // does not exist
  ["east", "la"], // Boston Office would end up at depth 4, beyond maxDepth 3
] as const) {
  try {
    index.setParent(child, parent);
  } catch (error) {
    if (!isOrgKitError(error)) throw error;
    console.log(`  ${child} → ${parent}: ${error.code} — ${error.message}`);
  }
}

// Business Outcomes: open tickets over West Region and below, for a viewer who may see
// West and LA but not New York (access is per organization).
const openTickets = new Map([["west", 3], ["la", 5], ["newyork", 8]]);
const visible = new Set(["west", "la"]);
const report = rollUp(index, "west", {
  canSee: (id) => visible.has(id),
  value: (id) => openTickets.get(id) ?? 0,
  combine: (total, n) => total + n,
  initial: 0,
});
console.log(`\nOpen tickets in West Region as this viewer sees it: ${report.value} (${report.includedIds.map((id) => names.get(id)).join(", ")})`);
