/**
 * The shared scenario list (tests/scenarios.json) and this suite stay in step: every scenario is
 * named by at least one test, and every name a test uses is on the list. The template's own tests
 * run the same check over the Python suite, so the two runtimes cover the same rules.
 */
import { readdirSync, readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { SCENARIOS } from './support/scenarios.js';

const directory = new URL('./', import.meta.url);
const named = new Set(
  readdirSync(directory)
    .filter((name) => name.endsWith('.test.ts'))
    .flatMap((name) => [
      ...readFileSync(new URL(name, directory), 'utf8').matchAll(/scenario\(\s*'([a-z0-9_]+)'/g),
    ])
    .map((match) => match[1]),
);

describe('scenarios', () => {
  it('every scenario of the shared list is shown by a test', () => {
    expect(SCENARIOS.map((entry) => entry.id).filter((id) => !named.has(id))).toEqual([]);
  });

  it('every scenario a test names is on the shared list', () => {
    const known = new Set(SCENARIOS.map((entry) => entry.id));
    expect([...named].filter((id) => id !== undefined && !known.has(id))).toEqual([]);
  });
});
