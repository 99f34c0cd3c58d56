/**
 * Test helpers and the storage conformance suite.
 *
 * @module orgkit/testing
 */
export {};
