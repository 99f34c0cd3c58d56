import type { ChangeEntry, ChangeFeedRepository, NewChangeEntry } from "../../storage/ports.js";
import { scrubNeedles, scrubWithNeedles } from "../../storage/scrub.js";
import { checkLimit, checkRecord, invalidArgument } from "./arguments.js";
import { freezeCopy } from "./detach.js";
import type { Journal } from "./journal.js";
import type { SyncRepository } from "./sync-repository.js";

/** A revision argument: a non-negative safe integer. */
function checkRevision(value: unknown, path: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) throw invalidArgument(path, "must be a non-negative integer revision");
  return value;
}

/**
 * The change feed: entries in revision order. Units of work are serialized, and an
 * append is journaled (a rollback pops it and gives the revision back), so an entry is
 * visible exactly when the writes it describes are, and revisions are dense here.
 *
 * @internal
 */
export class ChangeStore implements SyncRepository<ChangeFeedRepository> {
  private entries: ChangeEntry[] = [];
  private latest = 0;
  private pruned = 0;

  constructor(private readonly journal: Journal) {}

  append(entry: NewChangeEntry): number {
    checkRecord(entry, "entry", ["at"]);
    if (!Array.isArray(entry.changes)) throw invalidArgument("entry.changes", "must be an array");
    if (!Array.isArray(entry.events)) throw invalidArgument("entry.events", "must be an array");
    const revision = this.latest + 1;
    const record = freezeCopy({ revision, at: entry.at, changes: entry.changes, events: entry.events }) as ChangeEntry;
    this.entries.push(record);
    this.latest = revision;
    this.journal.record(() => {
      this.entries.pop();
      this.latest = revision - 1;
    });
    return revision;
  }

  since(after: number, limit: number): ChangeEntry[] {
    checkRevision(after, "after");
    const max = checkLimit(limit);
    // Binary search for the first entry after `after`.
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.entries[mid]!.revision <= after) lo = mid + 1;
      else hi = mid;
    }
    return this.entries.slice(lo, lo + max);
  }

  latestRevision(): number {
    return this.latest;
  }

  horizon(): number {
    return this.pruned;
  }

  prune(upTo: number): number {
    checkRevision(upTo, "upTo");
    // The latest entry stays, so the feed always shows where it is.
    const limit = Math.min(upTo, this.latest - 1);
    if (limit <= this.pruned) return 0;
    const before = this.entries;
    const previousHorizon = this.pruned;
    const kept = before.filter((e) => e.revision > limit);
    this.entries = kept;
    this.pruned = limit;
    this.journal.record(() => {
      this.entries = before;
      this.pruned = previousHorizon;
    });
    return before.length - kept.length;
  }

  /** Scrubs the data of the events each entry carries (`scrubPersonalData`), journaled. */
  scrub(values: readonly string[]): number {
    const needles = scrubNeedles(values);
    if (needles.length === 0) return 0;
    let changed = 0;
    for (let position = 0; position < this.entries.length; position++) {
      const entry = this.entries[position]!;
      let touched = false;
      const events = entry.events.map((event) => {
        const data = scrubWithNeedles(event.data, needles);
        if (data === event.data) return event;
        touched = true;
        return { ...event, data };
      });
      if (!touched) continue;
      const entries = this.entries;
      entries[position] = freezeCopy({ ...entry, events });
      this.journal.record(() => {
        entries[position] = entry;
      });
      changed++;
    }
    return changed;
  }

  /** The entries, for the raw inspector. */
  rawEntries(): readonly ChangeEntry[] {
    return this.entries;
  }
}
