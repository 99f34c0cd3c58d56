/**
 * The audit trail in PostgreSQL: an append-only table, per tenant, numbered by a sequence.
 *
 * @module
 */
import type { AuditEvent, EventRepository, NewAuditEvent } from "../../storage/ports.js";
import { scrubNeedles, scrubWithNeedles } from "../../storage/scrub.js";
import type { RepositoryContext } from "./context.js";
import type { SqlExecutor } from "./executor.js";
import { checkLimit, checkString, escapeLike, invalidArgument, Parameters, readDocument } from "./sql.js";

type EventRow = { sequence: unknown; doc: unknown };

function toEvent(row: EventRow): AuditEvent {
  return { sequence: Number(row.sequence), ...readDocument<NewAuditEvent>(row.doc) };
}

/**
 * An event's JSON as the trail stores it: its own fields in a fixed order. The change feed
 * compares it to decide whether an entry's events are this transaction's own.
 */
export function storedJson({ type, organizationId, actor, at, data }: NewAuditEvent): string {
  return JSON.stringify({ type, organizationId, actor, at, data });
}

function checkEvent(event: NewAuditEvent, path: string): void {
  if (typeof event !== "object" || event === null) throw invalidArgument(path, "must be an event");
  checkString(event.type, `${path}.type`);
  if (event.organizationId !== null) checkString(event.organizationId, `${path}.organizationId`);
  if (typeof event.actor !== "object" || event.actor === null) throw invalidArgument(`${path}.actor`, "must be { type, id }");
  checkString(event.actor.type, `${path}.actor.type`);
  checkString(event.actor.id, `${path}.actor.id`);
  checkString(event.at, `${path}.at`);
  if (typeof event.data !== "object" || event.data === null) throw invalidArgument(`${path}.data`, "must be an object");
}

/** Rows read per round while scrubbing. */
const SCRUB_PAGE = 500;

/**
 * LIKE patterns that pre-select the stored documents (`lower(doc::text COLLATE "C")`)
 * which may hold one of the needles: a needle inside a JSON string appears in the
 * document's text in its JSON-escaped form, and `lower` under `COLLATE "C"` folds ASCII
 * letters only, as `asciiLower` did to the needles. A pre-selected row that holds no
 * token occurrence is left as it is.
 */
export function scrubPatterns(needles: readonly string[]): string[] {
  return needles.map((needle) => `%${escapeLike(JSON.stringify(needle).slice(1, -1))}%`);
}

/** Reads `{ after?, limit }` of an event listing. */
function readListOptions(options: { readonly after?: number; readonly limit: number }): { after: number | undefined; limit: number } {
  if (typeof options !== "object" || options === null) throw invalidArgument("options", "must be an object with a limit");
  const limit = checkLimit(options.limit);
  if (options.after !== undefined && (typeof options.after !== "number" || !Number.isInteger(options.after))) throw invalidArgument("after", "must be an integer sequence");
  return { after: options.after, limit };
}

/**
 * Builds the event repository over a context. The trail is append-only: the one UPDATE
 * is `scrub`, erasure's, which rewrites only the `data` of events naming an erased person.
 */
