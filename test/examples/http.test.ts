/**
 * The HTTP example (examples/http) as a client sees it: the server runs on a loopback
 * port (PGlite), and every call goes through `fetch`. Statuses, bodies and problem
 * details, the refusals included.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startExampleServer, type ExampleServer } from "../../examples/http/server.js";

let server: ExampleServer;
beforeAll(async () => {
  server = await startExampleServer({ port: 0 });
}, 60_000);
afterAll(async () => {
  await server?.close();
});

async function call(method: string, path: string, options: { session?: string; body?: unknown } = {}) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { ...(options.session ? { "x-session": options.session } : {}), ...(options.body !== undefined ? { "content-type": "application/json" } : {}) },
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, type: response.headers.get("content-type") ?? "", body: text === "" ? null : (JSON.parse(text) as Record<string, any>) };
}

const ids: Record<string, string> = {};

describe("the example API over HTTP", () => {
  it("signs Jane up through the system actor: her verified address links her to Acme by its domain rule", async () => {
    const r = await call("POST", "/signup", { body: { userId: "jane", email: "Jane@Acme.example" } });
    expect(r.status).toBe(201);
    expect(r.body!["user"]).toEqual({ id: "jane", emails: ["jane@acme.example"] });
    expect(r.body!["organizations"]).toHaveLength(1);
    expect(r.body!["session"]).toBe("session-jane");
    ids["acme"] = r.body!["organizations"][0];
  });

  it("refuses a bad sign-up with problem details naming the field", async () => {
    const r = await call("POST", "/signup", { body: { userId: "bad", email: "not an address" } });
    expect(r.status).toBe(400);
    expect(r.type).toContain("application/problem+json");
    expect(r.body).toMatchObject({ status: 400, code: "INVALID_EMAIL" });
    const malformed = await call("POST", "/signup", { body: "[1]" as never });
    expect(malformed.status).toBe(400);
  });

  it("answers 401 without a session, as problem details", async () => {
    const r = await call("GET", "/api/organizations");
    expect(r.status).toBe(401);
    expect(r.type).toContain("application/problem+json");
    expect(r.body).toMatchObject({ status: 401 });
  });

  it("searches only what the caller may read, a page at a time with a cursor", async () => {
    const jane = await call("GET", "/api/organizations?q=acme", { session: "session-jane" });
    expect(jane.status).toBe(200);
    expect(jane.body!["items"].map((o: { name: string }) => o.name)).toEqual(["Acme Manufacturing"]);
    expect(jane.body!["total"]).toBe(1);

    const names: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Awaited<ReturnType<typeof call>> = await call("GET", `/api/organizations?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, { session: "session-root" });
      expect(page.status).toBe(200);
      expect(page.body!["total"]).toBe(4);
      names.push(...page.body!["items"].map((o: { name: string }) => o.name));
      cursor = page.body!["nextCursor"];
      pages++;
    } while (cursor !== null);
    expect(pages).toBe(2);
    expect(names).toEqual(["Acme Boston Office", "Acme Denver Office", "Acme Manufacturing", "Globex"]);
    for (const o of (await call("GET", "/api/organizations", { session: "session-root" })).body!["items"]) ids[o.name] = o.id;

    const garbled = await call("GET", "/api/organizations?cursor=garbage", { session: "session-root" });
    expect(garbled.status).toBe(400);
    expect(garbled.body).toMatchObject({ code: "VALIDATION_FAILED" });
  });

  it("shows the tree the caller may read, and 404 for a root it may not (the same as a missing one)", async () => {
    const root = await call("GET", `/api/organizations/${ids["acme"]}/tree`, { session: "session-root" });
    expect(root.status).toBe(200);
    expect(root.body!["children"].map((c: { name: string }) => c.name)).toEqual(["Acme Boston Office", "Acme Denver Office"]);
    const jane = await call("GET", `/api/organizations/${ids["acme"]}/tree`, { session: "session-jane" });
    expect(jane.body).toEqual({ id: ids["acme"], name: "Acme Manufacturing", children: [] });
    const hidden = await call("GET", `/api/organizations/${ids["Globex"]}/tree`, { session: "session-jane" });
    const missing = await call("GET", `/api/organizations/org_nowhere/tree`, { session: "session-jane" });
    expect(hidden.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(hidden.body).toEqual({ ...missing.body, instance: hidden.body!["instance"] });
  });

  it("lists members to those who may read the organization; of one it may not read, nothing (as of a missing one)", async () => {
    const root = await call("GET", `/api/organizations/${ids["acme"]}/members`, { session: "session-root" });
    expect(root.status).toBe(200);
    expect(root.body).toEqual(expect.arrayContaining([{ userId: "jane", role: "member", admin: false }, { userId: "mia", role: "manager", admin: false }]));
    const jane = await call("GET", `/api/organizations/${ids["acme"]}/members`, { session: "session-jane" });
    expect(jane.body).toEqual(root.body);
    const hidden = await call("GET", `/api/organizations/${ids["Globex"]}/members`, { session: "session-jane" });
    const missing = await call("GET", `/api/organizations/org_nowhere/members`, { session: "session-jane" });
    expect([hidden.status, hidden.body]).toEqual([200, []]);
    expect([missing.status, missing.body]).toEqual([200, []]);
  });

  it("creates organizations for platform admins only, and names the bad field", async () => {
    const jane = await call("POST", "/api/organizations", { session: "session-jane", body: { name: "Jane's Company" } });
    expect(jane.status).toBe(403);
    const invalid = await call("POST", "/api/organizations", { session: "session-root", body: { name: "" } });
    expect(invalid.status).toBe(400);
    expect(invalid.body!["issues"]).toEqual([expect.objectContaining({ path: "name" })]);
    const taken = await call("POST", "/api/organizations", { session: "session-root", body: { name: "Globex" } });
    expect(taken.status).toBe(409);
    expect(JSON.stringify(taken.body)).not.toContain(ids["Globex"]!);
    const created = await call("POST", "/api/organizations", { session: "session-root", body: { name: "Initech", type: "customer" } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: "Initech", version: 1 });
  });

  it("lists the caller's tickets through the read filter: one query, what the policy lets each one see", async () => {
    const tickets = async (session: string) => (await call("GET", "/api/me/tickets", { session })).body!.map((t: { id: string }) => t.id);
    expect(await tickets("session-jane")).toEqual(["T3", "T4"]); // her own
    expect(await tickets("session-mia")).toEqual(["T1", "T3"]); // manager of Acme: all of Acme's
    expect(await tickets("session-sam")).toEqual(["T1", "T3"]); // staff profile: organizations in state "service"
    expect(await tickets("session-root")).toEqual(["T1", "T2", "T3", "T4"]);
  });

  it("explains the caller's own access", async () => {
    const jane = await call("GET", `/api/organizations/${ids["acme"]}/access?action=edit`, { session: "session-jane" });
    expect(jane.status).toBe(200);
    expect(jane.body).toMatchObject({ allowed: false });
    const root = await call("GET", `/api/organizations/${ids["acme"]}/access?action=edit`, { session: "session-root" });
    expect(root.body).toMatchObject({ allowed: true, grants: ["platform-role"] });
    const bad = await call("GET", `/api/organizations/${ids["acme"]}/access?action=fly`, { session: "session-root" });
    expect(bad.status).toBe(400);
  });

  it("answers unknown routes with a 404 problem", async () => {
    const r = await call("GET", "/nowhere");
    expect(r.status).toBe(404);
    expect(r.type).toContain("application/problem+json");
  });
});
