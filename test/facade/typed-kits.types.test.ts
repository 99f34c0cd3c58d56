/**
 * Type-level tests of typed kits (issue 15): a configuration written with `defineConfig`
 * types the kit made from it — a misspelled permission, role, organization type, state or
 * custom field key fails the type check, custom fields come back with their declared
 * types — and a configuration that declares nothing leaves every type as it was. They
 * run in CI through `npm run typecheck` (`tsc --noEmit` covers test/): a wrong
 * `expectTypeOf` or an `@ts-expect-error` that no longer finds its error fails the type
 * check. The `it` blocks also run, on a memory kit, so the calls are real ones; the
 * run-time refusals are tested in typed-kits.test.ts.
 */
import { describe, expectTypeOf, it } from "vitest";
import {
  type Invitation,
  createOrgKit,
  defineConfig,
  SYSTEM_ACTOR,
  type Membership,
  type OrgKit,
  type OrgKitConfigInput,
  type Organization,
  type OrganizationVocabulary,
  type OrganizationVocabularyOf,
  type PermissionOf,
} from "../../src/index.js";
import type { Policy } from "../../src/permissions/index.js";
import { memoryStorage } from "../../src/adapters/memory/index.js";

const admin = SYSTEM_ACTOR;

const config = defineConfig({
  permissions: ["portal.tickets.create", "portal.tickets.view", "kb.advanced"],
  roles: ["technician", { name: "manager", cascade: "descendants" }],
  organizationTypes: ["customer", "partner"],
  states: ["service", "outreach"],
  customFields: [
    { key: "tier", type: "select", options: ["gold", "silver"], required: true },
    { key: "seats", type: "number" },
    { key: "regions", type: "multiselect", options: ["emea", "apac"] },
    { key: "notes", type: "text" },
    { key: "vip", type: "boolean" },
  ],
});
type Permission = "portal.tickets.create" | "portal.tickets.view" | "kb.advanced";
type Role = "member" | "manager" | "technician";
type Fields = { readonly tier: "gold" | "silver"; readonly seats?: number; readonly regions?: readonly ("emea" | "apac")[]; readonly notes?: string; readonly vip?: boolean };

/** A typed kit and an organization of it (every `it` block gets its own). */
async function typedKit() {
  const kit = createOrgKit({ storage: memoryStorage(), config });
  const acme = await kit.organizations.create(admin, { id: "acme", name: "Acme", type: "customer", states: ["service"], customFields: { tier: "gold" } });
  await kit.users.upsert(admin, { id: "jane" });
  return { kit, acme };
}

describe("defineConfig keeps the literal types of what it declares", () => {
  it("is the identity, typed as written", () => {
    expectTypeOf(config.permissions).toEqualTypeOf<readonly ["portal.tickets.create", "portal.tickets.view", "kb.advanced"]>();
    expectTypeOf(config.states).toEqualTypeOf<readonly ["service", "outreach"]>();
    expectTypeOf<PermissionOf<typeof config>>().toEqualTypeOf<Permission>();
    expectTypeOf<OrganizationVocabularyOf<typeof config>>().toEqualTypeOf<{
      readonly organizationType: "customer" | "partner";
      readonly state: "service" | "outreach";
      readonly role: Role;
      readonly customFields: Fields;
    }>();
  });

  it("refuses what the configuration itself may not say", () => {
    // @ts-expect-error not a custom field type
    defineConfig({ customFields: [{ key: "tier", type: "enum" }] });
    // @ts-expect-error a role rule's cascade is "none" or "descendants"
    defineConfig({ roles: [{ name: "manager", cascade: "everywhere" }] });
    // @ts-expect-error permissions are names
    defineConfig({ permissions: [1] });
  });
});

