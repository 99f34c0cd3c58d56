/**
 * Typed kits: the vocabulary a configuration declares (with `defineConfig`), as the types
 * of the kit made from it. Types only; the matching checks at run time are in
 * `vocabulary.ts`. See docs/typed-kits.md.
 *
 * @module
 */
import type { BUILT_IN_ORGANIZATION_ROLES } from "../domain/membership/model.js";
import type { CustomFieldsOf, OrganizationVocabulary } from "../domain/organization/vocabulary.js";

/** The property `K` of a configuration type, `unknown` when it has none. */
type Setting<C, K extends PropertyKey> = C extends { readonly [P in K]?: infer T } ? Exclude<T, undefined> : unknown;

/** The names of a declared list of literal strings; `string` when the list is not declared or not literal. */
type DeclaredNames<L> = L extends readonly (infer E extends string)[] ? (string extends E ? string : E) : string;

/** The name of a role list entry. */
type RoleName<E> = E extends string ? E : E extends { readonly name: infer N extends string } ? N : never;

/**
 * The roles of a declared role list (with the built-in ones, which are always declared);
 * `string` for a record of role rules (which declares no vocabulary) or no `roles`.
 */
type DeclaredRoles<L> = L extends readonly (infer E)[]
  ? string extends RoleName<E>
    ? string
    : RoleName<E> | (typeof BUILT_IN_ORGANIZATION_ROLES)[number]
  : string;

/**
 * The usergroup permissions a configuration type declares (`permissions`): what `kit.can`,
 * `kit.explain`, `kit.policy()` and usergroups' `permissions` are typed by. `string` when
 * none are declared. A configuration written with `defineConfig` keeps its literal
 * types, so its list becomes a union.
 *
 * @example
 * ```ts
 * const config = defineConfig({ permissions: ["kb.read", "kb.write"] });
 * type P = PermissionOf<typeof config>; // "kb.read" | "kb.write"
 * ```
 */
export type PermissionOf<C> = DeclaredNames<Setting<C, "permissions">>;

/**
 * The organization vocabulary a configuration type declares: its organization types,
 * state flags, roles (a `roles` list, with the built-in `member` and `manager`) and custom
 * fields (keys and value types). Each setting not declared stays open, as in
 * {@link OrganizationVocabulary}, which is what a configuration that declares nothing
 * (or is typed `OrgKitConfigInput`) gives.
 *
 * @example
 * ```ts
 * const config = defineConfig({ states: ["service", "outreach"], roles: ["technician"] });
 * type V = OrganizationVocabularyOf<typeof config>;
 * // { state: "service" | "outreach"; role: "member" | "manager" | "technician"; organizationType: string; customFields: Readonly<Record<string, CustomFieldValue>> }
 * ```
 */
export type OrganizationVocabularyOf<C> = OrganizationVocabulary extends DeclaredOrganizationVocabulary<C> ? OrganizationVocabulary : DeclaredOrganizationVocabulary<C>;

type DeclaredOrganizationVocabulary<C> = {
  readonly organizationType: DeclaredNames<Setting<C, "organizationTypes">>;
  readonly state: DeclaredNames<Setting<C, "states">>;
  readonly role: DeclaredRoles<Setting<C, "roles">>;
  readonly customFields: CustomFieldsOf<Setting<C, "customFields">>;
};

/**
 * A staff profile's state combination key: `"none"`, a state flag, or flags joined by
 * `+` (`"service+outreach"`). With declared states the type checks the first two flags
 * (run time checks the whole key); open states take any string.
 */
export type StateCombinationKey<State extends string> = string extends State ? string : "none" | State | `${State}+${State}` | `${State}+${State}+${string}`;
