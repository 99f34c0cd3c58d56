/**
 * A stateless permission service embedding `orgkit/permissions`.
 *
 * The host's system of record publishes a policy snapshot (here: an in-memory
 * "snapshot store" standing in for an HTTP endpoint or an object store) and a feed of
 * changes. Each service instance compiles the snapshot once, answers checks from
 * memory, applies changes as they arrive, and reloads the whole snapshot when it
 * falls behind. Requests that arrive as JSON bodies are validated with
 * `parsePermissionRequest`: a malformed one gets a 400 with its issues, never a 500.
 * Run: `npx tsx examples/permission-service.ts`.
 */
import assert from "node:assert/strict";
// In an application: import { compilePolicy, ... } from "orgkit/permissions";
import {
  compilePolicy,
  OrgKitError,
  parsePermissionRequest,
  type Decision,
  type OrganizationAction,
  type Policy,
  type PolicyChange,
  type PolicySnapshot,
} from "../src/permissions/index.js";

// ---- what the host publishes ---------------------------------------------------------

/** The permission catalogue: TypeScript autocompletes these in every `can` call. */
type Permission = "kb.read" | "kb.advanced" | "comments.unmoderated" | "chat.sales" | "chat.support" | "tickets.submit";

const published: PolicySnapshot<Permission> = {
  schemaVersion: 1,
  version: 100,
  stateFlags: ["service", "outreach", "opportunities"],
  permissions: ["kb.read", "kb.advanced", "comments.unmoderated", "chat.sales", "chat.support", "tickets.submit"],
  usergroups: [
    { id: "everyone", name: "Everyone", permissions: ["kb.read"], builtIn: "everyone" },
    { id: "registered", name: "Registered", permissions: ["tickets.submit"], builtIn: "registered" },
    { id: "power", name: "Power Users", permissions: ["kb.advanced", "comments.unmoderated"] },
    { id: "trial", name: "Trial Users", permissions: ["chat.sales"] },
    { id: "vip", name: "VIPs", permissions: ["chat.support"] },
  ],
  profiles: [
    {
      id: "field-agents",
      name: "Field agents",
      add: false,
      organizations: { service: ["read", "edit", "delete"], "service+outreach": ["read", "edit"], none: ["read"] },
      notes: { editOwn: true, deleteOwn: true },
    },
  ],
  organizations: [
    { id: "acme", states: ["service"], usergroupIds: ["vip"], allowedRoles: ["member", "technician"], allowedApps: ["assets"] },
    { id: "acme-east", parentId: "acme", states: ["service", "outreach"], allowedRoles: ["member"] },
  ],
  users: [
    { id: "ada", registered: true, usergroupIds: ["power"] },
    { id: "bob", registered: true },
    { id: "carla", kind: "agent", registered: true, profileId: "field-agents" },
    { id: "root", kind: "agent", registered: true, platformRole: "super_admin" },
  ],
  memberships: [
    { userId: "ada", organizationId: "acme", role: "member", admin: true },
    { userId: "bob", organizationId: "acme-east", role: "manager" },
  ],
  resources: [{ kind: "asset", id: "press-7", organizationId: "acme" }],
};

/** Stand-in for `GET /policy-snapshot` (a JSON body) and `GET /policy-changes?after=<version>`. */
const snapshotStore = {
  snapshot: JSON.stringify(published),
  changes: [] as { version: number; change: PolicyChange<Permission> }[],
  fetchSnapshot(): string {
    return this.snapshot;
  },
  fetchChangesAfter(version: number): { version: number; change: PolicyChange<Permission> }[] {
    return this.changes.filter((c) => c.version > version);
  },
};

// ---- the service -----------------------------------------------------------------------

class PermissionService {
  private policy: Policy<Permission>;

  constructor() {
    this.policy = this.load();
  }

  /** Full (re)load: parse, validate and compile. A malformed snapshot throws INVALID_SNAPSHOT and the old policy stays. */
  private load(): Policy<Permission> {
    return compilePolicy<Permission>(JSON.parse(snapshotStore.fetchSnapshot()) as PolicySnapshot<Permission>);
  }

  get version(): number {
    return this.policy.version;
  }

  /** Called on a timer or on a "policy changed" notification. */
  refresh(): void {
    const pending = snapshotStore.fetchChangesAfter(this.policy.version);
    if (pending.length === 0) return;
    // Changes must follow each other; on a gap, reload the whole snapshot instead.
    const contiguous = pending.every((c, i) => c.version === this.policy.version + i + 1);
    if (!contiguous) {
      this.policy = this.load();
      return;
    }
    this.policy = this.policy.withChanges(
      pending.map((c) => c.change),
      { version: pending[pending.length - 1]!.version },
    );
  }

  /** Authorize or throw FORBIDDEN carrying the explained decision (the shape the orgkit service layer uses). */
  authorize(decision: Decision): void {
    if (!decision.allowed) throw new OrgKitError("FORBIDDEN", `Forbidden: ${decision.reason}`, { details: { decision } });
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

const service = new PermissionService();
console.log(`loaded policy version ${service.version}`);

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

// The host publishes a change: ada leaves acme (and with it VIPs and her admin rights).
snapshotStore.changes.push({ version: 101, change: { type: "membership.remove", userId: "ada", organizationId: "acme" } });
service.refresh();
console.log(`applied changes up to version ${service.version}`);
assert.equal(service.openSupportChat("ada"), false);
assert.throws(() => service.inviteUser("ada", "acme", "technician"));

// A gap in the feed (version 103 without 102) makes the service reload the full snapshot.
snapshotStore.snapshot = JSON.stringify({ ...published, version: 103 });
snapshotStore.changes.push({ version: 103, change: { type: "user.remove", userId: "bob" } });
service.refresh();
assert.equal(service.version, 103);
console.log(`reloaded full snapshot at version ${service.version}`);
console.log("ok");
