import type { AuditEvent, EventRepository, NewAuditEvent } from "../../storage/ports.js";
import { scrubNeedles, scrubWithNeedles } from "../../storage/scrub.js";
import { checkLimit, checkRecord, checkString, invalidArgument } from "./arguments.js";
import { freezeCopy } from "./detach.js";
import type { Journal } from "./journal.js";
import type { SyncRepository } from "./sync-repository.js";

/** First index below `length` whose (ascending) value is greater than `after`. */
function firstAfter(length: number, after: number, valueAt: (index: number) => number): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (valueAt(mid) <= after) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The users an event concerns: its actor when that is a user, and `data.userId`. */
function usersOf(event: NewAuditEvent): string[] {
  const users: string[] = [];
  if (event.actor?.type === "user" && typeof event.actor.id === "string") users.push(event.actor.id);
  const userId = (event.data as Record<string, unknown> | null | undefined)?.["userId"];
  if (typeof userId === "string" && !users.includes(userId)) users.push(userId);
  return users;
}

/** Adds `position` to the list under `key`. */
function addPosition(index: Map<string, number[]>, key: string, position: number): void {
  const positions = index.get(key);
  if (positions === undefined) index.set(key, [position]);
  else positions.push(position);
}

/** Removes the last position under `key` (the one added last). */
function popPosition(index: Map<string, number[]>, key: string): void {
  const positions = index.get(key)!;
  positions.pop();
  if (positions.length === 0) index.delete(key);
}

/** Reads `{ after?, limit }` of an event listing. */
function readListOptions(options: { readonly after?: number; readonly limit: number }): { after: number; limit: number } {
  if (typeof options !== "object" || options === null) throw invalidArgument("options", "must be an object with a limit");
  const limit = checkLimit(options.limit);
  const after = options.after ?? 0;
  if (typeof after !== "number" || !Number.isFinite(after)) throw invalidArgument("after", "must be a sequence number");
  return { after, limit };
}

/**
 * The audit trail: an array in sequence order plus, per organization and per user
 * (actor or `data.userId`), the positions of its events. Appends are journaled as pops, and a rollback also gives the sequence
 * numbers back, so committed sequences here are dense (1, 2, 3…); other adapters may
 * leave gaps.
 *
 * @internal
 */
export class EventStore implements SyncRepository<EventRepository> {
  private readonly events: AuditEvent[] = [];
  private readonly positionsByOrganization = new Map<string, number[]>();
  private readonly positionsByUser = new Map<string, number[]>();

  constructor(private readonly journal: Journal) {}

  append(events: readonly NewAuditEvent[]): AuditEvent[] {
    if (!Array.isArray(events)) throw invalidArgument("events", "must be an array");
    const stored = events.map((event, index) => {
      checkRecord(event, `events.${index}`, ["type", "at"]);
      const organizationId = event.organizationId ?? null;
      if (organizationId !== null && typeof organizationId !== "string") throw invalidArgument(`events.${index}.organizationId`, "must be a string or null");
      return { ...event, organizationId };
    });
    const out: AuditEvent[] = [];
    for (const event of stored) {
      const sequence = this.lastSequence() + 1;
      const record = freezeCopy({ ...event, sequence });
      const position = this.events.length;
      this.events.push(record);
      if (record.organizationId !== null) addPosition(this.positionsByOrganization, record.organizationId, position);
      for (const user of usersOf(record)) addPosition(this.positionsByUser, user, position);
      this.journal.record(() => this.pop());
      out.push(record);
    }
    return out;
  }

  private pop(): void {
    const record = this.events.pop();
    if (record === undefined) return;
    if (record.organizationId !== null) popPosition(this.positionsByOrganization, record.organizationId);
    // Reversed: the positions were added in this order, and each list's last one is this event's.
    for (const user of usersOf(record).reverse()) popPosition(this.positionsByUser, user);
  }

  list(options: { readonly organizationId?: string; readonly after?: number; readonly limit: number }): AuditEvent[] {
    const { limit, after } = readListOptions(options);
    if (options.organizationId === undefined) {
      const start = firstAfter(this.events.length, after, (i) => this.events[i]!.sequence);
      return this.events.slice(start, start + limit);
    }
    return this.page(this.positionsByOrganization.get(checkString(options.organizationId, "organizationId")), after, limit);
  }

  listByUser(userId: string, options: { readonly after?: number; readonly limit: number }): AuditEvent[] {
    const id = checkString(userId, "userId");
    const { limit, after } = readListOptions(options);
    return this.page(this.positionsByUser.get(id), after, limit);
  }

  private page(positions: readonly number[] | undefined, after: number, limit: number): AuditEvent[] {
    if (positions === undefined) return [];
    const start = firstAfter(positions.length, after, (i) => this.events[positions[i]!]!.sequence);
    return positions.slice(start, start + limit).map((position) => this.events[position]!);
  }

  /**
   * Rewrites the data of every event that holds one of `values` (`scrubPersonalData`),
   * journaled. A scrub keeps reference keys (`userId`…), so the indexes stay right.
   */
  scrub(values: readonly string[]): number {
    const needles = scrubNeedles(values);
    if (needles.length === 0) return 0;
    let changed = 0;
    for (let position = 0; position < this.events.length; position++) {
      const event = this.events[position]!;
      const data = scrubWithNeedles(event.data, needles);
      if (data === event.data) continue;
      this.events[position] = freezeCopy({ ...event, data });
      this.journal.record(() => {
        this.events[position] = event;
      });
      changed++;
    }
    return changed;
  }

  lastSequence(): number {
    return this.events[this.events.length - 1]?.sequence ?? 0;
  }

  /** The events, for the raw inspector. */
  rawEvents(): readonly AuditEvent[] {
    return this.events;
  }
}
