import { describe, expect, it } from "vitest";
import { admin, as, rejects, setup, system } from "./setup.js";

describe("asset-platform workflows (seed 002)", () => {
  it("Workflow 1: a new customer organization with its admin, apps, roles, assets and users", async () => {
    const { kit } = await setup({ membershipPolicy: "single" });
    const customer = await kit.organizations.create(admin, {
      name: "Globex Plant 7",
      type: "customer",
      externalId: "CUST-7",
      allowedApps: ["assets"],
      allowedRoles: ["basic"],
    });
    await kit.users.upsert(admin, { id: "contact", emails: [{ value: "contact@globex.example", verified: true }] });
    await kit.memberships.add(admin, { userId: "contact", organizationId: customer.id, role: "basic", admin: true });
    await kit.resources.assign(admin, { kind: "asset", id: "press-1", organizationId: customer.id });
    await kit.resources.assign(admin, { kind: "system", id: "line-a", organizationId: customer.id });

    // The customer's admin creates its own users, with the approved role only.
    const contact = as("contact");
    await kit.users.upsert(contact, { id: "worker", emails: ["worker@globex.example"] }, { organizationId: customer.id, role: "basic" });
    await rejects(kit.users.upsert(contact, { id: "boss", emails: ["boss@globex.example"] }, { organizationId: customer.id, role: "owner" }), "FORBIDDEN");
    expect(await kit.users.get(admin, "boss")).toBeNull();

    const policy = await kit.policy();
    expect(policy.canAccessResource("worker", { kind: "asset", id: "press-1" })).toBe(true);
    expect(policy.canAccessResource("worker", { kind: "system", id: "line-a" })).toBe(true);
    expect(policy.canUseApp("contact", customer.id, "assets")).toBe(true);
    expect(policy.canUseApp("contact", customer.id, "billing")).toBe(false);
    // Org admins cannot create or edit organizations, nor grant themselves platform powers.
    await rejects(kit.organizations.create(contact, { name: "Side Business" }), "FORBIDDEN");
    await rejects(kit.organizations.rename(contact, customer.id, "Mine"), "FORBIDDEN");
    await rejects(kit.users.upsert(contact, { id: "worker", platformRole: "admin" }, { organizationId: customer.id }), "FORBIDDEN");
  });

  it("Workflow 2: reassigning an asset moves it and its access", async () => {
    const { kit } = await setup();
    const a = await kit.organizations.create(admin, { name: "A" });
    const b = await kit.organizations.create(admin, { name: "B" });
    await kit.users.upsert(admin, { id: "ua" });
    await kit.users.upsert(admin, { id: "ub" });
    await kit.memberships.add(admin, { userId: "ua", organizationId: a.id });
    await kit.memberships.add(admin, { userId: "ub", organizationId: b.id });
    await kit.resources.assign(admin, { kind: "asset", id: "x", organizationId: a.id });
    expect((await kit.policy()).canAccessResource("ua", { kind: "asset", id: "x" })).toBe(true);

    await kit.resources.assign(admin, { kind: "asset", id: "x", organizationId: b.id });
    expect(await kit.resources.listByOrganization(admin, a.id)).toEqual([]);
    expect((await kit.resources.listByOrganization(admin, b.id)).map((r) => r.id)).toEqual(["x"]);
    const policy = await kit.policy();
    expect(policy.canAccessResource("ua", { kind: "asset", id: "x" })).toBe(false);
    expect(policy.canAccessResource("ub", { kind: "asset", id: "x" })).toBe(true);
    const events = await kit.events.list(admin, { organizationId: a.id });
    expect(events.map((e) => e.type)).toContain("resource.unassigned");
  });

  it("Workflow 3: adding a user under the single policy moves it out of its previous organization", async () => {
    const { kit } = await setup({ membershipPolicy: "single" });
    const a = await kit.organizations.create(admin, { name: "A" });
    const b = await kit.organizations.create(admin, { name: "B" });
    await kit.users.upsert(admin, { id: "u" });
    await kit.memberships.add(admin, { userId: "u", organizationId: a.id });
    await kit.memberships.add(admin, { userId: "u", organizationId: b.id, role: "manager" });
    expect((await kit.memberships.listByUser(admin, "u")).map((m) => [m.organizationId, m.role])).toEqual([[b.id, "manager"]]);
  });

  it("members see their own organization's resources, not the parent's, a sibling's or a child's", async () => {
    const { kit } = await setup({ membershipPolicy: "single" });
    const parent = await kit.organizations.create(admin, { name: "Parent" });
    const child = await kit.organizations.create(admin, { name: "Child", parentId: parent.id });
    const sibling = await kit.organizations.create(admin, { name: "Sibling", parentId: parent.id });
    const grandchild = await kit.organizations.create(admin, { name: "Grandchild", parentId: child.id });
    for (const [asset, org] of [["p", parent], ["c", child], ["s", sibling], ["g", grandchild]] as const) {
      await kit.resources.assign(admin, { kind: "asset", id: asset, organizationId: org.id });
    }
    await kit.users.upsert(admin, { id: "u" });
    await kit.memberships.add(admin, { userId: "u", organizationId: child.id });
    const policy = await kit.policy();
    expect(["p", "c", "s", "g"].map((id) => policy.canAccessResource("u", { kind: "asset", id }))).toEqual([false, true, false, false]);
  });

  it("discontinuing keeps history and members, refuses new assignments, and can be undone", async () => {
    const { kit } = await setup();
    const org = await kit.organizations.create(admin, { name: "Old Co" });
    await kit.users.upsert(admin, { id: "u" });
    await kit.users.upsert(admin, { id: "v" });
    await kit.memberships.add(admin, { userId: "u", organizationId: org.id });
    const gone = await kit.organizations.discontinue(admin, org.id);
    expect(gone.status).toBe("discontinued");
    expect((await kit.organizations.get(admin, org.id))?.name).toBe("Old Co");
    expect(await kit.memberships.get(admin, "u", org.id)).not.toBeNull();
    await rejects(kit.memberships.add(admin, { userId: "v", organizationId: org.id }), "ORGANIZATION_DISCONTINUED");
    await rejects(kit.resources.assign(admin, { kind: "asset", id: "a", organizationId: org.id }), "ORGANIZATION_DISCONTINUED");
    await rejects(kit.organizations.create(admin, { name: "Child", parentId: org.id }), "ORGANIZATION_DISCONTINUED");
    await rejects(kit.rules.add(admin, org.id, { kind: "domain", value: "old.example" }), "ORGANIZATION_DISCONTINUED");
    // Its name is free for a new active organization; reactivating then clashes.
    await kit.organizations.create(admin, { name: "old co" });
    await rejects(kit.organizations.reactivate(admin, org.id), "CONFLICT");
    const types = (await kit.events.list(admin, { organizationId: org.id })).map((e) => e.type);
    expect(types).toEqual(["organization.created", "membership.added", "organization.discontinued"]);
  });
});

