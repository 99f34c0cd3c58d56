export * from "./config.js";
export * from "./custom-fields.js";
export * from "./events.js";
export * from "./schema.js";
export * from "./commands.js";
