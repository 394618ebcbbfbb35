/**
 * The shared scenario list (tests/scenarios.json) and this suite stay in step: every scenario is
 * named by at least one test, and every name a test uses is on the list. The template's own tests
 * run the same check over the Python suite, so the two runtimes cover the same rules.
 */
import { readdirSync, readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { FIFO } from './support/aws.js';
import { SCENARIOS } from './support/scenarios.js';

// The job modules read their settings at import; any value does to list the job types.
for (const name of [
  'EMAIL_FROM',
  'ORDERS_TABLE',
  'REPORTS_BUCKET',
  'WEBHOOK_SIGNING_SECRET_PARAM',
]) {
  process.env[name] ??= 'unused';
}
const { JOBS } = await import('../src/jobs/index.js');

/** The scenarios that apply to this project: its job types and its queue type. */
const applicable = SCENARIOS.filter(
  (entry) =>
    (entry.job_type === undefined || JOBS.has(entry.job_type)) &&
    (entry.queue_type === undefined || entry.queue_type === (FIFO ? 'fifo' : 'standard')),
);

const directory = new URL('./', import.meta.url);
const named = new Set(
  readdirSync(directory)
    .filter((name) => name.endsWith('.test.ts'))
    .flatMap((name) => [
      ...readFileSync(new URL(name, directory), 'utf8').matchAll(
        /scenario\(\s*['"]([a-z0-9_]+)['"]/g,
      ),
    ])
    .map((match) => match[1]),
);

describe('scenarios', () => {
  it('every scenario of the shared list that applies here is shown by a test', () => {
    expect(applicable.map((entry) => entry.id).filter((id) => !named.has(id))).toEqual([]);
  });

  it('every scenario a test names is on the shared list', () => {
    const known = new Set(SCENARIOS.map((entry) => entry.id));
    expect([...named].filter((id) => id !== undefined && !known.has(id))).toEqual([]);
  });
});