describe("member rules (seed 001)", () => {
  it("the SmarterTools organization captures users by domain and by phone", async () => {
    const { kit } = await setup();
    const st = await kit.organizations.create(admin, { name: "SmarterTools Inc", contact: { website: "https://smartertools.com" } });
    await kit.users.upsert(system, { id: "early", emails: [{ value: "sales@smartertools.com", verified: true }] });
    const added = await kit.rules.add(admin, st.id, { kind: "domain", value: "smartertools.com" });
    expect(added.usersRelinked).toBe(1); // the existing user was linked when the rule was added
    await kit.rules.add(admin, st.id, { kind: "phone", value: "(623) 434-8050" });
    await kit.users.upsert(system, { id: "caller", phones: [{ value: "+1 623-434-8050", verified: true }] });
    await kit.users.upsert(system, { id: "other", emails: [{ value: "someone@foosmartertools.com", verified: true }], phones: [{ value: "623.434.8051", verified: true }] });
    const members = await kit.memberships.listByOrganization(admin, st.id);
    expect(members.map((m) => m.userId).sort()).toEqual(["caller", "early"]);
    const why = await kit.memberships.explain(admin, "caller", st.id);
    expect(why.rule?.kind).toBe("phone");
    expect(why.rule?.value).toBe("+16234348050");
  });

  it("exact emails from two countries, and rule removal unlinks only what the rule created", async () => {
    const { kit } = await setup();
    const org = await kit.organizations.create(admin, { name: "Example" });
    const jsmith = await kit.rules.add(admin, org.id, { kind: "email", value: "jsmith@example.com" });
    await kit.rules.add(admin, org.id, { kind: "email", value: "JDoe@Example.co.uk" });
    await kit.users.upsert(system, { id: "js", emails: [{ value: "JSmith@example.com", verified: true }] });
    await kit.users.upsert(system, { id: "jd", emails: [{ value: "jdoe@example.co.uk", verified: true }] });
    await kit.users.upsert(system, { id: "manual", emails: [{ value: "jsmith@example.com", verified: true }] });
    await kit.memberships.remove(admin, "manual", org.id);
    await kit.memberships.add(admin, { userId: "manual", organizationId: org.id, role: "manager" });
    expect((await kit.memberships.listByOrganization(admin, org.id)).map((m) => m.userId)).toEqual(["jd", "js", "manual"]);

    const preview = await kit.rules.previewRemove(admin, org.id, jsmith.rule.id);
    expect(preview.leaving).toEqual([{ userId: "js", organizationId: org.id }]);
    await kit.rules.remove(admin, org.id, jsmith.rule.id);
    const left = await kit.memberships.listByOrganization(admin, org.id);
    expect(left.map((m) => [m.userId, m.source.type])).toEqual([["jd", "rule"], ["manual", "manual"]]);
  });

  it("a removed rule re-sources memberships another rule of the organization still matches", async () => {
    const { kit } = await setup();
    const org = await kit.organizations.create(admin, { name: "Acme" });
    const exact = await kit.rules.add(admin, org.id, { kind: "email", value: "ann@acme.example" });
    const domain = await kit.rules.add(admin, org.id, { kind: "domain", value: "acme.example" });
    await kit.users.upsert(system, { id: "ann", emails: [{ value: "ann@acme.example", verified: true }] });
    expect((await kit.memberships.get(admin, "ann", org.id))?.source).toEqual({ type: "rule", ruleId: exact.rule.id });
    await kit.rules.remove(admin, org.id, exact.rule.id);
    expect((await kit.memberships.get(admin, "ann", org.id))?.source).toEqual({ type: "rule", ruleId: domain.rule.id });
  });

  it("refuses public suffixes, free mail (unless allowed) and a value another organization claims", async () => {
    const { kit } = await setup();
    const a = await kit.organizations.create(admin, { name: "A" });
    const b = await kit.organizations.create(admin, { name: "B" });
    await rejects(kit.rules.add(admin, a.id, { kind: "domain", value: "co.uk" }), "DOMAIN_PUBLIC_SUFFIX");
    await rejects(kit.rules.add(admin, a.id, { kind: "domain", value: "gmail.com" }), "DOMAIN_FREE_MAIL");
    await rejects(kit.rules.add(admin, a.id, { kind: "email", value: "not an email" }), "INVALID_EMAIL");
    await kit.rules.add(admin, a.id, { kind: "domain", value: "a.example" });
    await rejects(kit.rules.add(admin, b.id, { kind: "domain", value: "A.EXAMPLE." }), "RULE_CONFLICT");
    const { kit: lenient } = await setup({ allowFreeMail: ["gmail.com"], ruleConflict: "allow" });
    const c = await lenient.organizations.create(admin, { name: "C" });
    const d = await lenient.organizations.create(admin, { name: "D" });
    await lenient.rules.add(admin, c.id, { kind: "domain", value: "gmail.com" });
    await lenient.rules.add(admin, d.id, { kind: "domain", value: "gmail.com" });
    await lenient.users.upsert(system, { id: "g", emails: [{ value: "g@gmail.com", verified: true }] });
    expect((await lenient.memberships.listByUser(admin, "g")).map((m) => m.organizationId)).toEqual([c.id, d.id]);
  });

  it("single policy: a user matched by two organizations joins the best match, and a manual membership wins", async () => {
    const { kit } = await setup({ membershipPolicy: "single" });
    const parent = await kit.organizations.create(admin, { name: "Acme" });
    const branch = await kit.organizations.create(admin, { name: "Acme Boston" });
    await kit.rules.add(admin, parent.id, { kind: "domain", value: "acme.example", includeSubdomains: true });
    await kit.rules.add(admin, branch.id, { kind: "domain", value: "boston.acme.example" });
    await kit.users.upsert(system, { id: "u", emails: [{ value: "u@boston.acme.example", verified: true }] });
    expect((await kit.memberships.listByUser(admin, "u")).map((m) => m.organizationId)).toEqual([branch.id]);
    // Their email changes: they move.
    await kit.users.upsert(system, { id: "u", emails: [{ value: "u@acme.example", verified: true }] });
    expect((await kit.memberships.listByUser(admin, "u")).map((m) => m.organizationId)).toEqual([parent.id]);
    const other = await kit.organizations.create(admin, { name: "Other" });
    await kit.memberships.add(admin, { userId: "u", organizationId: other.id });
    await kit.users.upsert(system, { id: "u", emails: [{ value: "u@boston.acme.example", verified: true }] });
    expect((await kit.memberships.listByUser(admin, "u")).map((m) => [m.organizationId, m.source.type])).toEqual([[other.id, "manual"]]);
  });

  it("previews who would join before adding a rule", async () => {
    const { kit } = await setup();
    const org = await kit.organizations.create(admin, { name: "Acme" });
    await kit.users.upsert(system, { id: "a", emails: [{ value: "a@acme.example", verified: true }] });
    await kit.users.upsert(system, { id: "b", emails: [{ value: "b@sub.acme.example", verified: true }] });
    await kit.users.upsert(system, { id: "c", emails: [{ value: "c@notacme.example", verified: true }] });
    const preview = await kit.rules.previewAdd(admin, org.id, { kind: "domain", value: "acme.example", includeSubdomains: true });
    expect(preview.joining.map((j) => j.userId).sort()).toEqual(["a", "b"]);
    expect(await kit.memberships.listByOrganization(admin, org.id)).toEqual([]);
  });
});