describe("a typed kit", () => {
  it("can, explain and policy take declared permissions only", async () => {
    const { kit } = await typedKit();
    expectTypeOf(kit).toEqualTypeOf<OrgKit<typeof config>>();
    await kit.can("jane", "portal.tickets.create");
    // @ts-expect-error misspelled permission
    await kit.can("jane", "portal.tickts.create").catch(() => false);
    const policy = await kit.policy();
    expectTypeOf(policy).toEqualTypeOf<Policy<Permission>>();
    await kit.explain({ check: "can", subject: policy.subject("jane"), permission: "kb.advanced" });
    // @ts-expect-error misspelled permission
    await kit.explain({ check: "can", subject: policy.subject("jane"), permission: "kb.advancd" }).catch(() => null);
    // @ts-expect-error misspelled permission in a list
    await kit.explain({ check: "canAll", subject: policy.subject("jane"), permissions: ["kb.advanced", "kb.advancd"] }).catch(() => null);
    await kit.usergroups.create(admin, { name: "Portal", permissions: ["portal.tickets.create"] });
    // @ts-expect-error misspelled permission
    await kit.usergroups.create(admin, { name: "Portal", permissions: ["portal.tickts.create"] }).catch(() => null);
    // @ts-expect-error misspelled permission
    await kit.usergroups.update(admin, "g", { permissions: ["kb.advancd"] }).catch(() => null);
  });

  it("organizations: type, states, allowed roles and custom fields are typed on the way in and out", async () => {
    const { kit, acme } = await typedKit();
    expectTypeOf(acme).toEqualTypeOf<Organization<OrganizationVocabularyOf<typeof config>>>();
    expectTypeOf(acme.type).toEqualTypeOf<"customer" | "partner">();
    expectTypeOf(acme.states).toEqualTypeOf<readonly ("service" | "outreach")[]>();
    expectTypeOf(acme.allowedRoles).toEqualTypeOf<readonly Role[]>();
    expectTypeOf(acme.customFields).toEqualTypeOf<Fields>();
    expectTypeOf(acme.customFields.tier).toEqualTypeOf<"gold" | "silver">();
    expectTypeOf(acme.customFields.seats).toEqualTypeOf<number | undefined>();
    expectTypeOf(acme.customFields.regions).toEqualTypeOf<readonly ("emea" | "apac")[] | undefined>();

    const fields = { name: "Globex", customFields: { tier: "silver" } } as const;
    // @ts-expect-error misspelled type
    await kit.organizations.create(admin, { ...fields, type: "custmer" }).catch(() => null);
    // @ts-expect-error misspelled state
    await kit.organizations.create(admin, { ...fields, states: ["servce"] }).catch(() => null);
    // @ts-expect-error misspelled role
    await kit.organizations.create(admin, { ...fields, allowedRoles: ["manger"] }).catch(() => null);
    // @ts-expect-error misspelled custom field key
    await kit.organizations.create(admin, { name: "Globex", customFields: { tier: "gold", seets: 3 } }).catch(() => null);
    // @ts-expect-error a custom field value of the wrong type
    await kit.organizations.create(admin, { name: "Globex", customFields: { tier: "gold", seats: "3" } }).catch(() => null);
    // @ts-expect-error not one of the select's options
    await kit.organizations.create(admin, { name: "Globex", customFields: { tier: "bronze" } }).catch(() => null);
    // @ts-expect-error a required custom field is missing (and so are custom fields)
    await kit.organizations.create(admin, { name: "Globex" }).catch(() => null);

    await kit.organizations.update(admin, "acme", { type: "partner", states: ["outreach"], customFields: { seats: 12, notes: null } });
    // @ts-expect-error misspelled state
    await kit.organizations.update(admin, "acme", { states: ["outrech"] }).catch(() => null);
    // @ts-expect-error a required custom field cannot be removed
    await kit.organizations.update(admin, "acme", { customFields: { tier: null } }).catch(() => null);
    // @ts-expect-error misspelled custom field key
    await kit.organizations.update(admin, "acme", { customFields: { seets: 1 } }).catch(() => null);

    const page = await kit.organizations.search(admin, { types: ["partner"], states: ["service"] });
    expectTypeOf<(typeof page.items)[number]["type"]>().toEqualTypeOf<"customer" | "partner">();
    // @ts-expect-error misspelled type filter
    await kit.organizations.search(admin, { types: ["partnr"] });
    const tree = await kit.organizations.tree(admin, "acme");
    expectTypeOf<NonNullable<typeof tree>["children"][number]["organization"]["customFields"]["tier"]>().toEqualTypeOf<"gold" | "silver">();
    const report = await kit.organizations.rollUp(admin, "acme", { value: (organization) => organization.customFields.seats ?? 0 });
    expectTypeOf(report!.organizations[0]!.states).toEqualTypeOf<readonly ("service" | "outreach")[]>();
    expectTypeOf<Awaited<ReturnType<typeof kit.organizations.merge>>["survivor"]>().toEqualTypeOf<Organization<OrganizationVocabularyOf<typeof config>>>();

    await kit.organizations.import(admin, [{ externalId: "G", name: "Globex", type: "partner", customFields: { tier: "gold" } }]);
    // @ts-expect-error misspelled type in an import row
    await kit.organizations.import(admin, [{ externalId: "G", name: "Globex", type: "partnr", customFields: { tier: "gold" } }]).catch(() => null);
  });

  it("memberships, invitations and user upserts take declared roles (the built-in ones too) and memberships come back typed", async () => {
    const { kit } = await typedKit();
    const membership = await kit.memberships.add(admin, { userId: "jane", organizationId: "acme", role: "technician" });
    expectTypeOf(membership).toEqualTypeOf<Membership<Role>>();
    expectTypeOf(membership.role).toEqualTypeOf<Role>();
    // @ts-expect-error the 'manger' of issue 15
    await kit.memberships.add(admin, { userId: "jane", organizationId: "acme", role: "manger" }).catch(() => null);
    await kit.memberships.setRole(admin, "jane", "acme", "member");
    // @ts-expect-error misspelled role
    await kit.memberships.setRole(admin, "jane", "acme", "manger").catch(() => null);
    expectTypeOf(await kit.memberships.listByUser(admin, "jane")).toEqualTypeOf<Membership<Role>[]>();
    expectTypeOf((await kit.memberships.explain(admin, "jane", "acme")).membership).toEqualTypeOf<Membership<Role> | null>();
    const created = await kit.invitations.create(admin, { organizationId: "acme", email: "dana@example.com", role: "manager" });
    expectTypeOf(created.invitation.role).toEqualTypeOf<Role>();
    expectTypeOf(await kit.invitations.list(admin, "acme")).toEqualTypeOf<Invitation<Role>[]>();
    expectTypeOf<Awaited<ReturnType<typeof kit.invitations.revoke>>>().toEqualTypeOf<Invitation<Role>>();
    expectTypeOf<Awaited<ReturnType<typeof kit.invitations.accept>>["invitation"]["role"]>().toEqualTypeOf<Role>();
    // @ts-expect-error misspelled role
    await kit.invitations.create(admin, { organizationId: "acme", email: "dana@example.com", role: "manger" }).catch(() => null);
    await kit.users.upsert(admin, { id: "erin" }, { organizationId: "acme", role: "technician" });
    // @ts-expect-error misspelled role
    await kit.users.upsert(admin, { id: "erin" }, { organizationId: "acme", role: "technican" }).catch(() => null);
  });

  it("staff profiles take state combinations of the declared states", async () => {
    const { kit } = await typedKit();
    await kit.profiles.create(admin, { name: "Agents", organizations: { none: ["read"], service: ["read", "edit"], "service+outreach": ["read"] } });
    // @ts-expect-error misspelled state
    await kit.profiles.create(admin, { name: "Agents", organizations: { servce: ["read"] } }).catch(() => null);
    // @ts-expect-error misspelled second state
    await kit.profiles.update(admin, "p", { organizations: { "service+outrech": ["read"] } }).catch(() => null);
    // @ts-expect-error not an action
    await kit.profiles.create(admin, { name: "Agents", organizations: { service: ["reed"] } }).catch(() => null);
  });

  it("is an OrgKit: code written for any kit takes it", async () => {
    const { kit } = await typedKit();
    const anyKit: OrgKit = kit;
    const organization: Organization | null = await anyKit.organizations.get(admin, "acme");
    void organization;
    const typed: Organization<OrganizationVocabularyOf<typeof config>> | null = await kit.organizations.get(admin, "acme");
    const plain: Organization | null = typed;
    void plain;
  });
});

