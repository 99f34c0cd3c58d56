import type { AuditEvent, EventRepository, NewAuditEvent } from "../../storage/ports.js";
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

/**
 * The audit trail: an array in sequence order plus, per organization, the positions of
 * its events. Appends are journaled as pops, and a rollback also gives the sequence
 * numbers back, so committed sequences here are dense (1, 2, 3…); other adapters may
 * leave gaps.
 *
 * @internal
 */
export class EventStore implements SyncRepository<EventRepository> {
  private readonly events: AuditEvent[] = [];
  private readonly positionsByOrganization = new Map<string, number[]>();

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
      if (record.organizationId !== null) {
        const positions = this.positionsByOrganization.get(record.organizationId) ?? [];
        positions.push(position);
        this.positionsByOrganization.set(record.organizationId, positions);
      }
      this.journal.record(() => this.pop());
      out.push(record);
    }
    return out;
  }

  private pop(): void {
    const record = this.events.pop();
    if (record === undefined || record.organizationId === null) return;
    const positions = this.positionsByOrganization.get(record.organizationId)!;
    positions.pop();
    if (positions.length === 0) this.positionsByOrganization.delete(record.organizationId);
  }

  list(options: { readonly organizationId?: string; readonly after?: number; readonly limit: number }): AuditEvent[] {
    if (typeof options !== "object" || options === null) throw invalidArgument("options", "must be an object with a limit");
    const limit = checkLimit(options.limit);
    const after = options.after ?? 0;
    if (typeof after !== "number" || !Number.isFinite(after)) throw invalidArgument("after", "must be a sequence number");
    if (options.organizationId === undefined) {
      const start = firstAfter(this.events.length, after, (i) => this.events[i]!.sequence);
      return this.events.slice(start, start + limit);
    }
    const positions = this.positionsByOrganization.get(checkString(options.organizationId, "organizationId"));
    if (positions === undefined) return [];
    const start = firstAfter(positions.length, after, (i) => this.events[positions[i]!]!.sequence);
    return positions.slice(start, start + limit).map((position) => this.events[position]!);
  }

  lastSequence(): number {
    return this.events[this.events.length - 1]?.sequence ?? 0;
  }

  /** The events, for the raw inspector. */
  rawEvents(): readonly AuditEvent[] {
    return this.events;
  }
}
