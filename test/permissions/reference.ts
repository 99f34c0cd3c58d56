/**
 * A naive reference evaluator: the rules of the permissions issue written as plainly
 * as possible over the raw snapshot (linear scans, no compilation, no caching). The
 * property tests check that the compiled policy agrees with it everywhere. Cascades
 * (the snapshot's `roles` and `admins`, issue 16) are a walk up the parent pointers,
 * where the evaluator uses its tree numbering.
 *
 * Also: `applyChangeNaively`, the meaning of each `PolicyChange` as an edit of the
 * snapshot, so `withChanges` can be compared with compiling the edited snapshot.
 */
import type { NoteRef, OrganizationAction, PolicyChange, PolicyMembership, PolicySnapshot, ResourceRef, TicketRef } from "../../src/permissions/index.js";

/** `null` is the guest. */
export type Who = string | null;

export function referenceEvaluator(snapshot: PolicySnapshot) {
  const usergroups = snapshot.usergroups ?? [];
  const profiles = snapshot.profiles ?? [];
  const organizations = snapshot.organizations ?? [];
  const users = snapshot.users ?? [];
  const memberships = snapshot.memberships ?? [];
  const resources = snapshot.resources ?? [];

  const userOf = (who: Who) => (who === null ? undefined : users.find((u) => u.id === who));
  const orgOf = (id: string | null | undefined) => organizations.find((o) => o.id === id);
  const isActive = (id: string) => {
    const org = orgOf(id);
    return org !== undefined && (org.status ?? "active") === "active";
  };
  const known = (who: Who) => who === null || userOf(who) !== undefined;
  const platform = (who: Who) => (userOf(who)?.platformRole ?? null) !== null;
  const activeMembership = (who: Who, orgId: string) =>
    who === null ? undefined : memberships.find((m) => m.userId === who && m.organizationId === orgId && isActive(orgId));
  const profileOf = (who: Who) => {
    const user = userOf(who);
    if (!user || (user.kind ?? "user") !== "agent" || !user.profileId) return undefined;
    return profiles.find((p) => p.id === user.profileId);
  };
  const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));
  const profileAllows = (who: Who, action: OrganizationAction, states: readonly string[]) => {
    const profile = profileOf(who);
    if (!profile) return false;
    for (const [key, actions] of Object.entries(profile.organizations ?? {})) {
      const flags = key === "none" ? [] : key.split("+");
      if (sameSet(flags, [...new Set(states)]) && actions.includes(action)) return true;
    }
    return false;
  };

  const groupIdsOf = (who: Who): string[] => {
    if (!known(who)) return [];
    const ids = usergroups.filter((g) => g.builtIn === "everyone").map((g) => g.id);
    const user = userOf(who);
    if (user) {
      if (user.registered) ids.push(...usergroups.filter((g) => g.builtIn === "registered").map((g) => g.id));
      ids.push(...(user.usergroupIds ?? []));
      for (const m of memberships) if (m.userId === user.id && isActive(m.organizationId)) ids.push(...(orgOf(m.organizationId)?.usergroupIds ?? []));
    }
    return ids;
  };

  const can = (who: Who, permission: string) => groupIdsOf(who).some((id) => usergroups.find((g) => g.id === id)?.permissions.includes(permission) ?? false);

  // Cascades: what a role rule says (own keys only), the manager default, the admin rule.
  const ruleOf = (role: string) => (snapshot.roles !== undefined && Object.hasOwn(snapshot.roles, role) ? snapshot.roles[role] : undefined);
  const seesTickets = (role: string | undefined) => ruleOf(role ?? "member")?.seesOrganizationTickets ?? (role ?? "member") === "manager";
  const roleCascades = (role: string | undefined) => ruleOf(role ?? "member")?.cascade === "descendants";
  const adminCascades = snapshot.admins?.cascade === "descendants";
  /**
   * A membership of a proper ancestor of `orgId` that passes `conveys` reaches it: walk up
   * the parent pointers from `orgId`, which must be active, through active ancestors only
   * (a discontinued one stops the cascade, and its own memberships are dormant).
   */
  const cascadesTo = (who: Who, orgId: string, conveys: (m: PolicyMembership) => boolean): boolean => {
    if (who === null || !isActive(orgId)) return false;
    const seen = new Set<string>([orgId]);
    let at = orgOf(orgId)?.parentId ?? null;
    while (at !== null && !seen.has(at)) {
      seen.add(at);
      if (!isActive(at)) return false;
      const m = memberships.find((x) => x.userId === who && x.organizationId === at);
      if (m !== undefined && conveys(m)) return true;
      at = orgOf(at)?.parentId ?? null;
    }
    return false;
  };
  const cascadesRead = (m: PolicyMembership) => roleCascades(m.role) || (m.admin === true && adminCascades);

  const canOnOrganization = (who: Who, action: OrganizationAction, orgId: string) => {
    const org = orgOf(orgId);
    if (!known(who) || !org || !["read", "edit", "delete"].includes(action)) return false;
    if (platform(who)) return true;
    const reads = profileAllows(who, "read", org.states ?? []) || activeMembership(who, orgId) !== undefined || cascadesTo(who, orgId, cascadesRead);
    // Edit and delete need read too.
    return action === "read" ? reads : profileAllows(who, action, org.states ?? []) && reads;
  };

  const note = (who: Who, n: NoteRef, own: "editOwn" | "deleteOwn", any: "editAny" | "deleteAny") => {
    if (!known(who) || !orgOf(n.organizationId)) return false;
    if (platform(who)) return true;
    const profile = profileOf(who);
    if (!profile) return false;
    const rule = profile.notes?.[any] === true || (profile.notes?.[own] === true && n.authorId === who);
    return rule && canOnOrganization(who, "read", n.organizationId);
  };

  const isAdmin = (who: Who, orgId: string) => activeMembership(who, orgId)?.admin === true || cascadesTo(who, orgId, (m) => m.admin === true && adminCascades);

  return {
    can,
    canAll: (who: Who, permissions: readonly string[]) => permissions.length > 0 && permissions.every((p) => can(who, p)),
    permissionsOf: (who: Who) => [...new Set(groupIdsOf(who).flatMap((id) => usergroups.find((g) => g.id === id)?.permissions ?? []))].sort(),
    canOnOrganization,
    canAddOrganization: (who: Who) => known(who) && (platform(who) || profileOf(who)?.add === true),
    canAdministerPlatform: (who: Who) => known(who) && platform(who),
    canGrantPlatformRoles: (who: Who) => known(who) && userOf(who)?.platformRole === "super_admin",
    canEditNote: (who: Who, n: NoteRef) => note(who, n, "editOwn", "editAny"),
    canDeleteNote: (who: Who, n: NoteRef) => note(who, n, "deleteOwn", "deleteAny"),
    canManageUser: (who: Who, target: string | null, orgId: string) => {
      if (!known(who) || !orgOf(orgId)) return false;
      const targetUser = target === null ? null : userOf(target);
      if (targetUser === undefined) return false;
      if (platform(who)) return targetUser?.platformRole !== "super_admin" || userOf(who)?.platformRole === "super_admin";
      if (!isAdmin(who, orgId)) return false;
      if (targetUser === null) return true;
      return !targetUser.platformRole && memberships.some((m) => m.userId === targetUser.id && m.organizationId === orgId && !m.admin);
    },
    canAssignRole: (who: Who, orgId: string, role: string) => {
      const org = orgOf(orgId);
      if (!known(who) || !org) return false;
      return platform(who) || (isAdmin(who, orgId) && (org.allowedRoles ?? []).includes(role));
    },
    canUseApp: (who: Who, orgId: string, app: string) => {
      const org = orgOf(orgId);
      if (!known(who) || !org) return false;
      return platform(who) || (isAdmin(who, orgId) && (org.allowedApps ?? []).includes(app));
    },
    canAccessResource: (who: Who, resource: ResourceRef) => {
      const owner = resources.find((r) => r.kind === resource.kind && r.id === resource.id);
      if (!known(who) || !owner) return false;
      return platform(who) || activeMembership(who, owner.organizationId) !== undefined || cascadesTo(who, owner.organizationId, (m) => roleCascades(m.role));
    },
    canViewTicket: (who: Who, ticket: TicketRef) => {
      if (who === null || !userOf(who)) return false;
      if (platform(who) || ticket.requesterId === who) return true;
      if (ticket.organizationId == null) return profileAllows(who, "read", []);
      const org = orgOf(ticket.organizationId);
      if (!org) return false;
      const membership = activeMembership(who, org.id);
      if (membership !== undefined && seesTickets(membership.role)) return true;
      if (cascadesTo(who, org.id, (m) => roleCascades(m.role) && seesTickets(m.role))) return true;
      return profileAllows(who, "read", org.states ?? []);
    },
    visibleOrganizations: (who: Who, rootId: string) => {
      const root = orgOf(rootId);
      if (!root) return [];
      const out: string[] = [];
      const visit = (id: string) => {
        if (canOnOrganization(who, "read", id)) out.push(id);
        for (const child of organizations.filter((o) => (o.parentId ?? null) === id)) visit(child.id);
      };
      visit(root.id);
      return out;
    },
  };
}

