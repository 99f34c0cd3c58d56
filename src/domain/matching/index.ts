/**
 * Member matching: normalizers and the compiled matcher.
 *
 * @module orgkit/matching
 */
export {};
