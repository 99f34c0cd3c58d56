/**
 * A stateless permission service embedding `orgkit/permissions`, kept fresh by the
 * host's change feed.
 *
 * The host runs the orgkit facade (here on memory storage) and exposes two endpoints:
 * `GET /policy-snapshot` (`kit.exportSnapshot()`: the snapshot and its revision) and
 * `GET /policy-changes?after=<revision>` (`kit.changes.since(…)`: the committed changes
 * after it; 410 when the feed no longer holds them). Each service instance compiles the
 * snapshot once, answers checks from memory, applies the feed with `applyChangeEntries`
 * (a redelivered page is harmless), and reloads the snapshot on a 410. Requests that
 * arrive as JSON bodies are validated with `parsePermissionRequest`: a malformed one gets
 * a 400 with its issues, never a 500. Run: `npx tsx examples/permission-service.ts`.
 */
import assert from "node:assert/strict";
// In an application: import { createOrgKit, SYSTEM_ACTOR } from "orgkit"; import { memoryStorage } from "orgkit/memory";
import { createOrgKit, isOrgKitError, SYSTEM_ACTOR, OrgKitError } from "../src/index.js";
import { memoryStorage } from "../src/adapters/memory/index.js";
// The service needs only this entry (no dependencies): import { compilePolicy, ... } from "orgkit/permissions";
import {
  applyChangeEntries,
  compilePolicy,
  parsePermissionRequest,
  type Decision,
  type OrganizationAction,
  type Policy,
  type PolicyChangeEntry,
  type PolicySnapshot,
} from "../src/permissions/index.js";

// ---- the host: the orgkit facade and its two endpoints -------------------------------

/** The permission catalogue: TypeScript autocompletes these in every `can` call. */
type Permission = "kb.read" | "kb.advanced" | "comments.unmoderated" | "chat.sales" | "chat.support" | "tickets.submit";

const system = SYSTEM_ACTOR;
const kit = createOrgKit({ storage: memoryStorage() });
await kit.usergroups.create(system, { id: "everyone", name: "Everyone", permissions: ["kb.read"], builtIn: "everyone" });
await kit.usergroups.create(system, { id: "registered", name: "Registered", permissions: ["tickets.submit"], builtIn: "registered" });
await kit.usergroups.create(system, { id: "power", name: "Power Users", permissions: ["kb.advanced", "comments.unmoderated"] });
await kit.usergroups.create(system, { id: "vip", name: "VIPs", permissions: ["chat.support"] });
await kit.profiles.create(system, {
  id: "field-agents",
  name: "Field agents",
  organizations: { service: ["read", "edit", "delete"], "service+outreach": ["read", "edit"], none: ["read"] },
  notes: { editOwn: true, deleteOwn: true },
});
await kit.organizations.create(system, { id: "acme", name: "Acme", states: ["service"], usergroupIds: ["vip"], allowedRoles: ["member", "technician"] });
await kit.organizations.create(system, { id: "acme-east", name: "Acme East", parentId: "acme", states: ["service", "outreach"], allowedRoles: ["member", "manager"] });
await kit.users.upsert(system, { id: "ada", registered: true, usergroupIds: ["power"] });
await kit.users.upsert(system, { id: "bob", registered: true });
await kit.users.upsert(system, { id: "carla", kind: "agent", registered: true, profileId: "field-agents" });
await kit.users.upsert(system, { id: "root", kind: "agent", registered: true, platformRole: "super_admin" });
await kit.memberships.add(system, { userId: "ada", organizationId: "acme", admin: true });
await kit.memberships.add(system, { userId: "bob", organizationId: "acme-east", role: "manager" });

/** What the host's HTTP layer would answer: JSON bodies, as the service receives them. */
const host = {
  async getSnapshot(): Promise<string> {
    return JSON.stringify(await kit.exportSnapshot());
  },
  async getChanges(after: number): Promise<{ status: 200 | 410; body: string }> {
    try {
      return { status: 200, body: JSON.stringify(await kit.changes.since(after, { limit: 500 })) };
    } catch (error) {
      if (isOrgKitError(error) && error.code === "CHANGES_EXPIRED") return { status: 410, body: JSON.stringify(error.details) };
      throw error;
    }
  },
};

// ---- the service -----------------------------------------------------------------------

class PermissionService {
  private constructor(private policy: Policy<Permission>) {}

  /** Full load: parse, validate and compile (a malformed snapshot throws INVALID_SNAPSHOT). */
  static async start(): Promise<PermissionService> {
    return new PermissionService(await PermissionService.load());
  }

  private static async load(): Promise<Policy<Permission>> {
    const { snapshot } = JSON.parse(await host.getSnapshot()) as { snapshot: PolicySnapshot<Permission>; revision: number };
    return compilePolicy<Permission>(snapshot);
  }

  get revision(): number {
    return this.policy.version;
  }

  /** Called on a timer, or when the host says "changed" (a webhook, a queue message). */
  async refresh(): Promise<void> {
    for (;;) {
      const response = await host.getChanges(this.policy.version);
      if (response.status === 410) {
        this.policy = await PermissionService.load(); // fell behind the feed: start again from a snapshot
        continue;
      }
      const page = JSON.parse(response.body) as { entries: PolicyChangeEntry<Permission>[]; done: boolean };
      this.policy = applyChangeEntries(this.policy, page.entries);
      if (page.done) return;
    }
  }

