/**
 * Who did something, as records keep it: a user of the host, or automation (the system
 * actor). The storage ports re-export it; the domain uses it where a record names its
 * author (who invited whom).
 */
export type ActorRef = { readonly type: "user"; readonly id: string } | { readonly type: "system"; readonly id: string };
