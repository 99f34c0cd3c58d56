import { describe } from "vitest";
import { adapterCases } from "./adapter-cases.js";
import { pgliteTarget } from "./targets.js";

describe("postgres adapter on PGlite", () => adapterCases(pgliteTarget));
