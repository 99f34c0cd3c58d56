/**
 * Permission evaluators: pure, synchronous, zero runtime dependencies.
 *
 * @module orgkit/permissions
 */
export {};
