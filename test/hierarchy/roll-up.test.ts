import { describe, expect, it } from "vitest";
import { rollUp } from "../../src/domain/hierarchy/index.js";
import { acmeIndex, failure } from "./acme.js";

/** Open tickets per Acme organization ("Business Outcomes"). */
const TICKETS = new Map([
  ["acme", 1],
  ["east", 2],
  ["boston", 4],
  ["newyork", 8],
  ["west", 16],
  ["la", 32],
  ["partners", 64],
]);
const sum = { value: (id: string) => TICKETS.get(id)!, combine: (a: number, b: number) => a + b, initial: 0 };

describe("rollUp over the Acme tree", () => {
  const index = acmeIndex();

  it("sums a parent and all its children for a viewer who sees everything", () => {
    expect(rollUp(index, "acme", { ...sum, canSee: () => true })).toEqual({
      value: 127,
      includedIds: ["acme", "east", "boston", "newyork", "west", "la", "partners"],
    });
    expect(rollUp(index, "east", { ...sum, canSee: () => true }).value).toBe(14);
    expect(rollUp(index, "la", { ...sum, canSee: () => true }).value).toBe(32);
  });

  it("counts only what the viewer may see, and asks values only for those", () => {
    const visible = new Set(["acme", "boston", "west"]);
    const asked: string[] = [];
    const result = rollUp(index, "acme", {
      ...sum,
      value: (id) => {
        asked.push(id);
        return TICKETS.get(id)!;
      },
      canSee: (id) => visible.has(id),
    });
    // Boston counts although East (between it and Acme) is hidden: access is per organization.
    expect(result).toEqual({ value: 1 + 4 + 16, includedIds: ["acme", "boston", "west"] });
    expect(asked).toEqual(["acme", "boston", "west"]);
  });

  it("a member of one child sees only that child's share", () => {
    expect(rollUp(index, "acme", { ...sum, canSee: (id) => id === "la" })).toEqual({ value: 32, includedIds: ["la"] });
    expect(rollUp(index, "acme", { ...sum, canSee: () => false })).toEqual({ value: 0, includedIds: [] });
  });

  it("combines any value type", () => {
    const result = rollUp(index, "west", {
      canSee: () => true,
      value: (id) => [id.toUpperCase()],
      combine: (all: string[], some: string[]) => [...all, ...some],
      initial: [] as string[],
    });
    expect(result.value).toEqual(["WEST", "LA"]);
  });

  it("includes, skips or prunes discontinued organizations", () => {
    const closed = acmeIndex({ discontinued: ["east", "acme"] });
    const all = { ...sum, canSee: () => true };
    expect(rollUp(closed, "acme", all).value).toBe(127);
    expect(rollUp(closed, "acme", { ...all, discontinued: "skip" }).includedIds).toEqual(["boston", "newyork", "west", "la", "partners"]);
    expect(rollUp(closed, "acme", { ...all, discontinued: "prune" })).toEqual({ value: 0, includedIds: [] });
    expect(rollUp(closed, "west", { ...all, discontinued: "prune" }).value).toBe(48);
    const closedEast = acmeIndex({ discontinued: ["east"] });
    expect(rollUp(closedEast, "acme", { ...all, discontinued: "prune" }).includedIds).toEqual(["acme", "west", "la", "partners"]);
  });

  it("follows moves", () => {
    const moved = acmeIndex();
    moved.setParent("la", "east");
    expect(rollUp(moved, "east", { ...sum, canSee: () => true }).value).toBe(46);
  });

  it("throws NOT_FOUND for an unknown root", () => {
    failure(() => rollUp(index, "chicago", { ...sum, canSee: () => true }), "NOT_FOUND");
  });
});
