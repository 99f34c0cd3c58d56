/**
 * The names an organization is typed by: its type, state flags, allowed roles and custom
 * fields. Each is `string` (custom fields: any key) unless a kit's configuration declares
 * it with `defineConfig` (see docs/typed-kits.md). Types only; they are written out in
 * full (no helper aliases) so that every name a public type refers to is public.
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

/** The value type of one declared custom field definition (a select's declared options, …). */
export type CustomFieldValueOf<D> = D extends {
  /** A `number` field holds a number. */
  readonly type: "number";
}
  ? number
  : D extends {
        /** A `boolean` field holds `true` or `false`. */
        readonly type: "boolean";
      }
    ? boolean
    : D extends {
          /** A `select` field holds one of its options. */
          readonly type: "select";
          /** The declared options, as literal types. */
          readonly options: readonly (infer O extends string)[];
        }
      ? O
      : D extends {
            /** A `multiselect` field holds a list of its options. */
            readonly type: "multiselect";
            /** The declared options, as literal types. */
            readonly options: readonly (infer O extends string)[];
          }
        ? readonly O[]
        : D extends {
              /** `text`, `date` (ISO 8601 `YYYY-MM-DD`), `url` and `email` fields hold a string. */
              readonly type: "text" | "date" | "url" | "email";
            }
          ? string
          : CustomFieldValue;

/**
 * The custom fields object a list of field definitions describes: a required field's key
 * is required, any other optional, each with its value type. Definitions whose keys are
 * not literal types (a list built at run time) give the open record.
 */
export type CustomFieldsOf<Definitions> = Definitions extends readonly (infer D extends {
  /** The field's key in `customFields`. */
  readonly key: string;
})[]
  ? string extends D["key"]
    ? Readonly<Record<string, CustomFieldValue>>
    : ({
        readonly [F in D as F extends {
          /** A field declared with `required: true`: its key is a required property. */
          readonly required: true;
        }
          ? F["key"]
          : never]: CustomFieldValueOf<F>;
      } & {
          readonly [F in D as F extends {
            /** A field declared with `required: true`; the keys of all other fields are optional properties. */
            readonly required: true;
          }
            ? never
            : F["key"]]?: CustomFieldValueOf<F>;
        }) extends infer O
      ? { [K in keyof O]: O[K] }
      : never
  : Readonly<Record<string, CustomFieldValue>>;
