/**
 * Who did something, as records keep it: a user of the host, or automation (the system
 * actor). The storage ports re-export it; the domain uses it where a record names its
 * author (who invited whom).
 */
export type ActorRef =
  | {
      /** A user of the host. */
      readonly type: "user";
      /** The user's id. */
      readonly id: string;
    }
  | {
      /** Automation: the system actor. */
      readonly type: "system";
      /** The system actor's name (`system` unless the host named it). */
      readonly id: string;
    };
