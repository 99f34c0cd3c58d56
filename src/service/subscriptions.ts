/**
 * Hooks on the change feed: `kit.changes.subscribe(handler, { from })` delivers every
 * committed entry after `from`, in order, at least once, so a host can send welcome
 * emails, sync a search index or forward webhooks; `toCloudEvents(entry)` renders an
 * entry's audit events as CloudEvents 1.0.
 *
 * @module
 */
import { z } from "zod";
import { OrgKitError, isOrgKitError } from "../errors.js";
import { parseInput } from "../domain/validation.js";
import type { ChangeEntry, ChangeFeedRepository } from "../storage/ports.js";

/** Options of `kit.changes.subscribe`. */
export interface SubscribeOptions {
  /**
   * Deliver the entries after this revision: the last one the handler finished, as the
   * host stored it (0 for everything the feed still holds).
   */
  readonly from: number;
  /** How often to look at the feed when nothing announced a change, in ms. Default 1,000. */
  readonly pollMs?: number;
  /**
   * Called when the handler fails (the entry is delivered again after a backoff, up to
   * 30 s) and, with `CHANGES_EXPIRED`, when the feed no longer holds the entries after
   * the cursor (the subscription stops then).
   */
  readonly onError?: (error: unknown, entry: ChangeEntry | null) => void;
}

/** A running subscription. */
export interface Subscription {
  /** The revision of the last entry the handler finished. */
  readonly cursor: number;
  /** Stops after the handler call in progress, if any. */
  close(): Promise<void>;
}

const optionsSchema = z
  .object({
    from: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    pollMs: z.number().int().min(10).max(3_600_000).default(1_000),
    onError: z.function().optional(),
  })
  .strict();

/** The wake-ups a subscription waits for: announcements (a listener, this kit's writes). */
export class WakeUps {
  private readonly waiting = new Set<() => void>();
  /** How many rings so far: a subscription that was busy when one came does not wait. */
  count = 0;
  /** Wakes every waiting subscription. */
  ring(): void {
    this.count++;
    for (const wake of [...this.waiting]) wake();
  }
  /** Resolves at the next ring or after `ms`, whichever comes first. */
  wait(ms: number): { promise: Promise<void>; cancel(): void } {
    let wake!: () => void;
    const promise = new Promise<void>((resolve) => (wake = resolve));
    const timer = setTimeout(() => done(), ms);
    timer.unref?.();
    const done = () => {
      clearTimeout(timer);
      this.waiting.delete(done);
      wake();
    };
    this.waiting.add(done);
    return { promise, cancel: done };
  }
}

export function subscribe(
  feed: ChangeFeedRepository,
  wakeUps: WakeUps,
  handler: (entry: ChangeEntry) => unknown,
  untrustedOptions: SubscribeOptions,
): Subscription {
  if (typeof handler !== "function") {
    throw new OrgKitError("VALIDATION_FAILED", "subscribe() needs a handler function", {
      details: { issues: [{ path: "handler", message: "must be a function", code: "invalid_type" }] },
    });
  }
  const options = parseInput(optionsSchema, untrustedOptions, "subscribe options", ["options"]);
  const onError = (options.onError as SubscribeOptions["onError"]) ?? (() => undefined);
  let cursor = options.from;
  let closed = false;
  let pending: { cancel(): void } | null = null;

  const pause = async (ms: number) => {
    const waiting = wakeUps.wait(ms);
    pending = waiting;
    await waiting.promise;
    pending = null;
  };

  async function deliver(entry: ChangeEntry): Promise<void> {
    for (let delay = 100; !closed; delay = Math.min(delay * 2, 30_000)) {
      try {
        await handler(entry);
        return;
      } catch (error) {
        onError(error, entry);
        await new Promise((resolve) => setTimeout(resolve, delay).unref?.());
      }
    }
  }

  const loop = (async () => {
    while (!closed) {
      const rings = wakeUps.count;
      let entries: ChangeEntry[];
      try {
        entries = await feed.since(cursor, 100);
        if (cursor < (await feed.horizon())) {
          throw new OrgKitError("CHANGES_EXPIRED", `The change feed no longer holds the entries after revision ${cursor}: the subscription stops`, {
            details: { revision: cursor, horizon: await feed.horizon() },
          });
        }
      } catch (error) {
        onError(error, null);
        if (isOrgKitError(error) && error.code === "CHANGES_EXPIRED") return;
        await pause(options.pollMs);
        continue;
      }
      for (const entry of entries) {
        if (closed) return;
        await deliver(entry);
        if (closed) return;
        cursor = entry.revision;
      }
      if (entries.length < 100 && wakeUps.count === rings) await pause(options.pollMs);
    }
  })();

  return {
    get cursor() {
      return cursor;
    },
    async close() {
      closed = true;
      pending?.cancel();
      await loop;
    },
  };
}

