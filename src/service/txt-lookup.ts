/**
 * The DNS side of domain proof: a TXT resolver (injected, or `node:dns/promises` loaded on
 * first use), and the check of one record name for the expected text. The resolver's
 * answer is foreign input: it is read once, bounded in size, and anything but a list of
 * lists of strings is an invalid answer. A resolver that throws, rejects, hangs or returns
 * garbage makes a failed check, never a crash.
 *
 * @module
 */
import type { DomainProofFailureReason } from "../domain/membership/model.js";

/**
 * What `kit.rules.proveDomain` asks for TXT records: `resolveTxt` as `node:dns/promises`
 * has it (each record is a list of strings, joined to read it).
 *
 * @example
 * ```ts
 * // Tests: a fake resolver
 * const dns: TxtResolver = { resolveTxt: async (name) => (name === "_orgkit.acme.com" ? [[challenge.value]] : []) };
 * const kit = createOrgKit({ storage, dns });
 * ```
 */
export interface TxtResolver {
  /**
   * The TXT records at `hostname`, each as the list of its strings. No record: `[]`, or
   * reject with an error whose `code` is `ENOTFOUND` or `ENODATA`; `ETIMEOUT` counts as a
   * timeout, any other rejection as a resolver failure. Bounded by
   * `config.domainRules.dnsTimeoutMs`.
   */
  resolveTxt(hostname: string): Promise<string[][]>;
}

let nodeDns: Promise<TxtResolver> | undefined;
const NODE_DNS: string = "node:dns/promises";

/**
 * The default resolver: `resolveTxt` of `node:dns/promises`, imported on first use (not
 * when orgkit loads), so that the root entry still bundles for targets without Node's
 * `dns`; there, a proof by DNS fails (`resolver_error`) unless the host passes `dns`.
 */
export const nodeTxtResolver: TxtResolver = {
  async resolveTxt(hostname) {
    // The specifier is a variable so that no bundler tries to include `dns` for a target
    // that has none (esbuild, webpack and Vite leave such an import to run time).
    nodeDns ??= (import(/* webpackIgnore: true */ /* @vite-ignore */ NODE_DNS) as Promise<typeof import("node:dns/promises")>).then(
      (dns) => ({ resolveTxt: (name: string) => dns.resolveTxt(name) }),
      (error: unknown) => {
        nodeDns = undefined; // try again next time
        throw error;
      },
    );
    return (await nodeDns).resolveTxt(hostname);
  },
};

/** Most TXT records read from one answer; more is an invalid answer. */
const MAX_RECORDS = 256;
/** Most strings in one record. */
const MAX_STRINGS = 64;
/** Most characters read from one answer, all strings together. */
const MAX_CHARACTERS = 65_536;
/** Longest domain name (RFC 1035), for the record's name. */
const MAX_NAME_LENGTH = 253;

/** The outcome of one TXT check. */
export type TxtCheck = { readonly found: true } | { readonly found: false; readonly reason: DomainProofFailureReason; readonly code?: string };

/** DNS error codes (`node:dns`) that mean "there is no such record". */
const NO_RECORD_CODES = new Set(["ENOTFOUND", "ENODATA", "NOTFOUND", "NODATA"]);
const ERROR_CODE = /^[A-Z][A-Z0-9_]{0,31}$/;

/** The error's `code` when it is a short upper-case code (`ESERVFAIL`), read without trusting the error. */
function codeOf(error: unknown): string | undefined {
  try {
    const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
    return typeof code === "string" && ERROR_CODE.test(code) ? code : undefined;
  } catch {
    return undefined;
  }
}

/** Reads an answer: `"found"` when one record's text equals `expected`, `"empty"`, `"mismatch"`, or `"invalid"`. */
function readAnswer(answer: unknown, expected: string): "found" | "empty" | "mismatch" | "invalid" {
  try {
    if (!Array.isArray(answer)) return "invalid";
    const count = answer.length;
    if (typeof count !== "number" || count > MAX_RECORDS) return "invalid";
    let characters = 0;
    let found = false;
    for (let i = 0; i < count; i++) {
      const record: unknown = answer[i];
      if (!Array.isArray(record)) return "invalid";
      const parts = record.length;
      if (typeof parts !== "number" || parts > MAX_STRINGS) return "invalid";
      let text = "";
      for (let j = 0; j < parts; j++) {
        const part: unknown = record[j];
        if (typeof part !== "string") return "invalid";
        characters += part.length;
        if (characters > MAX_CHARACTERS) return "invalid";
        text += part;
      }
      if (text === expected) found = true;
    }
    return found ? "found" : count === 0 ? "empty" : "mismatch";
  } catch {
    // A getter or proxy trap that throws: not an answer.
    return "invalid";
  }
}

/**
 * Asks `resolver` for the TXT records at `name` and looks for one whose text (its strings
 * joined) is exactly `expected`, within `timeoutMs`. Never throws.
 */
export async function checkTxtRecord(resolver: TxtResolver, name: string, expected: string, timeoutMs: number): Promise<TxtCheck> {
  if (name.length > MAX_NAME_LENGTH) return { found: false, reason: "name_too_long" };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = Symbol("timeout");
  try {
    const lookup = Promise.resolve().then(() => resolver.resolveTxt(name));
    const answer = await Promise.race([lookup, new Promise<typeof timedOut>((resolve) => (timer = setTimeout(() => resolve(timedOut), timeoutMs)))]);
    // A lookup still running after the timeout settles later: its rejection must not go unhandled.
    if (answer === timedOut) {
      lookup.catch(() => {});
      return { found: false, reason: "timeout" };
    }
    const read = readAnswer(answer, expected);
    if (read === "found") return { found: true };
    if (read === "invalid") return { found: false, reason: "invalid_response" };
    return { found: false, reason: read === "empty" ? "no_record" : "token_mismatch" };
  } catch (error) {
    const code = codeOf(error);
    if (code !== undefined && NO_RECORD_CODES.has(code)) return { found: false, reason: "no_record", code };
    if (code === "ETIMEOUT") return { found: false, reason: "timeout", code };
    return code === undefined ? { found: false, reason: "resolver_error" } : { found: false, reason: "resolver_error", code };
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}