describe("undeclared vocabularies stay string, as before", () => {
  it("a configuration typed OrgKitConfigInput, or none, gives the OrgKit of before", () => {
    const given: OrgKitConfigInput = { organizationTypes: ["customer"] };
    const kit = createOrgKit({ storage: memoryStorage(), config: given });
    expectTypeOf(kit).toEqualTypeOf<OrgKit>();
    expectTypeOf(createOrgKit({ storage: memoryStorage() })).toEqualTypeOf<OrgKit>();
    expectTypeOf<OrganizationVocabularyOf<OrgKitConfigInput>>().toEqualTypeOf<OrganizationVocabulary>();
    expectTypeOf<PermissionOf<OrgKitConfigInput>>().toEqualTypeOf<string>();
    expectTypeOf(kit.can).parameter(1).toEqualTypeOf<string>();
    expectTypeOf(kit.organizations.get).returns.resolves.toEqualTypeOf<Organization | null>();
    expectTypeOf(kit.memberships.get).returns.resolves.toEqualTypeOf<Membership | null>();
  });

  it("a configuration written inline, without defineConfig, declares nothing to the types (the kit still checks types and states)", () => {
    const kit = createOrgKit({ storage: memoryStorage(), config: { organizationTypes: ["customer", "partner"], states: ["service"], permissions: ["a"], roles: ["technician"] } });
    expectTypeOf(kit.organizations.get).returns.resolves.toEqualTypeOf<Organization | null>();
    expectTypeOf(kit.can).parameter(1).toEqualTypeOf<string>();
  });

  it("each setting not declared stays open while others are declared; a record of role rules declares no roles", () => {
    const permissionsOnly = defineConfig({ permissions: ["kb.read"], roles: { manager: { cascade: "descendants" } } });
    const kit = createOrgKit({ storage: memoryStorage(), config: permissionsOnly });
    expectTypeOf(kit.can).parameter(1).toEqualTypeOf<"kb.read">();
    expectTypeOf(kit.organizations.get).returns.resolves.toEqualTypeOf<Organization | null>();
    expectTypeOf(kit.memberships.get).returns.resolves.toEqualTypeOf<Membership | null>();
    const statesOnly = defineConfig({ states: ["service"] });
    type V = OrganizationVocabularyOf<typeof statesOnly>;
    expectTypeOf<V["state"]>().toEqualTypeOf<"service">();
    expectTypeOf<V["organizationType"]>().toEqualTypeOf<string>();
    expectTypeOf<V["role"]>().toEqualTypeOf<string>();
    expectTypeOf<V["customFields"]>().toEqualTypeOf<OrganizationVocabulary["customFields"]>();
    expectTypeOf<PermissionOf<typeof statesOnly>>().toEqualTypeOf<string>();
  });
});
