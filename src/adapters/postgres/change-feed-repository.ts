/**
 * The change feed in PostgreSQL: an outbox table written in the same transaction as the
 * data, one row per committed write, keyed by revision.
 *
 * Each tenant has its own feed: its rows, its revisions, its horizon. Within a tenant,
 * revision order is commit order: the append takes the tenant's write lock (an advisory
 * transaction lock, held to commit; reads are not blocked, other tenants not involved)
 * before it draws the next revision from a sequence, so a second writer of the tenant
 * draws its revision only after the first has committed. A reader that sees revision R
 * therefore sees every revision below it. A rolled-back transaction may use a revision up,
 * and the sequence is shared by the tenants, so a tenant's revisions have gaps (allowed).
 * With `orderedEvents: false` (engines without advisory locks, such as CockroachDB) the
 * revision comes from the tenant's counter row instead, whose row lock gives the same
 * order (a concurrent writer of the same tenant is retried).
 *
 * @module
 */
import type { AuditEvent, ChangeEntry, ChangeFeedRepository, NewChangeEntry } from "../../storage/ports.js";
import type { PolicyChange } from "../../permissions/changes.js";
import type { RepositoryContext } from "./context.js";
import { scrubNeedles, scrubWithNeedles } from "../../storage/scrub.js";
import { checkLimit, invalidArgument, readDocument } from "./sql.js";
import { notificationPayload } from "./listen.js";
import { scrubPatterns, storedJson } from "./event-repository.js";

type ChangeRow = { revision: unknown; at: unknown; doc: unknown };
type EventRow = { sequence: unknown; doc: unknown };

/**
 * A stored entry. `events` holds the events themselves (entries whose events were not
 * appended in the entry's own transaction, and every entry written before version 0.x);
 * `eventRanges` refers to the transaction's events in the events table instead, as runs
 * of consecutive sequences `[first, last]` in the entry's order: the events are then
 * stored once, not twice (an import's entry would otherwise copy every one of its events).
 */
type ChangeDocument =
  | { readonly changes: PolicyChange[]; readonly events: AuditEvent[] }
  | { readonly changes: PolicyChange[]; readonly eventRanges: [number, number][] };

/** Rows read per round while scrubbing. */
const SCRUB_PAGE = 200;

function checkRevision(value: unknown, path: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) throw invalidArgument(path, "must be a non-negative integer revision");
  return value;
}

/** Runs of consecutive sequences, in the order given: `[4, 5, 6, 9]` → `[[4, 6], [9, 9]]`. */
function sequenceRanges(events: readonly AuditEvent[]): [number, number][] {
  const ranges: [number, number][] = [];
  for (const { sequence } of events) {
    const last = ranges[ranges.length - 1];
    if (last !== undefined && sequence === last[1] + 1) last[1] = sequence;
    else ranges.push([sequence, sequence]);
  }
  return ranges;
}

/** Whether every event is one this transaction appended, as it was stored (so its row holds exactly it). */
function appendedHere(context: RepositoryContext, events: readonly AuditEvent[]): boolean {
  const appended = context.appendedEvents;
  return appended !== null && events.length > 0 && events.every((event) => typeof event === "object" && event !== null && appended.holds(event, storedJson));
}

