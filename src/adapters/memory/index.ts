/**
 * In-memory storage.
 *
 * @module orgkit/memory
 */
export {};
