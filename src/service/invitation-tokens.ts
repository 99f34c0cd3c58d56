/**
 * Invitation tokens: 256 random bits, base64url, behind a recognizable prefix (so secret
 * scanners and people can tell what leaked). Only the SHA-256 of a token is stored;
 * `accept` looks the invitation up by that hash. Web Crypto (`globalThis.crypto`), as in
 * Node 20+, browsers and edge runtimes.
 *
 * @module
 */

/** What every invitation token starts with. */
export const INVITATION_TOKEN_PREFIX = "orgkit_inv_";

/** A well-formed token: the prefix and 43 base64url characters (32 bytes). */
const TOKEN_PATTERN = /^orgkit_inv_[A-Za-z0-9_-]{43}$/;

/** A new token: the prefix and 32 random bytes, base64url without padding. */
export function newInvitationToken(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(32));
  const base64 = btoa(String.fromCharCode(...bytes));
  return `${INVITATION_TOKEN_PREFIX}${base64.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")}`;
}

/** Whether `token` has the shape of a token (one that does not is unknown without asking storage). */
export function isWellFormedInvitationToken(token: string): boolean {
  return TOKEN_PATTERN.test(token);
}

/** The SHA-256 of the token's UTF-8 bytes, as 64 lower-case hex digits: what storage keeps and looks up. */
export async function hashInvitationToken(token: string): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest("SHA-256", new TextEncoder().encode(token));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}
