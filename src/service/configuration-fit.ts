/**
 * Does the stored data fit a configuration? What `kit.configuration.adopt` checks before
 * it records a new configuration, setting by setting, only for the settings that change
 * (all of them when nothing was recorded yet):
 *
 * | setting | what must hold | how it is read |
 * |---|---|---|
 * | `membershipPolicy: "single"` | no user belongs to two organizations (dormant memberships count) | every membership, in pages |
 * | `states` | no organization has a state that is not configured, and no staff profile grants on a combination that names one | every organization, in pages; the profiles |
 * | `organizationTypes` | no organization has a type that is not configured | every organization, in pages |
 * | `customFields` | every organization's custom fields validate against the definitions | every organization, in pages |
 * | `maxDepth` | no organization is nested deeper | every organization, in pages (one parent link each is kept) |
 * | `uniqueNames: true` | no two active organizations share a lower-cased name | every organization, in pages (one name each is kept) |
 * | `lowercaseEmailLocalPart: true` | no stored email (of a user, or of an email rule) has an upper-case local part | every user and rule, in pages |
 * | `ruleConflict: "reject"` | no rule value is claimed by two organizations | every rule, in pages (one key each is kept) |
 *
 * The other settings (`identitiesVerifiedUpstream`, `defaultPhoneRegion`, `roles`,
 * `admins`, the default organization type, `"multiple"`, raising or lifting `maxDepth`)
 * fit any data. Each misfit is reported with its count and up to 20 examples.
 *
 * @module
 */
import type { ConfigurationProblem } from "../errors.js";
import { customFieldsSchema } from "../domain/organization/custom-fields.js";
import { keysetPages } from "../storage/pages.js";
import type { StorageSession } from "../storage/ports.js";
import type { CanonicalConfiguration } from "./configuration-fingerprint.js";
import type { OrgKitConfig } from "./config.js";

const PAGE = 1000;
const EXAMPLES = 20;

/** Collects problems: a count and the first examples of each. */
class Problems {
  private readonly byCode = new Map<string, { key: string; code: string; message: string; count: number; examples: unknown[] }>();

  add(key: string, code: string, message: string, example: unknown): void {
    let problem = this.byCode.get(code);
    if (problem === undefined) this.byCode.set(code, (problem = { key, code, message, count: 0, examples: [] }));
    problem.count += 1;
    if (problem.examples.length < EXAMPLES) problem.examples.push(example);
  }

  list(): ConfigurationProblem[] {
    return [...this.byCode.values()];
  }
}

/** Which checks an adoption needs: a setting that changes to a stricter value (any, when nothing was recorded). */
function checksFor(previous: Readonly<Record<string, unknown>> | null, next: CanonicalConfiguration) {
  const changed = (key: keyof CanonicalConfiguration) => previous === null || JSON.stringify(previous[key]) !== JSON.stringify(next[key]);
  const organizationTypes = previous?.["organizationTypes"] as { allowed?: unknown } | undefined;
  const previousDepth = previous?.["maxDepth"];
  return {
    single: next.membershipPolicy === "single" && changed("membershipPolicy"),
    states: changed("states"),
    types: previous === null || JSON.stringify(organizationTypes?.allowed) !== JSON.stringify(next.organizationTypes.allowed),
    customFields: changed("customFields"),
    maxDepth: next.maxDepth !== null && (previous === null || typeof previousDepth !== "number" || previousDepth > next.maxDepth),
    uniqueNames: next.uniqueNames && changed("uniqueNames"),
    lowercase: next.lowercaseEmailLocalPart && changed("lowercaseEmailLocalPart"),
    exclusiveRules: next.ruleConflict === "reject" && changed("ruleConflict"),
  };
}

/** The local part of an email has an upper-case letter. */
function upperLocalPart(email: string): boolean {
  const at = email.lastIndexOf("@");
  const local = at < 0 ? email : email.slice(0, at);
  return local !== local.toLowerCase();
}

/**
 * The problems of the stored data under `next` (empty: it fits). `previous` is the
 * recorded configuration (`null` when none is), `config` the kit's resolved configuration
 * (for the custom field definitions). Reads in pages of 1,000 through `session`, which is
 * the adoption's transaction, so what it checks is what the adoption records against.
 */
export async function configurationMisfits(
  session: StorageSession,
  previous: Readonly<Record<string, unknown>> | null,
  next: CanonicalConfiguration,
  config: OrgKitConfig,
): Promise<ConfigurationProblem[]> {
  const checks = checksFor(previous, next);
  const problems = new Problems();
  // One read at a time: the session may be one connection.
  if (checks.states || checks.types || checks.customFields || checks.maxDepth || checks.uniqueNames) await checkOrganizations(session, checks, next, config, problems);
  if (checks.states) await checkProfiles(session, next, problems);
  if (checks.single) await checkMemberships(session, problems);
  if (checks.lowercase) await checkUserEmails(session, problems);
  if (checks.lowercase || checks.exclusiveRules) await checkRules(session, checks, problems);
  return problems.list();
}

