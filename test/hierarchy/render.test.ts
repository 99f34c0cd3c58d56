import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { createHierarchyIndex, renderHierarchy } from "../../src/domain/hierarchy/index.js";
import { ACME_ENTRIES, ACME_NAMES, ACME_PICTURE, acmeIndex, acmeLabel, failure } from "./acme.js";

const SEED = fileURLToPath(new URL("../../../shared/seeds/002_06fb00944d1bde2e.txt", import.meta.url));

describe("renderHierarchy", () => {
  it("draws the seed's Acme picture", () => {
    const index = acmeIndex();
    expect(renderHierarchy(index, "acme", { label: acmeLabel(index) })).toBe(ACME_PICTURE);
  });

  // The seed file's box-drawing characters were mangled into one stand-in character
  // each ("├── " became three copies of it and a space) and runs of spaces collapsed
  // ("│   ├── " became "│ ├── "); map ours the same way and the seed text itself is the
  // expected output.
  it.skipIf(!existsSync(SEED))("matches the picture in the seed file itself", () => {
    const lines = readFileSync(SEED, "utf8").split("\n");
    const top = lines.indexOf("Acme Manufacturing (Parent)");
    const seedPicture = lines.slice(top, top + 7).join("\n");
    const stand_in = seedPicture[seedPicture.indexOf("\n") + 1]!;
    const index = acmeIndex();
    expect(renderHierarchy(index, "acme", { label: acmeLabel(index) }).replace(/[├│└─]/g, stand_in).replace(/ +/g, " ")).toBe(seedPicture);
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
