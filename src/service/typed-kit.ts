/**
 * Typed kits: the vocabulary a configuration declares (with `defineConfig`), as the types
 * of the kit made from it. Types only, written out in full (no helper aliases, so that
 * every name a public type refers to is public); the matching checks at run time are in
 * `vocabulary.ts`. See docs/typed-kits.md.
 *
 * @module
 */
import type { BUILT_IN_ORGANIZATION_ROLES } from "../domain/membership/model.js";
import type { CustomFieldsOf, OrganizationVocabulary } from "../domain/organization/vocabulary.js";

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
export type PermissionOf<C> = C extends {
  /** The declared usergroup permissions (`defineConfig({ permissions: [...] })`). */
  readonly permissions?: infer L;
}
  ? Exclude<L, undefined> extends readonly (infer E extends string)[]
    ? string extends E
      ? string
      : E
    : string
  : string;

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
export type OrganizationVocabularyOf<C> = {
  /** The declared organization types as a union, or `string`. */
  readonly organizationType: C extends {
    /** The declared organization types (`defineConfig({ organizationTypes: [...] })`). */
    readonly organizationTypes?: infer L;
  }
    ? Exclude<L, undefined> extends readonly (infer E extends string)[]
      ? string extends E
        ? string
        : E
      : string
    : string;
  /** The declared state flags as a union, or `string`. */
  readonly state: C extends {
    /** The declared state flags (`defineConfig({ states: [...] })`). */
    readonly states?: infer L;
  }
    ? Exclude<L, undefined> extends readonly (infer E extends string)[]
      ? string extends E
        ? string
        : E
      : string
    : string;
  // A list declares roles (with the built-in ones, always declared); a record of role rules declares none.
  /** The declared organization roles (with `member` and `manager`) as a union, or `string`. */
  readonly role: C extends {
    /** The declared roles (`defineConfig({ roles: [...] })`): names, or `{ name, …rule }` entries. */
    readonly roles?: infer L;
  }
    ? Exclude<L, undefined> extends readonly (infer E)[]
      ? (E extends string
          ? E
          : E extends {
                /** The role's name, in a `{ name, …rule }` entry. */
                readonly name: infer N extends string;
              }
            ? N
            : never) extends infer R extends string
        ? string extends R
          ? string
          : R | (typeof BUILT_IN_ORGANIZATION_ROLES)[number]
        : string
      : string
    : string;
  /** The declared custom fields as an object type (keys and value types), or the open record. */
  readonly customFields: C extends {
    /** The declared custom field definitions (`defineConfig({ customFields: [...] })`). */
    readonly customFields?: infer L;
  }
    ? CustomFieldsOf<Exclude<L, undefined>> : OrganizationVocabulary["customFields"];
} extends infer D
  ? OrganizationVocabulary extends D
    ? OrganizationVocabulary
    : D
  : never;

/**
 * A staff profile's state combination key: `"none"`, a state flag, or flags joined by
 * `+` (`"service+outreach"`). With declared states the type checks the first two flags
 * (run time checks the whole key); open states take any string.
 */
export type StateCombinationKey<State extends string> = string extends State ? string : "none" | State | `${State}+${State}` | `${State}+${State}+${string}`;
