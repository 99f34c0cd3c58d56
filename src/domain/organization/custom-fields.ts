import { z } from "zod";
import { match } from "ts-pattern";
import { parseUntrustedInput } from "../parse-untrusted-input.js";

/** The kinds of value a custom field can hold. */
export const CUSTOM_FIELD_TYPES = ["text", "number", "boolean", "date", "select", "multiselect", "url", "email"] as const;
/** One of {@link CUSTOM_FIELD_TYPES}. */
export type CustomFieldType = (typeof CUSTOM_FIELD_TYPES)[number];

/** A stored custom field value: text/date/url/email/select are strings, multiselect a string array. */
export type CustomFieldValue = string | number | boolean | readonly string[];

/** Schema of an admin-defined custom field. */
export const customFieldDefinitionSchema = z
  .object({
    /** The field's key in `customFields`: a letter, then letters, digits or `_`; up to 64 characters. */
    key: z
      .string()
      .trim()
      .min(1)
      .max(64)
      .regex(/^[a-zA-Z][a-zA-Z0-9_]*$/, "must start with a letter and hold only letters, digits and '_'"),
    /** Display name for forms, up to 200 characters. Absent: show the key. */
    label: z.string().trim().max(200).optional(),
    /** The kind of value the field holds (see {@link CUSTOM_FIELD_TYPES}). */
    type: z.enum(CUSTOM_FIELD_TYPES),
    /** Every organization must have a value. Default `false`. */
    required: z.boolean().default(false),
    /** The allowed values of a `select` or `multiselect` field (required there, unique); absent for other types. */
    options: z.array(z.string().trim().min(1).max(200)).optional(),
  })
  .strict()
  .superRefine((field, ctx) => {
    const isSelect = field.type === "select" || field.type === "multiselect";
    if (isSelect && (!field.options || field.options.length === 0)) {
      ctx.addIssue({ code: "custom", path: ["options"], message: `a ${field.type} field needs at least one option` });
    }
    if (!isSelect && field.options !== undefined) {
      ctx.addIssue({ code: "custom", path: ["options"], message: `options apply only to select and multiselect fields` });
    }
    if (field.options && new Set(field.options).size !== field.options.length) {
      ctx.addIssue({ code: "custom", path: ["options"], message: "options must be unique" });
    }
  });

/** An admin-defined custom field (see {@link customFieldDefinitionSchema}). */
export type CustomFieldDefinition = z.output<typeof customFieldDefinitionSchema>;
/** A custom field definition as written in configuration (`required` defaults to `false`). */
export type CustomFieldDefinitionInput = z.input<typeof customFieldDefinitionSchema>;

const isoDate = z.iso.date();

/**
 * The zod schema that one field's value must satisfy.
 *
 * @throws {@link orgkit!OrgKitError | OrgKitError} `VALIDATION_FAILED` (paths under `field`) when `field` is not
 *   a valid definition (see {@link customFieldDefinitionSchema}) or cannot be read.
 */
export function customFieldValueSchema(field: CustomFieldDefinition): z.ZodType<CustomFieldValue> {
  return buildValueSchema(parseUntrustedInput(customFieldDefinitionSchema, field, "custom field definition", ["field"]));
}

/** {@link customFieldValueSchema} for a definition already checked. */
function buildValueSchema(field: CustomFieldDefinition): z.ZodType<CustomFieldValue> {
  const options = field.options ?? [];
  return match(field.type)
    .with("text", () => z.string().trim().max(10_000))
    .with("number", () => z.number().finite())
    .with("boolean", () => z.boolean())
    .with("date", () => isoDate)
    .with("select", () => z.string().refine((v) => options.includes(v), { message: `must be one of: ${options.join(", ")}` }))
    .with("multiselect", () =>
      z
        .array(z.string().refine((v) => options.includes(v), { message: `must be one of: ${options.join(", ")}` }))
        .transform((values) => [...new Set(values)]),
    )
    .with("url", () => z.url({ protocol: /^https?$/ }))
    .with("email", () => z.email().transform((v) => v.toLowerCase()))
    .exhaustive() as z.ZodType<CustomFieldValue>;
}

/**
 * Builds the schema of a whole `customFields` object for the given definitions: unknown
 * keys are refused, required fields must be present, each value must fit its type.
 *
 * @throws {@link orgkit!OrgKitError | OrgKitError} `VALIDATION_FAILED` (paths under `definitions`) when
 *   `definitions` is not an array of valid definitions or cannot be read.
 */
export function customFieldsSchema(definitions: readonly CustomFieldDefinition[]): z.ZodType<Record<string, CustomFieldValue>> {
  // Configurations are frozen and reused, so the schema is built (and the definitions
  // checked) once per definition list. WeakMap.get takes any value, even a revoked proxy.
  const cached = schemaCache.get(definitions);
  if (cached) return cached;
  const schema = buildCustomFieldsSchema(parseUntrustedInput(definitionListSchema, definitions, "custom field definitions", ["definitions"]));
  schemaCache.set(definitions, schema);
  return schema;
}

const definitionListSchema = z.array(customFieldDefinitionSchema);
const schemaCache = new WeakMap<object, z.ZodType<Record<string, CustomFieldValue>>>();

function buildCustomFieldsSchema(definitions: readonly CustomFieldDefinition[]): z.ZodType<Record<string, CustomFieldValue>> {
  const shape: Record<string, z.ZodType> = {};
  for (const field of definitions) {
    const value = buildValueSchema(field);
    shape[field.key] = field.required ? value : value.optional();
  }
  return z.strictObject(shape) as unknown as z.ZodType<Record<string, CustomFieldValue>>;
}