async function checkOrganizations(
  session: StorageSession,
  checks: ReturnType<typeof checksFor>,
  next: CanonicalConfiguration,
  config: OrgKitConfig,
  problems: Problems,
): Promise<void> {
  const states = new Set(next.states);
  const types = new Set(next.organizationTypes.allowed);
  const fields = customFieldsSchema(config.organization.customFields);
  const parents = new Map<string, string | null>();
  const names = new Map<string, string[]>();
  for await (const page of keysetPages((o) => session.organizations.scan({ after: o.after ?? null, limit: PAGE }), (o) => o.id, PAGE)) {
    for (const organization of page) {
      if (checks.states) {
        const unknown = organization.states.filter((state) => !states.has(state));
        if (unknown.length > 0) {
          problems.add("states", "state_in_use", "organizations have a state that is not configured", { organizationId: organization.id, states: unknown });
        }
      }
      if (checks.types && !types.has(organization.type)) {
        problems.add("organizationTypes", "type_in_use", "organizations have a type that is not configured", { organizationId: organization.id, type: organization.type });
      }
      if (checks.customFields) {
        const result = fields.safeParse(organization.customFields);
        if (!result.success) {
          const issue = result.error.issues[0]!;
          problems.add("customFields", "custom_field_invalid", "organizations have custom fields that do not validate", {
            organizationId: organization.id,
            path: issue.path.map(String).join("."),
            message: issue.message,
          });
        }
      }
      if (checks.maxDepth) parents.set(organization.id, organization.parentId);
      if (checks.uniqueNames && organization.status === "active") {
        const key = organization.name.toLowerCase();
        const same = names.get(key);
        if (same === undefined) names.set(key, [organization.id]);
        else same.push(organization.id);
      }
    }
  }
  if (checks.maxDepth) {
    const depths = new Map<string, number>();
    const depthOf = (id: string): number => {
      // Iterative: a deep chain must not overflow the stack.
      const chain: string[] = [];
      let at: string | null | undefined = id;
      let base = -1;
      while (at !== null && at !== undefined && parents.has(at)) {
        const known = depths.get(at);
        if (known !== undefined) {
          base = known;
          break;
        }
        if (chain.length > parents.size) break; // a loop (never stored): stop counting
        chain.push(at);
        at = parents.get(at);
      }
      for (let i = chain.length - 1; i >= 0; i--) depths.set(chain[i]!, ++base);
      return depths.get(id) ?? 0;
    };
    for (const id of parents.keys()) {
      const depth = depthOf(id);
      if (depth > next.maxDepth!) problems.add("maxDepth", "deeper_than_max_depth", `organizations are nested deeper than ${next.maxDepth}`, { organizationId: id, depth });
    }
  }
  for (const [name, ids] of names) {
    if (ids.length > 1) problems.add("uniqueNames", "duplicate_active_name", "active organizations share a name", { name, organizationIds: ids.slice(0, 5) });
  }
}

async function checkProfiles(session: StorageSession, next: CanonicalConfiguration, problems: Problems): Promise<void> {
  const states = new Set(next.states);
  for (const profile of await session.profiles.list()) {
    const table = profile.grants["organizations"];
    if (typeof table !== "object" || table === null) continue;
    for (const key of Object.keys(table)) {
      if (key === "none") continue;
      const unknown = key.split("+").filter((state) => !states.has(state));
      if (unknown.length > 0) problems.add("states", "state_in_profile", "staff profiles grant on a state that is not configured", { profileId: profile.id, combination: key });
    }
  }
}

async function checkMemberships(session: StorageSession, problems: Problems): Promise<void> {
  let user: string | null = null;
  let organizations: string[] = [];
  const flush = () => {
    if (user !== null && organizations.length > 1) {
      problems.add("membershipPolicy", "users_in_several_organizations", "users belong to several organizations", { userId: user, organizationIds: organizations.slice(0, 5) });
    }
  };
  // Ordered by user, then organization: a user's memberships come together.
  for await (const page of keysetPages((o) => session.memberships.scan({ after: o.after ?? null, limit: PAGE }), (m) => `${m.userId}\u0000${m.organizationId}`, PAGE)) {
    for (const membership of page) {
      if (membership.userId !== user) {
        flush();
        user = membership.userId;
        organizations = [];
      }
      organizations.push(membership.organizationId);
    }
  }
  flush();
}

async function checkUserEmails(session: StorageSession, problems: Problems): Promise<void> {
  for await (const page of keysetPages((o) => session.users.scan({ after: o.after ?? null, limit: PAGE }), (u) => u.id, PAGE)) {
    for (const user of page) {
      const upper = user.emails.filter(upperLocalPart);
      if (upper.length > 0) problems.add("lowercaseEmailLocalPart", "email_not_lower_case", "users have emails whose local part is not lower-case", { userId: user.id, emails: upper });
    }
  }
}

async function checkRules(session: StorageSession, checks: ReturnType<typeof checksFor>, problems: Problems): Promise<void> {
  const claims = new Map<string, { kind: string; value: string; organizationIds: Set<string> }>();
  for await (const page of keysetPages((o) => session.rules.scan({ after: o.after ?? null, limit: PAGE }), (r) => r.id, PAGE)) {
    for (const rule of page) {
      if (checks.lowercase && rule.kind === "email" && upperLocalPart(rule.value)) {
        problems.add("lowercaseEmailLocalPart", "rule_not_lower_case", "email rules have a local part that is not lower-case", { ruleId: rule.id, organizationId: rule.organizationId, value: rule.value });
      }
      if (checks.exclusiveRules) {
        const key = `${rule.kind}\u0000${rule.value}`;
        const claim = claims.get(key);
        if (claim === undefined) claims.set(key, { kind: rule.kind, value: rule.value, organizationIds: new Set([rule.organizationId]) });
        else claim.organizationIds.add(rule.organizationId);
      }
    }
  }
  for (const { kind, value, organizationIds } of claims.values()) {
    if (organizationIds.size > 1) {
      problems.add("ruleConflict", "rule_value_claimed_twice", "rule values are claimed by several organizations", { kind, value, organizationIds: [...organizationIds].slice(0, 5) });
    }
  }
}
