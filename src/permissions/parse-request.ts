/**
 * `parsePermissionRequest`: validation of a permission request given as untrusted data
 * (a JSON body), for services that answer a malformed request with a 400 instead of a
 * denial. Hand-written like the snapshot readers (`orgkit/permissions` has no zod); it
 * never throws, for any value: a getter or proxy trap that throws while a field is read
 * becomes an `unreadable` issue at that field.
 *
 * The rules are exactly those under which the evaluators treat a request as well-formed:
 * a request this parser rejects is denied by `policy.check` (and `explain` denies it
 * with the same issues), and for a request it accepts, `check(request)` equals
 * `check(parsed.request)`.
 *
 * @module
 */
import { CHECK_NAMES, type CheckName, type OrganizationRef, type PermissionRequest, type SubjectData, type SubjectRef } from "./requests.js";
import { describeThrown, formatPath, type SnapshotPath } from "./snapshot-reader.js";
import { MAX_ID_LENGTH, ORGANIZATION_ACTIONS, type OrganizationAction } from "./snapshot.js";
import { ResolvedOrganization, ResolvedSubject } from "./subject.js";

/**
 * Why a field of a request is malformed (zod's codes where one fits):
 *
 * - `invalid_type`: missing, or not the type the field needs (a string, an object…);
 * - `invalid_value`: the right type but not an allowed value (an unknown `check`, an action other than read/edit/delete);
 * - `too_small`: an empty id;
 * - `too_big`: an id longer than {@link MAX_ID_LENGTH} characters;
 * - `unreadable`: reading the field threw (a getter, a proxy trap, a revoked proxy).
 */
export type PermissionRequestIssueCode = "invalid_type" | "invalid_value" | "too_small" | "too_big" | "unreadable";

/**
 * One malformed field of a request. It has the shape of orgkit's `ValidationIssue`, so
 * a list of them fits `validationError(message, issues)` and a 400 response body.
 */
export interface PermissionRequestIssue {
  /** Dotted path of the field: `subject`, `ticket.requesterId`, `permissions.2`; `(root)` for the request itself. */
  readonly path: string;
  /** Why the field is malformed (see {@link PermissionRequestIssueCode}). */
  readonly code: PermissionRequestIssueCode;
  /** A sentence naming the field, e.g. `ticket.requesterId must be a string, got undefined`. */
  readonly message: string;
}

/** What {@link parsePermissionRequest} returns: the request as plain data, or every issue found. */
export type PermissionRequestParseResult<P extends string = string> =
  | {
      /** The request is well-formed. */
      readonly ok: true;
      /** The request, read once into plain data: checking it gives what checking the original gives. */
      readonly request: PermissionRequest<P>;
    }
  | {
      /** The request is malformed. */
      readonly ok: false;
      /** Each malformed field, with its path (at most 20). */
      readonly issues: readonly PermissionRequestIssue[];
    };

/** At most this many issues are reported (a list of a million bad permissions yields twenty). */
const MAX_REQUEST_ISSUES = 20;

/** The guest as request data (what a JSON client sends as `{ "kind": "guest" }`). */
const GUEST: SubjectData = Object.freeze({ id: null, kind: "guest" });

const ACTIONS: readonly string[] = ORGANIZATION_ACTIONS;
const CHECKS: readonly string[] = CHECK_NAMES;

/**
 * Validates a permission request given as data and returns it as plain data, or the
 * issues that make it malformed. Never throws.
 *
 * Well-formed means: an object whose `check` is one of {@link CHECK_NAMES}, whose
 * `subject` is a user id, a subject handle, or subject data (`{ "kind": "guest" }` for a
 * guest, `{ "id": "u1" }` for a user, e.g. a decision's `subject`), and whose fields
 * for that check have the types of {@link PermissionRequest}; every id is a string of
 * 1 to {@link MAX_ID_LENGTH} characters. Unknown fields are dropped. Names the policy
 * does not know (a permission outside the catalogue, a missing user) are well-formed:
 * the check denies them. `P` is not checked, as with `compilePolicy<P>`.
 *
 * A request it rejects is exactly one that `policy.check` denies as malformed and
 * `policy.explain` answers with the same `issues`.
 *
 * @example
 * ```ts
 * const parsed = parsePermissionRequest<Permission>(JSON.parse(body));
 * if (!parsed.ok) return reply(400, { issues: parsed.issues });
 * // [{ path: "ticket", code: "invalid_type", message: "ticket must be an object, got undefined" }]
 * const decision = policy.explain(parsed.request);
 * ```
 */
