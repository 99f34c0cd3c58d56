import { z } from "zod";
import { idString, parseInput } from "../domain/validation.js";
import type { ActorRef } from "../storage/ports.js";

/**
 * Who is acting. A `user` is authorized through the permissions evaluator (platform
 * role, staff profile, organization admin rights). The `system` actor is trusted
 * automation (imports, sync jobs, rule linking): it may do anything, and its `id`
 * names it in the audit trail.
 */
export type Actor =
  | {
      /** A user of the host, authorized by its permissions. */
      readonly type: "user";
      /** The user's id. */
      readonly id: string;
    }
  | {
      /** Trusted automation: allowed everything. */
      readonly type: "system";
      /** The name the audit trail records for it. Default `"system"`. */
      readonly id?: string;
    };

const actorSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("user"), id: idString() }).strict(),
  z.object({ type: z.literal("system"), id: idString().optional() }).strict(),
]);

/** The trusted automation actor. */
export const SYSTEM_ACTOR: Actor = Object.freeze({ type: "system", id: "system" });

/** Validates an actor; `VALIDATION_FAILED` at path `actor` otherwise. */
export function parseActor(actor: unknown): ActorRef {
  const parsed = parseInput(actorSchema, actor, "actor", ["actor"]);
  return parsed.type === "user" ? { type: "user", id: parsed.id } : { type: "system", id: parsed.id ?? "system" };
}
