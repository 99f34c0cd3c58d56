/**
 * orgkit's errors over HTTP: a fetch-style server (`(request: Request) => Promise<Response>`,
 * what Hono's `app.fetch` is) whose one error handler turns any error into RFC 9457
 * problem details (`application/problem+json`) with `toProblemDetails`: the status from
 * orgkit's table, the paths of bad fields in the request's terms, and nothing the caller
 * may not see. The whole error goes to the log. Run: `npx tsx examples/http-errors.ts`.
 */
import assert from "node:assert/strict";
// In an application: import { ... } from "orgkit"; import { memoryStorage } from "orgkit/memory";
import { createOrgKit, isOrgKitError, PROBLEM_JSON_CONTENT_TYPE, SYSTEM_ACTOR, toProblemDetails, type Actor } from "../src/index.js";
import { memoryStorage } from "../src/adapters/memory/index.js";

const kit = createOrgKit({ storage: memoryStorage() });
await kit.users.upsert(SYSTEM_ACTOR, { id: "admin", kind: "agent", platformRole: "admin", registered: true });
await kit.users.upsert(SYSTEM_ACTOR, { id: "ops", platformRole: "admin" });
const acme = await kit.organizations.create({ type: "user", id: "admin" }, { name: "Acme", externalId: "CUST-1" });
await kit.users.upsert(SYSTEM_ACTOR, { id: "boss" });
await kit.memberships.add(SYSTEM_ACTOR, { userId: "boss", organizationId: acme.id, admin: true });

/** What the server logs: the whole error (message, server-side details, cause). */
const log: unknown[] = [];

/** The error handler, as `app.onError((error, c) => …)` would be in Hono. */
function onError(error: unknown, request: Request): Response {
  const problem = toProblemDetails(error, { instance: new URL(request.url).pathname, pathPrefix: "organization" });
  log.push(isOrgKitError(error) ? { message: error.message, details: error.details } : error);
  return new Response(JSON.stringify(problem), { status: problem.status, headers: { "content-type": PROBLEM_JSON_CONTENT_TYPE } });
}

/** Two routes: create an organization (body `{ organization }`) and edit a user (body `{ user }`). The caller's id is in a header. */
async function app(request: Request): Promise<Response> {
  try {
    const actor: Actor = { type: "user", id: request.headers.get("x-user") ?? "" };
    const url = new URL(request.url);
    const body = (await request.json()) as { organization?: never; user?: never };
    if (url.pathname === "/organizations") return Response.json(await kit.organizations.create(actor, body.organization!), { status: 201 });
    if (url.pathname === "/users") return Response.json(await kit.users.upsert(actor, body.user!, { organizationId: acme.id }));
    throw new Error(`no route ${url.pathname}`);
  } catch (error) {
    return onError(error, request);
  }
}

async function call(path: string, user: string, body: unknown) {
  const response = await app(new Request(`https://api.example${path}`, { method: "POST", headers: { "x-user": user }, body: JSON.stringify(body) }));
  const json = (await response.json()) as Record<string, unknown>;
  console.log(`POST ${path} as ${user}: ${response.status} ${response.headers.get("content-type")}\n${JSON.stringify(json, null, 2)}\n`);
  return { status: response.status, json };
}

// 400: a bad field, with its path in the request's terms.
const invalid = await call("/organizations", "admin", { organization: { name: "Globex", address: { country: "USA" } } });
assert.equal(invalid.status, 400);
assert.equal(invalid.json["code"], "VALIDATION_FAILED");
assert.deepEqual((invalid.json["issues"] as { path: string }[]).map((i) => i.path), ["organization.address.country"]);

// 409: the external id is taken; the response does not name the organization that holds it.
const taken = await call("/organizations", "admin", { organization: { name: "Globex", externalId: "CUST-1" } });
assert.equal(taken.status, 409);
assert.equal(JSON.stringify(taken.json).includes(acme.id), false);
assert.ok(JSON.stringify(log.at(-1)).includes(acme.id)); // the log has it

// 403: an org admin may not edit a platform admin, and is not told that "ops" is one.
const refused = await call("/users", "boss", { user: { id: "ops", registered: true } });
assert.equal(refused.status, 403);
assert.doesNotMatch(String(refused.json["detail"]), /is a platform/);

// 500: anything that is not orgkit's says nothing more.
const broken = await app(new Request("https://api.example/nowhere", { method: "POST", headers: { "x-user": "admin" }, body: "{}" }));
assert.equal(broken.status, 500);
assert.deepEqual(await broken.json(), { type: "about:blank", title: "Internal Server Error", status: 500, instance: "/nowhere" });
console.log("every response as expected");