export function parsePermissionRequest<P extends string = string>(value: unknown): PermissionRequestParseResult<P> {
  const read = readPermissionRequest(value);
  return read.ok ? { ok: true, request: read.request as PermissionRequest<P> } : { ok: false, issues: read.issues };
}

/** What {@link readPermissionRequest} found; for a malformed request also its check and subject, for the denial. */
export type PermissionRequestRead =
  | { readonly ok: true; readonly request: PermissionRequest<string, SubjectRef> }
  | {
      readonly ok: false;
      readonly issues: readonly PermissionRequestIssue[];
      /** The request's `check` when it is a string (cut to {@link MAX_ID_LENGTH} characters), else `"(invalid)"`. */
      readonly check: string;
      /** The subject when it is well-formed. */
      readonly subject: SubjectRef | undefined;
    };

/** @internal {@link parsePermissionRequest}, plus what `explain` needs to deny a malformed request. */
export function readPermissionRequest(value: unknown): PermissionRequestRead {
  const reader = new RequestReader();
  const request = reader.request(value);
  if (request !== undefined && reader.issues.length === 0) return { ok: true, request };
  return { ok: false, issues: reader.issues, check: reader.check, subject: reader.subject };
}

/** Marks a value that failed to validate (the issue is recorded by then). */
const BAD: unique symbol = Symbol("bad");
type Read<T> = T | typeof BAD;

class RequestReader {
  readonly issues: PermissionRequestIssue[] = [];
  check = "(invalid)";
  subject: SubjectRef | undefined = undefined;

  request(value: unknown): PermissionRequest<string, SubjectRef> | undefined {
    const root = this.object(value, [], "request");
    if (root === BAD) return undefined;
    const checkValue = this.field(root, "check", []);
    const subject = this.subjectRef(this.field(root, "subject", []), ["subject"]);
    if (subject !== BAD) this.subject = subject;
    const check = this.checkName(checkValue);
    if (check === BAD || subject === BAD) {
      // Still validate the check's fields, so every issue is reported at once.
      if (check !== BAD) this.fields(root, check, GUEST);
      return undefined;
    }
    return this.fields(root, check, subject);
  }

  private checkName(value: unknown): Read<CheckName> {
    if (value === BAD) return BAD;
    if (typeof value !== "string") {
      return this.fail(["check"], "invalid_type", `check must be one of ${CHECKS.map((c) => `"${c}"`).join(", ")}, got ${describe(value)}`);
    }
    this.check = value.length > MAX_ID_LENGTH ? value.slice(0, MAX_ID_LENGTH) : value;
    if (!CHECKS.includes(value)) return this.fail(["check"], "invalid_value", `${quote(value)} is not a check`);
    return value as CheckName;
  }

