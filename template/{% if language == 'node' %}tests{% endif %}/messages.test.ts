/**
 * messages.jsonl, the sample the README sends with `make send FILE=messages.jsonl`, stays valid:
 * `make send`'s CLI sends the file, as the Makefile runs it, and every message that arrives must
 * pass the checks the handler makes before a job runs: the envelope, a known job type and its
 * payload schema. One message per job type of this service.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { afterAll, expect, it } from 'vitest';

import { parseEnvelope } from '../src/envelope.js';
import { createStack } from './support/aws.js';
import { scenario } from './support/scenarios.js';

const run = promisify(execFile);
// No `make local` state here: the CLI sends to QUEUE_URL through the test's moto endpoint.
const stateDir = mkdtempSync(join(tmpdir(), 'messages-test-'));

afterAll(() => {
  rmSync(stateDir, { recursive: true, force: true });
});

it(
  scenario('sample_messages_sendable', 'make send FILE=messages.jsonl: one valid message per job'),
  async () => {
    const stack = await createStack();
    // After createStack: the job modules read their settings at import.
    const { JOBS } = await import('../src/jobs/index.js');
    const { stdout } = await run(
      process.execPath,
      ['scripts/local.mjs', 'cli', 'send', '--file', 'messages.jsonl'],
      { env: { ...process.env, LOCAL_STATE_DIR: stateDir } },
    );
    const sent = stdout.split('\n').filter((line) => line.startsWith('sent '));
    expect(sent).toHaveLength(JOBS.size);

    const received: string[] = [];
    // Receive until empty, deleting as we go: a FIFO queue hands out no more of a message group
    // while some of it is in flight.
    for (;;) {
      const event = await stack.receiveEvent();
      if (event.Records.length === 0) break;
      for (const record of event.Records) {
        const envelope = parseEnvelope(record.body);
        const job = JOBS.get(envelope.type);
        if (!job) throw new Error(`not a job type of this service: ${envelope.type}`);
        job.schema.parse(envelope.payload);
        received.push(envelope.type);
      }
      await stack.deleteSucceeded(event, { batchItemFailures: [] });
    }
    expect(received.sort((a, b) => a.localeCompare(b))).toEqual(
      [...JOBS.keys()].sort((a, b) => a.localeCompare(b)),
    );
  },
);
