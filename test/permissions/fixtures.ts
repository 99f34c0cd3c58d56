/**
 * Snapshots built from the seeds' own examples: the helpdesk usergroups of seed 003,
 * the organization roles and usergroup links of seed 000, the Acme hierarchy and
 * organization admins of seed 002, and the state profiles of seed 004.
 */
import type { PolicySnapshot } from "../../src/permissions/index.js";

/** The helpdesk's permission catalogue (seed 003). */
export type HelpdeskPermission =
  | "portal.browse"
  | "kb.read"
  | "kb.advanced"
  | "comments.submit"
  | "comments.unmoderated"
  | "feedback.submit"
  | "chat.sales"
  | "chat.support"
  | "news.read"
  | "guides.acme"
  | "canary.never";

/** Seed 003: Everyone, Registered, Power Users, Trial Users, VIPs (+ a News group and an org-linked group from seed 000). */
export function helpdeskSnapshot(): PolicySnapshot<HelpdeskPermission> {
  return {
    schemaVersion: 1,
    version: 1,
    permissions: [
      "portal.browse",
      "kb.read",
      "kb.advanced",
      "comments.submit",
      "comments.unmoderated",
      "feedback.submit",
      "chat.sales",
      "chat.support",
      "news.read",
      "guides.acme",
      "canary.never",
    ],
    usergroups: [
      { id: "everyone", name: "Everyone", permissions: ["portal.browse", "kb.read"], builtIn: "everyone" },
      { id: "registered", name: "Registered", permissions: ["feedback.submit", "comments.submit"], builtIn: "registered" },
      { id: "power", name: "Power Users", permissions: ["kb.advanced", "comments.unmoderated"] },
      { id: "trial", name: "Trial Users", permissions: ["chat.sales"] },
      { id: "vip", name: "VIPs", permissions: ["chat.support"] },
      { id: "news", name: "News readers", permissions: ["news.read"] },
      { id: "acme-guides", name: "Acme guides", permissions: ["guides.acme"] },
    ],
    organizations: [
      { id: "acme", usergroupIds: ["acme-guides"] },
      { id: "globex", usergroupIds: ["vip"] },
    ],
    users: [
      { id: "user-a", registered: true, usergroupIds: ["power", "vip"] },
      { id: "trial-user", registered: true, usergroupIds: ["trial"] },
      { id: "registered-user", registered: true },
      { id: "unregistered-user", registered: false },
      { id: "agent-outside", kind: "agent", registered: true },
      { id: "agent-news", kind: "agent", registered: true, usergroupIds: ["news"] },
      { id: "acme-member", registered: true },
      { id: "globex-member", registered: true },
    ],
    memberships: [
      { userId: "acme-member", organizationId: "acme" },
      { userId: "globex-member", organizationId: "globex" },
    ],
  };
}

/** Permission names of the scope snapshot (none needed beyond Everyone's). */
export type ScopePermission = "portal.browse";

/**
 * Seed 002's Acme tree, with organization admins, members, a manager, resources and
 * platform admins:
 *
 * ```
 * acme (parent)
 * ├── east
 * │   ├── boston
 * │   └── new-york
 * ├── west
 * │   └── la
 * └── partners
 * ```
 */
export function acmeSnapshot(): PolicySnapshot<ScopePermission> {
  return {
    schemaVersion: 1,
    version: 7,
    stateFlags: ["service", "outreach", "opportunities"],
    usergroups: [{ id: "everyone", name: "Everyone", permissions: ["portal.browse"], builtIn: "everyone" }],
    profiles: [
      {
        id: "service-agents",
        name: "Service agents",
        add: false,
        organizations: {
          service: ["read", "edit", "delete"],
          "service+outreach": ["read", "edit"],
          "service+opportunities": ["read", "edit"],
          "service+outreach+opportunities": ["read", "edit"],
          none: ["read"],
        },
        notes: { editOwn: true, deleteOwn: true },
      },
    ],
    organizations: [
      { id: "acme", states: ["service"], allowedRoles: ["member", "technician"], allowedApps: ["assets", "reports"] },
      { id: "east", parentId: "acme", states: ["service", "outreach"], allowedRoles: ["member"], allowedApps: ["assets"] },
      { id: "boston", parentId: "east", states: ["opportunities"], allowedRoles: ["member"], allowedApps: ["assets"] },
      { id: "new-york", parentId: "east", states: [], allowedRoles: ["member"] },
      { id: "west", parentId: "acme", states: ["outreach"] },
      { id: "la", parentId: "west", states: ["service"] },
      { id: "partners", parentId: "acme", states: ["service", "opportunities"], status: "active" },
      { id: "old-co", states: ["service"], status: "discontinued", allowedRoles: ["member"] },
    ],
    users: [
      { id: "root", kind: "agent", registered: true, platformRole: "super_admin" },
      { id: "platform-admin", kind: "agent", registered: true, platformRole: "admin" },
      { id: "service-agent", kind: "agent", registered: true, profileId: "service-agents" },
      { id: "acme-admin", registered: true },
      { id: "east-admin", registered: true },
      { id: "east-manager", registered: true },
      { id: "east-member", registered: true },
      { id: "boston-member", registered: true },
      { id: "ny-member", registered: true },
      { id: "acme-member", registered: true },
      { id: "west-member", registered: true },
      { id: "old-admin", registered: true },
      { id: "newcomer", registered: true },
    ],
    memberships: [
      { userId: "acme-admin", organizationId: "acme", role: "member", admin: true },
      { userId: "east-admin", organizationId: "east", role: "member", admin: true },
      { userId: "east-manager", organizationId: "east", role: "manager" },
      { userId: "east-member", organizationId: "east" },
      { userId: "boston-member", organizationId: "boston" },
      { userId: "ny-member", organizationId: "new-york" },
      { userId: "acme-member", organizationId: "acme" },
      { userId: "west-member", organizationId: "west" },
      { userId: "old-admin", organizationId: "old-co", admin: true },
    ],
    resources: [
      { kind: "asset", id: "press-1", organizationId: "acme" },
      { kind: "asset", id: "lathe-east", organizationId: "east" },
      { kind: "system", id: "plant-boston", organizationId: "boston" },
      { kind: "asset", id: "drill-ny", organizationId: "new-york" },
      { kind: "asset", id: "crane-west", organizationId: "west" },
    ],
  };
}
