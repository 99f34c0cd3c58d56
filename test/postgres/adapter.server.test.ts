import { describe } from "vitest";
import { adapterCases } from "./adapter-cases.js";
import { SERVER_URL, serverTarget } from "./targets.js";

describe.skipIf(!SERVER_URL)("postgres adapter on the server", () => adapterCases(() => serverTarget()));
