/**
 * The scenarios both runtimes' suites must cover, from tests/scenarios.json: a test names the
 * scenario it shows with `scenario(id, title)`, and tests/scenarios.test.ts checks that every
 * scenario of the list is named by some test and every name is on the list.
 */
import { readFileSync } from 'node:fs';

export interface Scenario {
  id: string;
  rule: string;
  /** The scenario applies only when this job type is chosen. */
  job_type?: string;
  /** The scenario applies only to this queue type. */
  queue_type?: 'standard' | 'fifo';
}

export const SCENARIOS: Scenario[] = (
  JSON.parse(readFileSync(new URL('../scenarios.json', import.meta.url), 'utf8')) as {
    scenarios: Scenario[];
  }
).scenarios;

const KNOWN = new Set(SCENARIOS.map((entry) => entry.id));

/** A test title that names scenario `id`; an id not on the list fails at once. */
export function scenario(id: string, title: string): string {
  if (!KNOWN.has(id)) throw new Error(`scenario ${id} is not in tests/scenarios.json`);
  return `[${id}] ${title}`;
}