function replaceOrAppend<T>(list: readonly T[], same: (item: T) => boolean, item: T): T[] {
  const at = list.findIndex(same);
  if (at < 0) return [...list, item];
  const copy = [...list];
  copy[at] = item;
  return copy;
}

/** The meaning of a change, as an edit of the snapshot (version + 1). */
export function applyChangeNaively(snapshot: PolicySnapshot, change: PolicyChange): PolicySnapshot {
  const next = { ...snapshot, version: snapshot.version + 1 };
  switch (change.type) {
    case "membership.set": {
      const m = change.membership;
      return { ...next, memberships: replaceOrAppend(snapshot.memberships ?? [], (x) => x.userId === m.userId && x.organizationId === m.organizationId, m) };
    }
    case "membership.remove":
      return { ...next, memberships: (snapshot.memberships ?? []).filter((x) => !(x.userId === change.userId && x.organizationId === change.organizationId)) };
    case "user.set":
      return { ...next, users: replaceOrAppend(snapshot.users ?? [], (u) => u.id === change.user.id, change.user) };
    case "user.remove":
      return {
        ...next,
        users: (snapshot.users ?? []).filter((u) => u.id !== change.userId),
        memberships: (snapshot.memberships ?? []).filter((m) => m.userId !== change.userId),
      };
    case "usergroup.set":
      return { ...next, usergroups: replaceOrAppend(snapshot.usergroups ?? [], (g) => g.id === change.usergroup.id, change.usergroup) };
    case "usergroup.remove":
      return { ...next, usergroups: (snapshot.usergroups ?? []).filter((g) => g.id !== change.usergroupId) };
    case "profile.set":
      return { ...next, profiles: replaceOrAppend(snapshot.profiles ?? [], (p) => p.id === change.profile.id, change.profile) };
    case "profile.remove":
      return { ...next, profiles: (snapshot.profiles ?? []).filter((p) => p.id !== change.profileId) };
    case "organization.set": {
      const orgs = snapshot.organizations ?? [];
      const old = orgs.find((o) => o.id === change.organization.id);
      // A new organization, or one that changes parent, becomes its new parent's last child.
      if (old !== undefined && (old.parentId ?? null) === (change.organization.parentId ?? null)) {
        return { ...next, organizations: replaceOrAppend(orgs, (o) => o.id === change.organization.id, change.organization) };
      }
      return { ...next, organizations: [...orgs.filter((o) => o.id !== change.organization.id), change.organization] };
    }
    case "resource.set": {
      const r = change.resource;
      return { ...next, resources: replaceOrAppend(snapshot.resources ?? [], (x) => x.kind === r.kind && x.id === r.id, r) };
    }
    case "resource.remove":
      return { ...next, resources: (snapshot.resources ?? []).filter((x) => !(x.kind === change.kind && x.id === change.id)) };
  }
}
