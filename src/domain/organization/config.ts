import { z } from "zod";
import { DEFAULT_STATE_FLAGS, MAX_STATE_FLAGS } from "../../permissions/snapshot.js";
import { parseUntrustedInput } from "../parse-untrusted-input.js";
import { parseInput } from "../validation.js";
import { customFieldDefinitionSchema, type CustomFieldDefinition, type CustomFieldDefinitionInput } from "./custom-fields.js";

/** The organization types orgkit uses unless configured otherwise. */
export const DEFAULT_ORGANIZATION_TYPES = ["customer", "oem", "distributor", "sales"] as const;
/**
 * The organization state flags orgkit uses unless configured otherwise (staff profiles
 * grant by their combination): the same array as `DEFAULT_STATE_FLAGS` of
 * `orgkit/permissions`, so the kit and the evaluator cannot disagree.
 */
export const DEFAULT_ORGANIZATION_STATES = DEFAULT_STATE_FLAGS;

/** What the organization aggregate is validated against; every field has a default. */
export interface OrganizationConfig {
  /** Allowed values of `type`. Default {@link DEFAULT_ORGANIZATION_TYPES}; the first is the default type. */
  readonly types: readonly string[];
  /** Allowed state flags. Default {@link DEFAULT_ORGANIZATION_STATES}. */
  readonly states: readonly string[];
  /** Admin-defined custom fields; values in `customFields` are validated against them. */
  readonly customFields: readonly CustomFieldDefinition[];
}

/** Input form of {@link OrganizationConfig}: every field optional. */
export interface OrganizationConfigInput {
  /** Allowed values of `type`: lower-case identifiers, at least one, distinct; the first is the default type. Default {@link DEFAULT_ORGANIZATION_TYPES}. */
  readonly types?: readonly string[];
  /** Allowed state flags: lower-case identifiers, distinct, at most `MAX_STATE_FLAGS`. Default {@link DEFAULT_ORGANIZATION_STATES}. */
  readonly states?: readonly string[];
  /** Admin-defined custom fields, with distinct keys. Default none. */
  readonly customFields?: readonly CustomFieldDefinitionInput[];
}

const identifier = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[a-z][a-z0-9_-]*$/, "must be lower-case letters, digits, '_' or '-', starting with a letter");

const configSchema = z
  .object({
    types: z.array(identifier).min(1).default([...DEFAULT_ORGANIZATION_TYPES]),
    states: z.array(identifier).max(MAX_STATE_FLAGS).default([...DEFAULT_ORGANIZATION_STATES]),
    customFields: z.array(customFieldDefinitionSchema).default([]),
  })
  .strict()
  .superRefine((config, ctx) => {
    for (const [name, list] of [["types", config.types], ["states", config.states]] as const) {
      const seen = new Set<string>();
      list.forEach((value, index) => {
        if (seen.has(value)) ctx.addIssue({ code: "custom", path: [name, index], message: `duplicate ${name} entry '${value}'` });
        seen.add(value);
      });
    }
    const keys = new Set<string>();
    config.customFields.forEach((field, index) => {
      if (keys.has(field.key)) ctx.addIssue({ code: "custom", path: ["customFields", index, "key"], message: `duplicate custom field key '${field.key}'` });
      keys.add(field.key);
    });
  });

/**
 * Validates and completes an organization configuration. Throws `VALIDATION_FAILED`
 * for duplicate or malformed types, states or custom field definitions.
 *
 * @example
 * ```ts
 * const config = resolveOrganizationConfig({ types: ["customer", "partner"] });
 * config.states; // ["service", "outreach", "opportunities"]
 * ```
 */
export function resolveOrganizationConfig(input: OrganizationConfigInput = {}): OrganizationConfig {
  const config = Object.freeze(parseInput(configSchema, input, "organization config")) as OrganizationConfig;
  checkedConfigs.set(config, config);
  return config;
}

/** Each configuration object handed in, mapped to its checked copy (a resolved configuration maps to itself). */
const checkedConfigs = new WeakMap<object, OrganizationConfig>();

/**
 * The configuration the commands and schema factories work with: `config` checked (as
 * {@link resolveOrganizationConfig} checks an input) once per object and remembered, so
 * the hot path is one `WeakMap` lookup. `undefined` is the default configuration. The
 * checked copy is what the schemas are built from and memoized by, so a configuration
 * is never read again after it was checked.
 *
 * @throws {@link OrgKitError} `VALIDATION_FAILED` (paths under `config`) when `config`
 *   is not a valid configuration or cannot be read (a throwing getter, a revoked proxy).
 * @internal
 */
export function checkOrganizationConfig(config: unknown): OrganizationConfig {
  if (config === undefined) return DEFAULT_ORGANIZATION_CONFIG;
  // WeakMap.get takes any value (a primitive or a revoked proxy is simply not found).
  const known = checkedConfigs.get(config as object);
  if (known !== undefined) return known;
  const checked = Object.freeze(parseUntrustedInput(configSchema, config, "organization config", ["config"])) as OrganizationConfig;
  checkedConfigs.set(config as object, checked);
  checkedConfigs.set(checked, checked);
  return checked;
}

/** The default configuration (default types and states, no custom fields). */
export const DEFAULT_ORGANIZATION_CONFIG: OrganizationConfig = resolveOrganizationConfig();