export function createEventRepository(context: RepositoryContext): EventRepository {
  const { executor, tables, settings, tenant: T } = context;
  const table = tables.events;

  async function insert(on: SqlExecutor, payload: string): Promise<number[]> {
    if (settings.orderedEvents) {
      // Sequences come from a sequence object, which hands out numbers at insert time,
      // not at commit: without this lock a transaction could commit sequence 7 while 6 is
      // still in flight, and a reader paging with `after: 7` would never see 6. The
      // tenant's write lock (held to commit; reads are not blocked, other tenants not
      // involved) makes sequence order commit order within the tenant.
      await on.rows("events.append (lock)", context.writeLock);
    }
    const rows = await on.rows<{ sequence: unknown }>(
      "events.append",
      `INSERT INTO ${table} (tenant_id, type, organization_id, actor_type, actor_id, at, doc)
       SELECT ${T}, e.r->>'type', e.r->>'organizationId', e.r->'actor'->>'type', e.r->'actor'->>'id', (e.r->>'at')::timestamptz, e.r
         FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS e(r, ord)
        ORDER BY e.ord
       RETURNING sequence`,
      [payload]
    );
    // Rows are inserted in `ord` order, so the i-th smallest sequence belongs to the i-th event.
    return rows.map((row) => Number(row.sequence)).sort((a, b) => a - b);
  }

  return {
    async append(events) {
      if (!Array.isArray(events)) throw invalidArgument("events", "must be an array of events");
      events.forEach((event, i) => checkEvent(event, `events.${i}`));
      if (events.length === 0) return [];
      // Only the event's own fields are stored (a stray `sequence` would shadow the real one).
      const stored = events.map(storedJson);
      const payload = `[${stored.join(",")}]`;
      const sequences = settings.orderedEvents ? await executor.atomic("events.append", (tx) => insert(tx, payload)) : await insert(executor, payload);
      // What was stored (JSON round trip), not the caller's objects: detached, like every read.
      const parsed = JSON.parse(payload) as NewAuditEvent[];
      const appended = parsed.map((event, i) => ({ sequence: sequences[i]!, ...event }));
      appended.forEach((event, i) => context.appendedEvents?.add(event.sequence, stored[i]!, event));
      return appended;
    },

    async list(options) {
      const { after, limit } = readListOptions(options);
      const params = new Parameters();
      const conditions: string[] = [`tenant_id = ${T}`];
      if (after !== undefined) conditions.push(`sequence > ${params.add(after)}`);
      if (options.organizationId !== undefined) conditions.push(`organization_id = ${params.add(checkString(options.organizationId, "organizationId"))}`);
      const where = `WHERE ${conditions.join(" AND ")}`;
      const rows = await executor.rows<EventRow>(
        "events.list",
        `SELECT sequence, doc FROM ${table} ${where} ORDER BY sequence LIMIT ${params.add(limit)}`,
        params.values
      );
      return rows.map(toEvent);
    },

    async listByUser(userId, options) {
      const id = checkString(userId, "userId");
      const { after, limit } = readListOptions(options);
      // Two index scans (migration 10: by actor, by data.userId), each ordered by sequence.
      const rows = await executor.rows<EventRow>(
        "events.listByUser",
        `SELECT sequence, doc FROM ${table}
          WHERE tenant_id = ${T} AND sequence > $2 AND ((actor_type = 'user' AND actor_id = $1) OR (doc->'data'->>'userId') = $1)
          ORDER BY sequence LIMIT $3`,
        [id, after ?? 0, limit]
      );
      return rows.map(toEvent);
    },

    async scrub(values) {
      const needles = scrubNeedles(values);
      if (needles.length === 0) return 0;
      const patterns = scrubPatterns(needles);
      return executor.atomic("events.scrub", async (tx) => {
        // Appends of the tenant wait until this commits: none can slip an unscrubbed event in behind the scan.
        if (settings.orderedEvents) await tx.rows("events.scrub (lock)", context.writeLock);
        let changed = 0;
        for (let after = 0; ; ) {
          // The scan is the database's (the matching rows are few: those naming the person); only they are read here.
          const rows = await tx.rows<EventRow>(
            "events.scrub (find)",
            `SELECT sequence, doc FROM ${table}
              WHERE tenant_id = ${T} AND sequence > $1 AND lower(doc::text COLLATE "C") LIKE ANY($2::text[])
              ORDER BY sequence LIMIT ${SCRUB_PAGE}`,
            [after, patterns]
          );
          const sequences: string[] = [];
          const docs: string[] = [];
          for (const row of rows) {
            const event = readDocument<NewAuditEvent>(row.doc);
            const data = scrubWithNeedles(event.data, needles);
            if (data === event.data) continue;
            sequences.push(String(row.sequence));
            docs.push(JSON.stringify({ ...event, data }));
          }
          if (sequences.length > 0) {
            await tx.rows(
              "events.scrub",
              `UPDATE ${table} AS e SET doc = u.doc::json FROM unnest($1::bigint[], $2::text[]) AS u(sequence, doc)
                WHERE e.tenant_id = ${T} AND e.sequence = u.sequence`,
              [sequences, docs]
            );
            changed += sequences.length;
          }
          if (rows.length < SCRUB_PAGE) return changed;
          after = Number(rows[rows.length - 1]!.sequence);
        }
      });
    },

    async lastSequence() {
      const rows = await executor.rows<{ last: unknown }>("events.lastSequence", `SELECT coalesce(max(sequence), 0) AS last FROM ${table} WHERE tenant_id = ${T}`);
      return Number(rows[0]?.last ?? 0);
    },
  };
}
