/**
 * A small helpdesk API on orgkit, with Hono: what a service built on orgkit looks like.
 *
 * - An actor per request, taken from a session header by middleware (the host's own
 *   sign-in decides who that is; orgkit only needs the user id).
 * - Each endpoint is one orgkit call: the organization tree, search with cursor pages,
 *   members, sign-up through the system actor with an email the host verified, the
 *   caller's tickets through the read filter (one SQL query, no row-by-row checks), and an
 *   explanation of the caller's own access.
 * - Every error becomes RFC 9457 problem details (`application/problem+json`), which
 *   carry nothing the caller may not see.
 *
 * `createApp` is the reusable part; `server.ts` runs it on PGlite or PostgreSQL, and
 * `test/examples/http.test.ts` calls it over a loopback port.
 */
import { Hono, type Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { PostgresClient } from "../../src/adapters/postgres/index.js";
import { SYSTEM_ACTOR, httpStatusOf, toProblemDetails, type Actor, type CreateOrganizationInput, type OrgKit } from "../../src/index.js";
import type { OrganizationAction, TicketReadFilter } from "../../src/permissions/index.js";

/** What the app needs: the kit, the database holding the host's tickets, and its sessions. */
export interface AppOptions {
  readonly kit: OrgKit;
  /** The host's database: its `tickets` table, beside orgkit's schema. */
  readonly db: PostgresClient;
  /** orgkit's PostgreSQL schema and tenant (the ticket query reads organizations' states from it). */
  readonly orgkitSchema: string;
  readonly tenant: string;
  /** The host's sessions: token → user id. A real host checks a signed cookie or a JWT. */
  readonly sessions: Map<string, string>;
}

type Variables = { actor: Actor & { readonly type: "user" } };

/** The Hono app. */
export function createApp({ kit, db, orgkitSchema, tenant, sessions }: AppOptions): Hono<{ Variables: Variables }> {
  const app = new Hono<{ Variables: Variables }>();

  // Every error, orgkit's or not, as problem details; nothing internal leaves the process.
  app.onError((error, c) => {
    if (error instanceof HTTPException) return problem(c, { type: "about:blank", title: error.message, status: error.status });
    if (httpStatusOf(error) >= 500) console.error(error); // the full error stays in the server's log
    const body = toProblemDetails(error, { instance: c.req.path });
    return problem(c, body);
  });
  app.notFound((c) => problem(c, { type: "about:blank", title: "Not Found", status: 404, detail: `No route ${c.req.method} ${c.req.path}` }));

  // Sign-up: the host verified the address (a link it mailed), so the system actor records
  // it as verified, and the member rules link the new user to its organization.
  app.post("/signup", async (c) => {
    const body = await readJson(c);
    const user = await kit.users.upsert(SYSTEM_ACTOR, {
      id: String(body["userId"] ?? ""),
      emails: [{ value: String(body["email"] ?? ""), verified: true }],
      registered: true,
    });
    const token = `session-${user.id}`;
    sessions.set(token, user.id);
    const memberships = await kit.memberships.listByUser(SYSTEM_ACTOR, user.id);
    return c.json({ user: { id: user.id, emails: user.emails }, organizations: memberships.map((m) => m.organizationId), session: token }, 201);
  });

  // The actor of every /api request, from the session header.
  app.use("/api/*", async (c, next) => {
    const userId = sessions.get(c.req.header("x-session") ?? "");
    if (userId === undefined) throw new HTTPException(401, { message: "Unauthorized" });
    c.set("actor", { type: "user", id: userId });
    await next();
  });

  // Search, a page at a time: `nextCursor` goes back as `cursor`. Only what the caller may read.
  app.get("/api/organizations", async (c) => {
    const limit = c.req.query("limit");
    const result = await kit.organizations.search(c.get("actor"), {
      ...(c.req.query("q") ? { text: c.req.query("q")! } : {}),
      ...(c.req.query("cursor") ? { cursor: c.req.query("cursor")! } : {}),
      ...(limit ? { limit: Number(limit) } : {}),
    });
    return c.json({ items: result.items.map(({ id, name, parentId }) => ({ id, name, parentId })), total: result.total, nextCursor: result.nextCursor });
  });

  app.post("/api/organizations", async (c) => {
    // The body goes to orgkit as it came: the use case validates it (400 with the paths).
    const created = await kit.organizations.create(c.get("actor"), (await readJson(c)) as unknown as CreateOrganizationInput);
    return c.json(created, 201);
  });

  // The subtree the caller may read (404 when it may not read the root: no existence leak).
  app.get("/api/organizations/:id/tree", async (c) => {
    const tree = await kit.organizations.tree(c.get("actor"), c.req.param("id"));
    if (tree === null) throw new HTTPException(404, { message: "Not Found" });
    type Node = NonNullable<typeof tree>;
    const render = (node: Node): unknown => ({ id: node.organization.id, name: node.organization.name, children: node.children.map(render) });
    return c.json(render(tree));
  });

  app.get("/api/organizations/:id/members", async (c) => {
    const members = await kit.memberships.listByOrganization(c.get("actor"), c.req.param("id"), { limit: 100 });
    return c.json(members.map(({ userId, role, admin }) => ({ userId, role, admin })));
  });

  // Why the caller may (or may not) do something to an organization.
  app.get("/api/organizations/:id/access", async (c) => {
    const action = (c.req.query("action") ?? "read") as OrganizationAction;
    if (!["read", "edit", "delete"].includes(action)) throw new HTTPException(400, { message: "action must be read, edit or delete" });
    const decision = await kit.explain({ check: "canOnOrganization", subject: c.get("actor").id, action, organization: c.req.param("id") });
    return c.json({ allowed: decision.allowed, reason: decision.reason, grants: decision.grants.map((grant) => grant.type) });
  });

  // The caller's tickets: one query, filtered by what the policy says it may read.
  app.get("/api/me/tickets", async (c) => {
    const policy = await kit.policy();
    const filter = policy.subject(c.get("actor").id).ticketReadFilter();
    const stateFlags = kit.config.organization.states;
    const { where, params } = ticketFilterSql(filter, stateFlags, `"${orgkitSchema}".organizations`, tenant);
    const result = await db.query(`SELECT t.id, t.title FROM tickets t WHERE ${where} ORDER BY t.id`, params);
    return c.json(result.rows);
  });

  return app;
}

/** Problem details as `application/problem+json`. */
function problem(c: Context, body: { readonly status: number } & Record<string, unknown>): Response {
  return c.body(JSON.stringify(body), body.status as 400, { "content-type": "application/problem+json" });
}

/** The request's JSON body: an object, or a 400. */
async function readJson(c: Context): Promise<Record<string, unknown>> {
  const body: unknown = await c.req.json().catch(() => undefined);
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new HTTPException(400, { message: "The body must be a JSON object" });
  return body as Record<string, unknown>;
}

/**
 * The tickets (`tickets t`) a read filter shows, as a parameterized condition (see
 * `examples/ticket-filter.ts`); organizations' states come from orgkit's own table.
 */
function ticketFilterSql(filter: TicketReadFilter, stateFlags: readonly string[], organizations: string, tenant: string): { where: string; params: unknown[] } {
  if (filter.all) return { where: "TRUE", params: [] };
  const key = `COALESCE(NULLIF(array_to_string(ARRAY(SELECT f FROM unnest($5::text[]) WITH ORDINALITY AS x(f, i) WHERE f = ANY(o.states) ORDER BY i), '+'), ''), 'none')`;
  return {
    where: [
      `t.requester_id = $1::text`,
      `t.organization_id = ANY($2::text[])`,
      `(t.organization_id IS NULL AND $3::boolean)`,
      `EXISTS (SELECT 1 FROM ${organizations} o WHERE o.tenant_id = $6 AND o.id = t.organization_id AND ${key} = ANY($4::text[]))`,
    ].join(" OR "),
    params: [filter.requesterId, filter.organizationIds, filter.withoutOrganization, filter.stateCombinations, stateFlags, tenant],
  };
}
