// Named: config.js also holds `checkOrganizationConfig`, which is internal.
export {
  DEFAULT_ORGANIZATION_CONFIG,
  DEFAULT_ORGANIZATION_STATES,
  DEFAULT_ORGANIZATION_TYPES,
  resolveOrganizationConfig,
  type OrganizationConfig,
  type OrganizationConfigInput,
} from "./config.js";
export * from "./custom-fields.js";
export * from "./events.js";
export * from "./schema.js";
export * from "./commands.js";
export * from "./merge.js";
