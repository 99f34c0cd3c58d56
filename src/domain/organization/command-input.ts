/**
 * How the organization commands read their arguments: the organization they change and
 * their context, each read once into checked plain data. Shared by `commands.ts` and
 * `merge.ts`; not part of the package's public surface.
 *
 * @internal
 * @module
 */
import { z } from "zod";
import { OrgKitError } from "../../errors.js";
import { describeValue, invalidArgument, readFields } from "../argument-guards.js";
import { parseUntrustedInput } from "../parse-untrusted-input.js";
import { parseInput } from "../validation.js";
import { checkOrganizationConfig, type OrganizationConfig } from "./config.js";
import type { OrganizationEvent, OrganizationEventType } from "./events.js";
import { ORGANIZATION_STATUSES, type Organization } from "./schema.js";

const nowSchema = z.union([z.date(), z.iso.datetime({ offset: true })]);

/**
 * What the commands read of the organization they change. Only the types are checked,
 * not the configured rules (types, states, custom fields): the organization met those
 * when it was stored, and a configuration changed since must not lock it. Other fields
 * pass as they are.
 */
const currentOrganizationSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  status: z.enum(ORGANIZATION_STATUSES),
  version: z.number().int().min(1),
  parentId: z.string().nullable(),
  address: z.looseObject({}),
  contact: z.looseObject({}),
  tags: z.array(z.string()),
  states: z.array(z.string()),
  memberRules: z.array(z.looseObject({ id: z.string(), kind: z.string(), value: z.string() })),
  usergroupIds: z.array(z.string()),
  allowedRoles: z.array(z.string()),
  allowedApps: z.array(z.string()),
  customFields: z.record(z.string(), z.unknown()),
  mergedInto: z.string().optional(),
});

/** Copies the organization a command changes into checked plain data: nothing after this reads the caller's object. */
export function readCurrent(organization: unknown): Organization {
  return parseUntrustedInput(currentOrganizationSchema, organization, "organization", ["organization"]) as unknown as Organization;
}

/** A command's context, read once: `now` as an ISO string, the checked configuration, the expected version. */
export interface ReadContext {
  readonly at: string;
  readonly config: OrganizationConfig;
  readonly expectedVersion: number | undefined;
  readonly id: unknown;
}

const CONTEXT_KEYS = ["now", "config", "expectedVersion", "id"] as const;

export function readContext(context: unknown): ReadContext {
  const read = readFields(context, CONTEXT_KEYS, "command context", "context", false);
  const expectedVersion = read.expectedVersion;
  if (expectedVersion !== undefined && (typeof expectedVersion !== "number" || !Number.isInteger(expectedVersion) || expectedVersion < 0)) {
    throw invalidArgument("command context", "expectedVersion", `must be a non-negative integer, not ${describeValue(expectedVersion)}`, "invalid_type");
  }
  return {
    at: toIso(read.now),
    // `??`: a null config has always meant the default one.
    config: checkOrganizationConfig(read.config ?? undefined),
    expectedVersion,
    id: read.id,
  };
}

/** `now` (a Date or an ISO 8601 string) as an ISO 8601 string; `VALIDATION_FAILED` for anything else. */
export function toIso(now: unknown): string {
  const value = parseInput(nowSchema, now, "time (now)", ["now"]);
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw new OrgKitError("VALIDATION_FAILED", "Invalid time (now): not a valid date", {
      details: { issues: [{ path: "now", message: "not a valid date", code: "invalid_date" }] },
    });
  }
  return date.toISOString();
}

/** A domain event about `organization` (at its version after the change). */
export function event(type: OrganizationEventType, organization: Organization, at: string, data: Record<string, unknown>): OrganizationEvent {
  return { type, organizationId: organization.id, version: organization.version, at, data };
}
