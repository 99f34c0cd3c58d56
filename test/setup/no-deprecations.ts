/**
 * Every test file runs with deprecations as errors: a deprecated call (such as `pg`'s
 * "Calling client.query() when the client is already executing a query", which pg 9
 * turns into a failure) throws at its call site, and any deprecation warning emitted
 * some other way fails the file.
 */
import { afterAll, expect } from "vitest";

process.throwDeprecation = true;

const deprecations: string[] = [];
process.on("warning", (warning) => {
  if (warning.name === "DeprecationWarning") deprecations.push(warning.message);
});

afterAll(() => {
  expect(deprecations, "deprecation warnings were emitted").toEqual([]);
});
