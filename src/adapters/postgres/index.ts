/**
 * PostgreSQL storage.
 *
 * @module orgkit/postgres
 */
export {};
