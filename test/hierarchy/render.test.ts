import { describe, expect, it } from "vitest";
import { createHierarchyIndex, renderHierarchy } from "../../src/domain/hierarchy/index.js";
import { ACME_ENTRIES, ACME_NAMES, ACME_PICTURE, acmeIndex, acmeLabel, failure } from "./acme.js";

describe("renderHierarchy", () => {
  it("draws the seed's Acme picture", () => {
    const index = acmeIndex();
    expect(renderHierarchy(index, "acme", { label: acmeLabel(index) })).toBe(ACME_PICTURE);
  });

  it("uses ids by default, renders a subtree, and reflects moves", () => {
    const index = acmeIndex();
    expect(renderHierarchy(index, "east")).toBe("east\n├── boston\n└── newyork");
    expect(renderHierarchy(index, "la")).toBe("la");
    index.setParent("west", "boston");
    expect(renderHierarchy(index, "acme", { label: (id) => ACME_NAMES.get(id)! })).toBe(
      [
        "Acme Manufacturing",
        "├── Acme East Region",
        "│   ├── Acme Boston Office",
        "│   │   └── Acme West Region",
        "│   │       └── Acme LA Office",
        "│   └── Acme New York Office",
        "└── Acme Service Partners",
      ].join("\n"),
    );
  });

  it("renders every tree of a forest when no root is given", () => {
    const index = createHierarchyIndex([...ACME_ENTRIES, { id: "globex" }, { id: "globex-eu", parentId: "globex" }]);
    expect(renderHierarchy(index)).toBe(
      ["acme", "├── east", "│   ├── boston", "│   └── newyork", "├── west", "│   └── la", "└── partners", "globex", "└── globex-eu"].join("\n"),
    );
    expect(renderHierarchy(createHierarchyIndex([]))).toBe("");
  });

  it("renders deep chains", () => {
    const entries = Array.from({ length: 2_000 }, (_, i) => ({ id: `n${i}`, parentId: i === 0 ? null : `n${i - 1}` }));
    const lines = renderHierarchy(createHierarchyIndex(entries), "n0").split("\n");
    expect(lines).toHaveLength(2_000);
    expect(lines[2]).toBe("    └── n2");
  });

  it("throws NOT_FOUND for an unknown root", () => {
    failure(() => renderHierarchy(acmeIndex(), "chicago"), "NOT_FOUND");
  });
});
