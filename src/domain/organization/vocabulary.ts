/**
 * The names an organization is typed by: its type, state flags, allowed roles and custom
 * fields. Each is `string` (custom fields: any key) unless a kit's configuration declares
 * it with `defineConfig` (see docs/typed-kits.md). Types only.
 *
 * @module
 */
import type { CustomFieldValue } from "./custom-fields.js";

/**
 * What an organization's vocabulary fields hold, as types. The default (this interface
 * itself) is open: `string` for each name, any custom field key. `defineConfig` narrows it
 * to what the configuration declares.
 */
export interface OrganizationVocabulary {
  /** An organization type (`type`). */
  readonly organizationType: string;
  /** A state flag (`states`). */
  readonly state: string;
  /** An organization role (`allowedRoles`, membership roles). */
  readonly role: string;
  /** The custom fields of an organization, by key, as stored and returned. */
  readonly customFields: Readonly<Record<string, CustomFieldValue>>;
}

/** `true` when `V` declares none of the organization's names (every one is open, as without `defineConfig`). */
export type IsOpenVocabulary<V extends OrganizationVocabulary> = OrganizationVocabulary extends Pick<V, keyof OrganizationVocabulary> ? true : false;

/** An object type spelled out (an intersection flattened), for readable hovers and errors. */
export type Simplify<T> = { [K in keyof T]: T[K] } & {};

/**
 * `Base` with the vocabulary-typed `Fields` in place of its own, or `Base` itself when
 * `V` declares nothing: an undeclared vocabulary leaves a type exactly as it was.
 */
export type WithVocabulary<Base, V extends OrganizationVocabulary, Fields> = IsOpenVocabulary<V> extends true ? Base : Simplify<Omit<Base, keyof Fields> & Fields>;

/** `Base` with `Fields` in place of its own when `Name` is declared (narrower than `string`), else `Base` itself. */
export type WithDeclaredName<Base, Name extends string, Fields> = string extends Name ? Base : Simplify<Omit<Base, keyof Fields> & Fields>;

/** The value type of one declared custom field definition (a select's declared options, …). */
export type CustomFieldValueOf<D> = D extends { readonly type: "number" }
  ? number
  : D extends { readonly type: "boolean" }
    ? boolean
    : D extends { readonly type: "select"; readonly options: readonly (infer O extends string)[] }
      ? O
      : D extends { readonly type: "multiselect"; readonly options: readonly (infer O extends string)[] }
        ? readonly O[]
        : D extends { readonly type: "text" | "date" | "url" | "email" }
          ? string
          : CustomFieldValue;

/**
 * The custom fields object a list of field definitions describes: a required field's key
 * is required, any other optional, each with its value type. Definitions whose keys are
 * not literal types (a list built at run time) give the open record.
 */
export type CustomFieldsOf<Definitions> = Definitions extends readonly (infer D extends { readonly key: string })[]
  ? string extends D["key"]
    ? Readonly<Record<string, CustomFieldValue>>
    : Simplify<
        { readonly [F in D as F extends { readonly required: true } ? F["key"] : never]: CustomFieldValueOf<F> } & {
          readonly [F in D as F extends { readonly required: true } ? never : F["key"]]?: CustomFieldValueOf<F>;
        }
      >
  : Readonly<Record<string, CustomFieldValue>>;

/** The `customFields` property of a create input: the declared fields (required when one is), or `Open` (the property as it was) when none are declared. */
export type CustomFieldsInput<Fields, Open> = string extends keyof Fields ? Open : {} extends Fields ? { readonly customFields?: Fields } : { readonly customFields: Fields };

/** A `customFields` patch: each declared key optional, `null` removing an optional field; `Open` when none are declared. */
export type CustomFieldsPatch<Fields, Open> = string extends keyof Fields ? Open : { readonly [K in keyof Fields]?: Fields[K] | ({} extends Pick<Fields, K> ? null : never) };