const cloudEventsEntrySchema = z
  .object({
    revision: z.number().int().min(0),
    events: z.array(
      z
        .object({
          type: z.string().min(1),
          organizationId: z.string().nullable(),
          at: z.string(),
          actor: z.object({ type: z.string(), id: z.string() }).passthrough(),
          data: z.record(z.string(), z.unknown()),
        })
        .passthrough(),
    ),
  })
  .passthrough();
const cloudEventsOptionsSchema = z.object({ source: z.string().min(1).optional() }).strict();

/** A CloudEvents 1.0 event (JSON format) rendered from an audit event of a feed entry. */
export interface OrgKitCloudEvent {
  /** The CloudEvents specification version: always `"1.0"`. */
  readonly specversion: "1.0";
  /** `<revision>-<index of the event in the entry>`: unique per storage, stable across redeliveries. */
  readonly id: string;
  /** The installation that produced the event: `options.source` of {@link toCloudEvents} (default `/orgkit`). */
  readonly source: string;
  /** `orgkit.` and the audit event's type: `orgkit.membership.added`, `orgkit.organization.created`… */
  readonly type: string;
  /** The organization the event concerns, when it concerns one. */
  readonly subject?: string;
  /** When the write happened (ISO 8601, the writing kit's clock): the audit event's `at`. */
  readonly time: string;
  /** The media type of `data`: always `"application/json"`. */
  readonly datacontenttype: "application/json";
  /** Extension attribute: the feed revision of the write. */
  readonly orgkitrevision: number;
  /** The audit event's payload (the ids and values changed, by event type), plus who acted. */
  readonly data: {
    /** Who made the write. */
    readonly actor: {
      /** `"user"` (a user of the host) or `"system"` (automation). */
      readonly type: string;
      /** The user's id, or the system actor's name (`system` unless the host named it). */
      readonly id: string;
    };
    readonly [key: string]: unknown;
  };
}

/**
 * An entry's audit events as CloudEvents 1.0 (JSON event format), ready to POST as a
 * webhook (`content-type: application/cloudevents+json`) or to publish on a bus.
 * `source` is a URI reference naming this orgkit installation (default `/orgkit`).
 *
 * @example
 * ```ts
 * kit.changes.subscribe(async (entry) => {
 *   for (const event of toCloudEvents(entry, { source: "https://helpdesk.example/orgkit" })) {
 *     if (event.type === "orgkit.membership.added") await sendWelcomeEmail(event);
 *   }
 * }, { from: await cursorStore.get() });
 * ```
 */
export function toCloudEvents(entry: ChangeEntry, options: { readonly source?: string } = {}): OrgKitCloudEvent[] {
  const { revision, events } = parseInput(cloudEventsEntrySchema, entry, "change entry", ["entry"]);
  const { source = "/orgkit" } = parseInput(cloudEventsOptionsSchema, options ?? {}, "options", ["options"]);
  return events.map((event, index) => ({
    specversion: "1.0",
    id: `${revision}-${index}`,
    source,
    type: `orgkit.${event.type}`,
    ...(event.organizationId !== null ? { subject: event.organizationId } : {}),
    time: event.at,
    datacontenttype: "application/json",
    orgkitrevision: revision,
    data: { ...event.data, actor: { type: event.actor.type, id: event.actor.id } },
  }));
}