/** Builds the change feed repository over a context. */
export function createChangeFeedRepository(context: RepositoryContext): ChangeFeedRepository {
  const { executor, tables, settings, tenant: T } = context;
  const table = tables.changes;

  return {
    async append(entry: NewChangeEntry) {
      if (typeof entry !== "object" || entry === null) throw invalidArgument("entry", "must be a change entry");
      if (typeof entry.at !== "string" || Number.isNaN(Date.parse(entry.at))) throw invalidArgument("entry.at", "must be an ISO 8601 time");
      if (!Array.isArray(entry.changes)) throw invalidArgument("entry.changes", "must be an array");
      if (!Array.isArray(entry.events)) throw invalidArgument("entry.events", "must be an array");
      const doc = JSON.stringify(
        appendedHere(context, entry.events) ? { changes: entry.changes, eventRanges: sequenceRanges(entry.events) } : { changes: entry.changes, events: entry.events },
      );
      return executor.atomic("changes.append", async (tx) => {
        let revision: string;
        if (settings.orderedEvents) {
          await tx.rows("changes.append (lock)", context.writeLock);
          revision = `nextval('${tables.changeRevisions}')`;
        } else {
          const [row] = await tx.rows<{ latest: unknown }>(
            "changes.append (counter)",
            `INSERT INTO ${tables.changeFeedState} AS s (tenant_id, latest, horizon) VALUES (${T}, 1, 0)
             ON CONFLICT (tenant_id) DO UPDATE SET latest = s.latest + 1 RETURNING latest`,
          );
          revision = String(Number(row!.latest));
        }
        const rows = await tx.rows<{ revision: unknown }>(
          "changes.append",
          `INSERT INTO ${table} (tenant_id, revision, at, doc) VALUES (${T}, ${revision}, $1::timestamptz, $2::json) RETURNING revision`,
          [entry.at, doc],
        );
        const appended = Number(rows[0]!.revision);
        // Delivered to listeners at COMMIT, and never for a rolled-back transaction.
        await tx.rows("changes.append (notify)", `SELECT pg_notify($1, $2)`, [settings.changeChannel, notificationPayload(appended, context.tenantId)]);
        return appended;
      });
    },

    async since(after, limit) {
      const from = checkRevision(after, "after");
      const max = checkLimit(limit);
      const rows = await executor.rows<ChangeRow>("changes.since", `SELECT revision, at, doc FROM ${table} WHERE tenant_id = ${T} AND revision > $1 ORDER BY revision LIMIT $2`, [from, max]);
      const entries = rows.map((row) => ({ row, doc: readDocument<ChangeDocument>(row.doc) }));
      const ranges = entries.flatMap(({ doc }) => ("eventRanges" in doc ? doc.eventRanges : []));
      // The referenced events, in one statement; they were committed with their entry and
      // the trail is append-only, so every one of them is there.
      const events = new Map<number, AuditEvent>();
      if (ranges.length > 0) {
        const found = await executor.rows<EventRow>(
          "changes.since (events)",
          `SELECT e.sequence, e.doc FROM ${tables.events} e
             JOIN (SELECT (r->>0)::bigint AS first, (r->>1)::bigint AS last FROM jsonb_array_elements($1::jsonb) AS r) AS ranges
               ON e.sequence BETWEEN ranges.first AND ranges.last
            WHERE e.tenant_id = ${T}`,
          [JSON.stringify(ranges)],
        );
        for (const row of found) events.set(Number(row.sequence), { sequence: Number(row.sequence), ...readDocument<Omit<AuditEvent, "sequence">>(row.doc) });
      }
      return entries.map(({ row, doc }): ChangeEntry => {
        const at = row.at instanceof Date ? row.at.toISOString() : new Date(String(row.at)).toISOString();
        if (!("eventRanges" in doc)) return { revision: Number(row.revision), at, changes: doc.changes, events: doc.events };
        const listed: AuditEvent[] = [];
        for (const [first, last] of doc.eventRanges) {
          for (let sequence = first; sequence <= last; sequence++) {
            const event = events.get(sequence);
            if (event !== undefined) listed.push(event);
          }
        }
        return { revision: Number(row.revision), at, changes: doc.changes, events: listed };
      });
    },

    async latestRevision() {
      const rows = await executor.rows<{ latest: unknown }>("changes.latestRevision", `SELECT coalesce(max(revision), 0) AS latest FROM ${table} WHERE tenant_id = ${T}`);
      return Number(rows[0]?.latest ?? 0);
    },

    async horizon() {
      const rows = await executor.rows<{ horizon: unknown }>("changes.horizon", `SELECT horizon FROM ${tables.changeFeedState} WHERE tenant_id = ${T}`);
      return Number(rows[0]?.horizon ?? 0);
    },

    /**
     * Erasure's rewrite of the feed's copies of audit events (the one place the feed holds
     * them: if the feed comes to reference the trail instead of copying it, this method is
     * what goes). Rows are pre-selected by the database, scrubbed here, written back.
     */
    async scrub(values) {
      const needles = scrubNeedles(values);
      if (needles.length === 0) return 0;
      const patterns = scrubPatterns(needles);
      return executor.atomic("changes.scrub", async (tx) => {
        if (settings.orderedEvents) await tx.rows("changes.scrub (lock)", context.writeLock);
        let changed = 0;
        for (let after = 0; ; ) {
          const rows = await tx.rows<ChangeRow>(
            "changes.scrub (find)",
            `SELECT revision, at, doc FROM ${table}
              WHERE tenant_id = ${T} AND revision > $1 AND lower(doc::text COLLATE "C") LIKE ANY($2::text[])
              ORDER BY revision LIMIT ${SCRUB_PAGE}`,
            [after, patterns],
          );
          const revisions: string[] = [];
          const docs: string[] = [];
          for (const row of rows) {
            const doc = readDocument<ChangeDocument>(row.doc);
            // An entry that refers to its events holds none of its own: they are scrubbed in the events table.
            if (!("events" in doc)) continue;
            let touched = false;
            const events = doc.events.map((event) => {
              const data = scrubWithNeedles(event.data, needles);
              if (data === event.data) return event;
              touched = true;
              return { ...event, data };
            });
            if (!touched) continue;
            revisions.push(String(row.revision));
            docs.push(JSON.stringify({ changes: doc.changes, events }));
          }
          if (revisions.length > 0) {
            await tx.rows(
              "changes.scrub",
              `UPDATE ${table} AS c SET doc = u.doc::json FROM unnest($1::bigint[], $2::text[]) AS u(revision, doc)
                WHERE c.tenant_id = ${T} AND c.revision = u.revision`,
              [revisions, docs],
            );
            changed += revisions.length;
          }
          if (rows.length < SCRUB_PAGE) return changed;
          after = Number(rows[rows.length - 1]!.revision);
        }
      });
    },

    async prune(upTo) {
      const limit = checkRevision(upTo, "upTo");
      return executor.atomic("changes.prune", async (tx) => {
        const [row] = await tx.rows<{ latest: unknown }>("changes.prune (latest)", `SELECT coalesce(max(revision), 0) AS latest FROM ${table} WHERE tenant_id = ${T}`);
        const bound = Math.min(limit, Number(row?.latest ?? 0) - 1);
        if (bound <= 0) return 0;
        const deleted = await tx.rows<{ revision: unknown }>("changes.prune", `DELETE FROM ${table} WHERE tenant_id = ${T} AND revision <= $1 RETURNING revision`, [bound]);
        await tx.rows("changes.prune (horizon)", `INSERT INTO ${tables.changeFeedState} AS s (tenant_id, latest, horizon) VALUES (${T}, 0, $1)
           ON CONFLICT (tenant_id) DO UPDATE SET horizon = greatest(s.horizon, excluded.horizon)`, [bound]);
        return deleted.length;
      });
    },
  };
}