  /** The fields of `check`, read from `root`; `undefined` when one is malformed. */
  private fields(root: object, check: CheckName, subject: SubjectRef): PermissionRequest<string, SubjectRef> | undefined {
    const get = (key: string): unknown => this.field(root, key, []);
    const ok = <T>(...values: Read<T>[]): boolean => values.every((v) => v !== BAD);
    switch (check) {
      case "can": {
        const permission = this.id(get("permission"), ["permission"]);
        return ok(permission) ? { check, subject, permission: permission as string } : undefined;
      }
      case "canAll": {
        const permissions = this.idList(get("permissions"), ["permissions"]);
        return ok(permissions) ? { check, subject, permissions: permissions as string[] } : undefined;
      }
      case "canOnOrganization": {
        const action = this.action(get("action"));
        const organization = this.organizationRef(get("organization"), ["organization"]);
        return ok(action, organization) ? { check, subject, action: action as OrganizationAction, organization: organization as OrganizationRef } : undefined;
      }
      case "canAddOrganization":
      case "canAdministerPlatform":
      case "canGrantPlatformRoles":
        return { check, subject };
      case "canEditNote":
      case "canDeleteNote": {
        const note = this.object(get("note"), ["note"], "note");
        if (note === BAD) return undefined;
        const organizationId = this.id(this.field(note, "organizationId", ["note"]), ["note", "organizationId"]);
        const authorId = this.id(this.field(note, "authorId", ["note"]), ["note", "authorId"]);
        return ok(organizationId, authorId) ? { check, subject, note: { organizationId: organizationId as string, authorId: authorId as string } } : undefined;
      }
      case "canManageUser": {
        const raw = get("targetUserId");
        const targetUserId = raw === null ? null : this.id(raw, ["targetUserId"], "a user id or null (a new user)");
        const organizationId = this.id(get("organizationId"), ["organizationId"]);
        return ok(targetUserId, organizationId) ? { check, subject, targetUserId: targetUserId as string | null, organizationId: organizationId as string } : undefined;
      }
      case "canAssignRole": {
        const organizationId = this.id(get("organizationId"), ["organizationId"]);
        const role = this.id(get("role"), ["role"]);
        return ok(organizationId, role) ? { check, subject, organizationId: organizationId as string, role: role as string } : undefined;
      }
      case "canUseApp": {
        const organizationId = this.id(get("organizationId"), ["organizationId"]);
        const app = this.id(get("app"), ["app"]);
        return ok(organizationId, app) ? { check, subject, organizationId: organizationId as string, app: app as string } : undefined;
      }
      case "canAccessResource": {
        const resource = this.object(get("resource"), ["resource"], "resource");
        if (resource === BAD) return undefined;
        const kind = this.id(this.field(resource, "kind", ["resource"]), ["resource", "kind"]);
        const id = this.id(this.field(resource, "id", ["resource"]), ["resource", "id"]);
        return ok(kind, id) ? { check, subject, resource: { kind: kind as string, id: id as string } } : undefined;
      }
      case "canViewTicket": {
        const ticket = this.object(get("ticket"), ["ticket"], "ticket");
        if (ticket === BAD) return undefined;
        const requesterId = this.id(this.field(ticket, "requesterId", ["ticket"]), ["ticket", "requesterId"]);
        const rawOrganization = this.field(ticket, "organizationId", ["ticket"]);
        const organizationId =
          rawOrganization === undefined || rawOrganization === null
            ? rawOrganization
            : this.id(rawOrganization, ["ticket", "organizationId"], "an organization id, null or absent (no organization)");
        if (!ok(requesterId, organizationId)) return undefined;
        const ref = organizationId === undefined ? { requesterId: requesterId as string } : { requesterId: requesterId as string, organizationId: organizationId as string | null };
        return { check, subject, ticket: ref };
      }
      default:
        return unreachable(check);
    }
  }

  /** A user id, a real subject handle, or subject data (`{ kind: "guest" }`, `{ id }`). */
  private subjectRef(value: unknown, path: SnapshotPath): Read<SubjectRef> {
    if (value === BAD) return BAD;
    if (typeof value === "string") return this.id(value, path, "a user id or a subject handle");
    if (ResolvedSubject.is(value)) return value;
    if (!isPlainObject(value)) return this.fail(path, "invalid_type", `${formatPath(path)} must be a user id (a string) or a subject handle, got ${describe(value)}`);
    const kind = this.field(value, "kind", path);
    if (kind === BAD) return BAD;
    if (kind === "guest") return GUEST;
    // The same rule as the evaluator: anything but a guest is looked up by id, whatever its `kind`.
    return this.id(this.field(value, "id", path), [...path, "id"]);
  }

  /** An organization id, a real organization handle, or `{ id }`. */
  private organizationRef(value: unknown, path: SnapshotPath): Read<string | ResolvedOrganization> {
    if (value === BAD) return BAD;
    if (typeof value === "string") return this.id(value, path, "an organization id or handle");
    if (ResolvedOrganization.is(value)) return value;
    if (!isPlainObject(value)) return this.fail(path, "invalid_type", `${formatPath(path)} must be an organization id (a string) or an organization handle, got ${describe(value)}`);
    return this.id(this.field(value, "id", path), [...path, "id"]);
  }

