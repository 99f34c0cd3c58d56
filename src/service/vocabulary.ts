/**
 * Declared vocabularies at run time: a kit whose configuration lists its organization
 * roles (`roles` as a list) or its usergroup permissions (`permissions`) refuses any
 * other name where one is an input, with `VALIDATION_FAILED` and the path of the field.
 * Organization types, states and custom fields are always a vocabulary (they have
 * defaults) and are checked by the organization schemas; roles and permissions are open
 * unless declared. The types that match these checks are in `typed-kit.ts`.
 *
 * @module
 */
import { validationError, type ValidationIssue } from "../errors.js";
import type { OrgKitConfig } from "./config.js";

type Vocabulary = Pick<OrgKitConfig, "vocabulary">;

/** At most this many declared names are listed in a message (a vocabulary may hold thousands of permissions). */
const LISTED = 12;

function listed(names: readonly string[]): string {
  const shown = names.slice(0, LISTED).join(", ");
  return names.length > LISTED ? `${shown}, … (${names.length} in all)` : shown;
}

/** The declared names as a set, built once per declared list (`kit.can` checks every call: a lookup, not a scan). */
const declaredSets = new WeakMap<readonly string[], ReadonlySet<string>>();

function declaredSet(declared: readonly string[]): ReadonlySet<string> {
  let set = declaredSets.get(declared);
  if (set === undefined) {
    set = new Set(declared);
    declaredSets.set(declared, set);
  }
  return set;
}

function notDeclared(declared: readonly string[] | null, what: "role" | "permission", names: readonly string[], path: string): ValidationIssue[] {
  if (declared === null) return [];
  const known = declaredSet(declared);
  const issues: ValidationIssue[] = [];
  names.forEach((name, index) => {
    if (!known.has(name)) {
      issues.push({ path: path === "" ? String(index) : `${path}.${index}`, code: "invalid_value", message: `'${name}' is not a declared ${what} (${listed(declared)})` });
    }
  });
  return issues;
}

function refuse(what: string, issues: readonly ValidationIssue[]): void {
  const first = issues[0];
  if (first === undefined) return;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : "";
  throw validationError(`Invalid ${what} at ${first.path || "(root)"}: ${first.message}${more}`, issues);
}

/**
 * The issues of a list of roles (at `path.0`, `path.1`, …) against the declared roles;
 * none when no roles are declared.
 */
export function undeclaredRoleIssues(config: Vocabulary, roles: readonly string[], path: string): ValidationIssue[] {
  return notDeclared(config.vocabulary.roles, "role", roles, path);
}

/** Throws `VALIDATION_FAILED` (at `path`) when roles are declared and `role` is not one of them. */
export function assertDeclaredRole(config: Vocabulary, role: string, path: string, what: string): void {
  refuse(what, notDeclared(config.vocabulary.roles, "role", [role], "").map((issue) => ({ ...issue, path })));
}

/** Throws `VALIDATION_FAILED` (at `path.0`, `path.1`, …) when roles are declared and a listed role is not one of them. */
export function assertDeclaredRoles(config: Vocabulary, roles: readonly string[] | undefined, path: string, what: string): void {
  if (roles !== undefined) refuse(what, undeclaredRoleIssues(config, roles, path));
}

/** Throws `VALIDATION_FAILED` (at `path.0`, `path.1`, …) when permissions are declared and a listed permission is not one of them. */
export function assertDeclaredPermissions(config: Vocabulary, permissions: readonly string[] | undefined, path: string, what: string): void {
  if (permissions !== undefined) refuse(what, notDeclared(config.vocabulary.permissions, "permission", permissions, path));
}

/**
 * Throws `VALIDATION_FAILED` (at `request.permission` or `request.permissions.N`) when
 * permissions are declared and a `can` or `canAll` request names another. Anything else
 * about the request is the evaluator's to judge (a malformed request is a denial, with
 * its reason), so a request that cannot be read is left to it.
 */
export function assertDeclaredRequest(config: Vocabulary, request: unknown): void {
  if (config.vocabulary.permissions === null) return;
  let check: unknown;
  let names: unknown;
  try {
    if (typeof request !== "object" || request === null) return;
    check = (request as { check?: unknown }).check;
    names = check === "can" ? (request as { permission?: unknown }).permission : check === "canAll" ? (request as { permissions?: unknown }).permissions : undefined;
  } catch {
    return;
  }
  if (check === "can" && typeof names === "string") assertDeclaredPermission(config, names, "request.permission", "permission request");
  if (check === "canAll" && Array.isArray(names) && names.every((name) => typeof name === "string")) {
    assertDeclaredPermissions(config, names as string[], "request.permissions", "permission request");
  }
}

/** Throws `VALIDATION_FAILED` (at `path`) when permissions are declared and `permission` is not one of them. */
export function assertDeclaredPermission(config: Vocabulary, permission: string, path: string, what: string): void {
  refuse(what, notDeclared(config.vocabulary.permissions, "permission", [permission], "").map((issue) => ({ ...issue, path })));
}