  /** Authorize or throw FORBIDDEN carrying the explained decision (the shape the orgkit service layer uses). */
  authorize(decision: Decision): void {
    if (!decision.allowed) {
      const actor = { type: "user", id: decision.subject.id ?? "guest" };
      throw new OrgKitError("FORBIDDEN", `Forbidden: ${decision.reason}`, { details: { actor, action: decision.check, check: decision.check, reason: decision.reason } });
    }
  }

  // One handler per endpoint; each resolves the caller once.
  openSupportChat(userId: string | null): boolean {
    const caller = userId === null ? this.policy.guest() : this.policy.subject(userId);
    return caller.can("chat.support");
  }

  editOrganization(userId: string, organizationId: string, action: OrganizationAction): void {
    this.authorize(this.policy.explain({ check: "canOnOrganization", subject: userId, action, organization: organizationId }));
  }

  inviteUser(adminId: string, organizationId: string, role: string): void {
    this.authorize(this.policy.explain({ check: "canManageUser", subject: adminId, targetUserId: null, organizationId }));
    this.authorize(this.policy.explain({ check: "canAssignRole", subject: adminId, organizationId, role }));
  }

  report(userId: string, rootOrganizationId: string): string[] {
    return this.policy.visibleOrganizations(userId, rootOrganizationId);
  }

  /**
   * `POST /permissions/explain` for other services: the body is a permission request as
   * JSON. Malformed JSON or a malformed request is the caller's mistake (400 with the
   * issues); a well-formed request gets the decision (200 allowed, 403 denied).
   */
  handleExplain(body: string): HttpResponse {
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      return { status: 400, body: { issues: [{ path: "(root)", code: "invalid_json", message: "the body is not JSON" }] } };
    }
    const parsed = parsePermissionRequest<Permission>(json);
    if (!parsed.ok) return { status: 400, body: { issues: parsed.issues } };
    const decision = this.policy.explain(parsed.request);
    return { status: decision.allowed ? 200 : 403, body: decision };
  }
}

/** What an HTTP framework would send. */
interface HttpResponse {
  readonly status: 200 | 400 | 403;
  readonly body: unknown;
}

// ---- a short session -----------------------------------------------------------------------

const service = await PermissionService.start();
console.log(`loaded the policy at revision ${service.revision}`);

// Usergroups: ada has Power Users of her own and VIPs through acme; a guest has Everyone only.
assert.equal(service.openSupportChat("ada"), true);
assert.equal(service.openSupportChat(null), false);

// State profile: carla may edit acme (service) but not delete acme-east (service+outreach).
service.editOrganization("carla", "acme", "edit");
try {
  service.editOrganization("carla", "acme-east", "delete");
  assert.fail("expected FORBIDDEN");
} catch (error) {
  assert.ok(error instanceof OrgKitError && error.code === "FORBIDDEN");
  console.log(error.message);
}

// Org admin scope: ada (admin of acme) invites a technician to acme, but has no rights in the child acme-east.
service.inviteUser("ada", "acme", "technician");
assert.throws(() => service.inviteUser("ada", "acme-east", "member"), (e: unknown) => e instanceof OrgKitError && e.code === "FORBIDDEN");

// Requests from other services as JSON bodies: 200/403 with the decision, 400 with the issues.
const allowed = service.handleExplain(JSON.stringify({ check: "canViewTicket", subject: "bob", ticket: { requesterId: "ada", organizationId: "acme-east" } }));
assert.equal(allowed.status, 200); // bob is a manager of acme-east
const guest = service.handleExplain('{ "check": "can", "subject": { "kind": "guest" }, "permission": "chat.support" }');
assert.equal(guest.status, 403);
const malformed = service.handleExplain('{ "check": "canViewTicket", "subject": "root" }');
assert.equal(malformed.status, 400); // not allowed although root is a super_admin: the ticket is missing
console.log("400 for a request without ticket:", JSON.stringify(malformed.body));
assert.deepEqual(malformed.body, { issues: [{ path: "ticket", code: "invalid_type", message: "ticket must be an object, got undefined" }] });
assert.equal(service.handleExplain("{ not json").status, 400);
assert.equal(service.handleExplain("null").status, 400);

// Roll-up for a report: carla sees both, bob (manager of acme-east) only his organization.
console.log("carla sees", service.report("carla", "acme"), "| bob sees", service.report("bob", "acme"));
assert.deepEqual(service.report("bob", "acme"), ["acme-east"]);

// A revoke on the host: ada leaves acme (and with it VIPs and her admin rights). The
// service learns it from the feed, by the revision the host's write returned.
await kit.memberships.remove(system, "ada", "acme");
const revoked = kit.revision();
await service.refresh();
console.log(`applied the feed up to revision ${service.revision}`);
assert.ok(service.revision >= revoked);
assert.equal(service.openSupportChat("ada"), false);
assert.throws(() => service.inviteUser("ada", "acme", "technician"));
await service.refresh(); // nothing new: a no-op
console.log("ok");