  private action(value: unknown): Read<string> {
    if (value === BAD) return BAD;
    if (typeof value === "string" && ACTIONS.includes(value)) return value;
    const allowed = ACTIONS.map((a) => `"${a}"`).join(", ");
    if (typeof value !== "string") return this.fail(["action"], "invalid_type", `action must be one of ${allowed}, got ${describe(value)}`);
    return this.fail(["action"], "invalid_value", `action must be one of ${allowed}, got ${quote(value)}`);
  }

  private id(value: unknown, path: SnapshotPath, expected = "a string"): Read<string> {
    if (value === BAD) return BAD;
    const name = formatPath(path);
    if (typeof value !== "string") return this.fail(path, "invalid_type", `${name} must be ${expected}, got ${describe(value)}`);
    if (value.length === 0) return this.fail(path, "too_small", `${name} must not be empty`);
    if (value.length > MAX_ID_LENGTH) return this.fail(path, "too_big", `${name} must be at most ${MAX_ID_LENGTH} characters, got ${value.length}`);
    return value;
  }

  private idList(value: unknown, path: SnapshotPath): Read<string[]> {
    if (value === BAD) return BAD;
    let list: readonly unknown[];
    let length: number;
    try {
      if (!Array.isArray(value)) return this.fail(path, "invalid_type", `${formatPath(path)} must be an array of strings, got ${describe(value)}`);
      list = value;
      length = value.length;
    } catch (error) {
      return this.unreadable(path, error);
    }
    const out: string[] = [];
    let bad = false;
    for (let i = 0; i < length && this.issues.length < MAX_REQUEST_ISSUES; i++) {
      const item = this.id(this.field(list, i, path), [...path, i]);
      if (item === BAD) bad = true;
      else out.push(item);
    }
    return bad ? BAD : out;
  }

  private object(value: unknown, path: SnapshotPath, name: string): Read<object> {
    if (value === BAD) return BAD;
    if (isPlainObject(value)) return value;
    return this.fail(path, "invalid_type", `${name} must be an object, got ${describe(value)}`);
  }

  /** `object[key]`, or {@link BAD} (with an `unreadable` issue at `parent.key`) when the read throws. */
  private field(object: object, key: string | number, parent: SnapshotPath): unknown {
    try {
      return (object as Record<string | number, unknown>)[key];
    } catch (error) {
      return this.unreadable([...parent, key], error);
    }
  }

  private unreadable(path: SnapshotPath, error: unknown): typeof BAD {
    return this.fail(path, "unreadable", `${formatPath(path)} could not be read (${describeThrown(error)})`);
  }

  private fail(path: SnapshotPath, code: PermissionRequestIssueCode, message: string): typeof BAD {
    if (this.issues.length < MAX_REQUEST_ISSUES) this.issues.push({ path: formatPath(path), code, message });
    return BAD;
  }
}

/** True for a plain object: not null, not an array, not a function (never throws). */
function isPlainObject(value: unknown): value is object {
  if (typeof value !== "object" || value === null) return false;
  try {
    return !Array.isArray(value);
  } catch {
    return false; // a revoked proxy
  }
}

/** What a value is, for messages (never runs user code). */
function describe(value: unknown): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "undefined":
      return "undefined";
    case "string":
      return `a string (${quote(value)})`;
    case "number":
    case "boolean":
    case "bigint":
      return `${typeof value} ${String(value)}`;
    case "object":
      try {
        return Array.isArray(value) ? "an array" : "an object";
      } catch {
        return "a revoked proxy";
      }
    default:
      return `a ${typeof value}`;
  }
}

/** A value quoted for a message: JSON-escaped (U+0000 and lone surrogates stay readable), cut to 60 characters. */
function quote(value: string): string {
  return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
}

function unreachable(check: never): undefined {
  return check;
}
