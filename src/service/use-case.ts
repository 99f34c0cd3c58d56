/**
 * A use case as data (DESIGN.md, "One decision path"): the facts it loads, the
 * permission requests it needs, and the command. {@link Runtime.execute} runs every use
 * case the same way: load → authorize (every request allowed, else `FORBIDDEN` with the
 * evaluator's explanation) → command, which saves and records its events, in one
 * transaction. Arguments are validated before, by the facade method, so that bad input
 * costs no I/O.
 *
 * @module
 */
import type { AccessRequest } from "./authorization.js";
import type { CommandScope } from "./runtime.js";

/** A permission request, and what the use case was about to do (for the refusal's message). */
export interface Need {
  readonly request: AccessRequest;
  readonly action: string;
}

/** One use case. `Facts` are what `load` found (and may include what a pure command computed from them). */
export interface UseCase<Input, Facts, Output> {
  /** `read` use cases append no events. */
  readonly kind: "read" | "write";
  /** Loads the facts the requests and the command need. Throws `NOT_FOUND` and the like only for what any caller may learn. */
  load(scope: CommandScope, input: Input): Promise<Facts>;
  /** The permission requests; every one must be allowed before the command runs. */
  requests(input: Input, facts: Facts): Iterable<Need>;
  /** Checks the state of things, computes the change, saves it and records its events. */
  command(scope: CommandScope, input: Input, facts: Facts): Promise<Output>;
}

/** Declares a use case (an identity function that gives the definition its types). */
export function defineUseCase<Input, Facts, Output>(useCase: UseCase<Input, Facts, Output>): UseCase<Input, Facts, Output> {
  return useCase;
}

/**
 * Runs a use case in a scope that is already open: load, every request, then the
 * command. `Runtime.execute` opens the transaction and calls this; a batch (an import)
 * calls it for each row inside its own transaction.
 */
export async function runUseCase<Input, Facts, Output>(scope: CommandScope, useCase: UseCase<Input, Facts, Output>, input: Input): Promise<Output> {
  const facts = await useCase.load(scope, input);
  for (const need of useCase.requests(input, facts)) scope.auth.require(need.request, need.action);
  return useCase.command(scope, input, facts);
}

/** Loads nothing. */
export const noFacts = async (): Promise<null> => null;

/**
 * A use case whose permission requests need no loaded facts (platform administration):
 * the requests, then the command.
 */
export function requestsThen<Output>(kind: "read" | "write", needs: readonly Need[], command: (scope: CommandScope) => Promise<Output>): UseCase<null, null, Output> {
  return { kind, load: noFacts, requests: () => needs, command: (scope) => command(scope) };
}

/** The one request of platform administration. */
export function platformAdministration(action: string): Need[] {
  return [{ request: { check: "canAdministerPlatform" }, action }];
}