describe("usergroups (seed 003) through the facade", () => {
  it("an organization's members inherit its linked group and lose it when they leave", async () => {
    const { kit } = await setup();
    await kit.usergroups.create(admin, { id: "everyone", name: "Everyone", permissions: ["portal.browse"], builtIn: "everyone" });
    await kit.usergroups.create(admin, { id: "registered", name: "Registered", permissions: ["feedback.submit"], builtIn: "registered" });
    await kit.usergroups.create(admin, { id: "vip", name: "VIPs", permissions: ["chat.support"] });
    await kit.usergroups.create(admin, { id: "power", name: "Power Users", permissions: ["kb.advanced", "comments.unmoderated"] });
    const org = await kit.organizations.create(admin, { name: "Acme" });
    await kit.usergroups.linkOrganization(admin, org.id, "vip");
    await kit.users.upsert(admin, { id: "a", registered: true, usergroupIds: ["power"] });
    await kit.memberships.add(admin, { userId: "a", organizationId: org.id });

    const policy = await kit.policy();
    // Union of own group, the organization's group, Registered and Everyone.
    expect(policy.canAll("a", ["kb.advanced", "chat.support", "feedback.submit", "portal.browse"])).toBe(true);
    expect(await kit.can(null, "portal.browse")).toBe(true);
    expect(await kit.can(null, "feedback.submit")).toBe(false);
    const decision = await kit.explain({ check: "can", subject: "a", permission: "chat.support" });
    expect(decision.allowed).toBe(true);
    expect(decision.grants).toEqual([expect.objectContaining({ type: "usergroup", usergroupId: "vip", via: "organization", organizationId: org.id })]);

    await kit.memberships.remove(admin, "a", org.id);
    expect(await kit.can("a", "chat.support")).toBe(false);
    expect(await kit.can("a", "kb.advanced")).toBe(true);
  });
});
