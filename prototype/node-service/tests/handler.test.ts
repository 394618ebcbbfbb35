/**
 * The consumer's rules, shown with a test-only job type so they hold whatever job types exist.
 *
 * Every event is built from real ReceiveMessage output of the moto queue.
 */
import { randomUUID } from 'node:crypto';

import { beforeEach, describe, expect, it } from 'vitest';
import * as z from 'zod';

import { retryDelay } from '../src/backoff.js';
import { PermanentError } from '../src/errors.js';
import {
  captureLogs,
  coldStart,
  createStack,
  failedIds,
  invoker,
  lambdaContext,
  MAX_RECEIVE_COUNT,
  type Stack,
  storedResults,
} from './support/aws.js';
import { scenario } from './support/scenarios.js';

const REQUIRED_VARIABLES = [
  'QUEUE_URL',
  'DLQ_URL',
  'IDEMPOTENCY_TABLE',
  'EMAIL_FROM',
  'ORDERS_TABLE',
  'REPORTS_BUCKET',
  'WEBHOOK_SIGNING_SECRET_PARAM',
];

const ProbePayload = z.object({
  step: z.number().int(),
  fail: z.enum(['transient', 'permanent']).optional(),
  note: z.string().default(''),
});

/** A job type whose outcome each message chooses; it records the steps it ran. */
class Probe {
  attempts: number[] = [];
  steps: number[] = [];

  run = (payload: z.output<typeof ProbePayload>): Promise<{ step: number }> => {
    this.attempts.push(payload.step);
    // The error classes come from the freshly imported modules, as the handler sees them.
    if (payload.fail === 'permanent') throw new this.Permanent('probe refused the payload');
    if (payload.fail === 'transient') throw new Error('probe failed for now');
    this.steps.push(payload.step);
    return Promise.resolve({ step: payload.step });
  };

  constructor(private readonly Permanent: typeof PermanentError) {}
}

function probeBody(step: number, fields: Record<string, unknown> = {}) {
  const { fail, note, ...envelope } = fields;
  return {
    type: 'probe',
    payload: { step, ...(fail ? { fail } : {}), ...(note ? { note } : {}) },
    ...envelope,
  };
}

let stack: Stack;
let probe: Probe;

/**
 * Send a probe message; on a FIFO queue in a message group of its own, so records are independent
 * as on a standard queue.
 */
const sendAlone = (body: Record<string, unknown>): Promise<string> =>
  stack.send(body, { groupId: randomUUID() });
let invoke: ReturnType<typeof invoker>;
let service: Awaited<ReturnType<typeof coldStart>>;

beforeEach(async () => {
  stack = await createStack();
  service = await coldStart();
  const errors = await import('../src/errors.js');
  probe = new Probe(errors.PermanentError);
  service.jobs.JOBS.set(
    'probe',
    service.jobs.defineJob({ name: 'probe', schema: ProbePayload, run: probe.run }),
  );
  invoke = invoker(stack, service.handler);
});

describe('handler', () => {
  it(scenario('success_deleted', 'a successful batch reports no failures'), async () => {
    for (const step of [0, 1, 2]) await sendAlone(probeBody(step));
    const response = await invoke(await stack.receiveEvent());
    expect(response).toEqual({ batchItemFailures: [] });
    expect(probe.steps.sort()).toEqual([0, 1, 2]);
    expect((await stack.receiveEvent()).Records).toEqual([]);
  });

  it(scenario('partial_failure', 'only the failed record is reported'), async () => {
    await sendAlone(probeBody(1));
    const failing = await sendAlone(probeBody(2, { fail: 'transient' }));
    await sendAlone(probeBody(3));
    const response = await invoke(await stack.receiveEvent());
    expect(failedIds(response)).toEqual([failing]);
    expect(probe.steps.sort()).toEqual([1, 3]);
  });

  it(
    scenario('whole_batch_fails', 'a batch that fails entirely is reported, not thrown'),
    async () => {
      const ids = [
        await sendAlone(probeBody(1, { fail: 'transient' })),
        await sendAlone(probeBody(2, { fail: 'transient' })),
      ];
      const response = await invoke(await stack.receiveEvent());
      expect(failedIds(response).sort()).toEqual(ids.sort());
    },
  );

  it(
    scenario('permanent_to_dlq', 'permanent failures go to the DLQ with their reason'),
    async () => {
      const bad = await sendAlone(probeBody(1, { fail: 'permanent' }));
      const unknown = await stack.send({ type: 'no_such_job', payload: {} });
      const notJson = await stack.send('not json at all');
      const response = await invoke(await stack.receiveEvent());
      expect(failedIds(response)).toEqual([]);
      const letters = await stack.deadLetters();
      const reasons = new Map(
        letters.map((message) => [
          message.MessageAttributes?.OriginalMessageId?.StringValue,
          message.MessageAttributes?.FailureReason?.StringValue,
        ]),
      );
      expect(reasons.get(bad)).toBe('probe refused the payload');
      expect(reasons.get(unknown)).toMatch(
        /^unknown job type "no_such_job"; this service handles /,
      );
      expect(reasons.get(notJson)).toBe('invalid envelope: body: Invalid JSON');
      for (const message of letters) {
        const attributes = message.MessageAttributes ?? {};
        expect(attributes.SourceQueueArn?.StringValue).toBe(stack.arn);
        expect(attributes.FailedAt?.StringValue).toMatch(
          /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/,
        );
      }
      expect((await stack.receiveEvent()).Records).toEqual([]);
    },
  );

  it(
    scenario('dlq_keeps_attributes', 'the original message attributes travel to the DLQ'),
    async () => {
      const id = await stack.send(probeBody(1, { fail: 'permanent' }), {
        groupId: randomUUID(),
        attributes: { Tenant: { DataType: 'String', StringValue: 'acme' } },
      });
      await invoke(await stack.receiveEvent());
      const [letter] = await stack.deadLetters();
      expect(letter?.MessageAttributes?.OriginalMessageId?.StringValue).toBe(id);
      expect(letter?.MessageAttributes?.Tenant?.StringValue).toBe('acme');
      expect(letter?.Body).toBe(JSON.stringify(probeBody(1, { fail: 'permanent' })));
    },
  );

  it(
    scenario('reason_without_payload', 'the failure reason does not echo the payload'),
    async () => {
      await sendAlone(probeBody(1, { note: 12345 }));
      await invoke(await stack.receiveEvent());
      const [reason] = [...(await stack.deadLetterReasons()).values()];
      expect(reason).toContain('note');
      expect(reason).not.toContain('12345');
    },
  );

  it(
    scenario('dlq_unavailable_kept', 'a message is kept when the DLQ cannot take it'),
    async () => {
      process.env.DLQ_URL = `${stack.dlqUrl}-missing`;
      service = await coldStart();
      service.jobs.JOBS.set(
        'probe',
        service.jobs.defineJob({ name: 'probe', schema: ProbePayload, run: probe.run }),
      );
      const id = await sendAlone(probeBody(1, { fail: 'permanent' }));
      const response = await invoker(stack, service.handler)(await stack.receiveEvent());
      expect(failedIds(response)).toEqual([id]);
    },
  );

  it(scenario('transient_backoff', 'a transient failure is retried after a backoff'), async () => {
    const id = await sendAlone(probeBody(1, { fail: 'transient' }));
    const event = await stack.receiveEvent();
    expect(failedIds(await invoke(event))).toEqual([id]);
    // The first attempt's delay is 10 s: the message stays hidden meanwhile.
    expect((await stack.receiveEvent()).Records).toEqual([]);
  });

  it.each([
    [1, 10],
    [2, 20],
    [3, 40],
    [7, 640],
    [8, 900],
    [30, 900],
  ])(scenario('backoff_doubles', 'attempt %i is retried after %i s'), (count, delay) => {
    expect(retryDelay(count, 10, 900)).toBe(delay);
  });

  it(
    scenario('max_receive_count', 'after maxReceiveCount SQS moves the message to the DLQ'),
    async () => {
      process.env.RETRY_BACKOFF_BASE_SECONDS = '0';
      process.env.RETRY_BACKOFF_MAX_SECONDS = '0';
      service = await coldStart();
      service.jobs.JOBS.set(
        'probe',
        service.jobs.defineJob({ name: 'probe', schema: ProbePayload, run: probe.run }),
      );
      const call = invoker(stack, service.handler);
      await sendAlone(probeBody(1, { fail: 'transient' }));
      for (let attempt = 1; attempt <= MAX_RECEIVE_COUNT; attempt += 1) {
        const event = await stack.receiveEvent();
        expect(event.Records).toHaveLength(1);
        expect(event.Records[0]?.attributes.ApproximateReceiveCount).toBe(String(attempt));
        await call(event);
      }
      expect((await stack.receiveEvent()).Records).toEqual([]);
      expect(await stack.deadLetters()).toHaveLength(1);
      process.env.RETRY_BACKOFF_BASE_SECONDS = '10';
      process.env.RETRY_BACKOFF_MAX_SECONDS = '900';
    },
  );

  it(scenario('redelivery_runs_once', 'a redelivered message runs its job once'), async () => {
    await sendAlone(probeBody(1));
    const event = await stack.receiveEvent();
    await service.handler.handler(event, lambdaContext());
    await service.handler.handler(event, lambdaContext());
    expect(probe.attempts).toEqual([1]);
    expect(await storedResults(stack)).toEqual([{ step: 1 }]);
  });

  it(scenario('shared_key_runs_once', 'messages sharing an idempotency key run once'), async () => {
    await sendAlone(probeBody(1, { idempotencyKey: 'same' }));
    await invoke(await stack.receiveEvent());
    await sendAlone(probeBody(1, { idempotencyKey: 'same' }));
    await invoke(await stack.receiveEvent());
    expect(probe.attempts).toEqual([1]);
  });

  it(
    scenario('key_reuse_to_dlq', 'an idempotency key reused for another payload goes to the DLQ'),
    async () => {
      await sendAlone(probeBody(1, { idempotencyKey: 'same' }));
      await invoke(await stack.receiveEvent());
      const second = await sendAlone(probeBody(2, { idempotencyKey: 'same' }));
      await invoke(await stack.receiveEvent());
      expect(probe.attempts).toEqual([1]);
      expect((await stack.deadLetterReasons()).get(second)).toBe(
        'idempotency key already used for a different payload',
      );
    },
  );

  it(scenario('failed_job_runs_again', 'a failed job can run again on retry'), async () => {
    process.env.RETRY_BACKOFF_BASE_SECONDS = '0';
    service = await coldStart();
    let fail = true;
    service.jobs.JOBS.set(
      'probe',
      service.jobs.defineJob({
        name: 'probe',
        schema: ProbePayload,
        run: (payload) => {
          probe.attempts.push(payload.step);
          if (fail) return Promise.reject(new Error('not yet'));
          return Promise.resolve({ step: payload.step });
        },
      }),
    );
    const call = invoker(stack, service.handler);
    await sendAlone(probeBody(1));
    expect(failedIds(await call(await stack.receiveEvent()))).toHaveLength(1);
    fail = false;
    expect(failedIds(await call(await stack.receiveEvent()))).toEqual([]);
    expect(probe.attempts).toEqual([1, 1]);
    process.env.RETRY_BACKOFF_BASE_SECONDS = '10';
  });

  it.each(REQUIRED_VARIABLES)(
    scenario('missing_variable', 'a missing %s fails the cold start naming it'),
    async (name) => {
      const saved = process.env[name];
      Reflect.deleteProperty(process.env, name);
      try {
        await expect(coldStart()).rejects.toThrow(name);
      } finally {
        process.env[name] = saved;
      }
    },
  );

  it(scenario('malformed_number', 'a malformed number fails the cold start'), async () => {
    process.env.RECORD_CONCURRENCY = 'ten';
    await expect(coldStart()).rejects.toThrow(/RECORD_CONCURRENCY must be an integer/);
    process.env.RECORD_CONCURRENCY = '0';
    await expect(coldStart()).rejects.toThrow(/between 1 and 100; got 0/);
    Reflect.deleteProperty(process.env, 'RECORD_CONCURRENCY');
  });

  it(
    scenario('structured_logs', 'logs are JSON with message and correlation ids and no payload'),
    async () => {
      const id = await stack.send(
        probeBody(1, { note: 'secret-payload-text', correlationId: 'corr-1' }),
      );
      const { lines, raw } = await captureLogs(async () => invoke(await stack.receiveEvent()));
      expect(raw).not.toContain('secret-payload-text');
      const done = lines.find((line) => line.message === 'Job done');
      expect(done).toMatchObject({
        level: 'INFO',
        service: 'my-queue-service',
        messageId: id,
        correlationId: 'corr-1',
        jobType: 'probe',
        function_name: 'my-queue-service',
      });
    },
  );

  it(
    scenario(
      'structured_logs',
      "each log line carries its own record's keys while records interleave",
    ),
    async () => {
      service.jobs.JOBS.set(
        'probe',
        service.jobs.defineJob({
          name: 'probe',
          schema: ProbePayload,
          run: async (payload) => {
            // Finish in the reverse order of starting, so the records' work interleaves.
            await new Promise((resolve) => setTimeout(resolve, 80 - payload.step * 10));
            return { step: payload.step };
          },
        }),
      );
      const sent = new Map<string, string>();
      for (let step = 0; step < 6; step += 1) {
        sent.set(
          await sendAlone(probeBody(step, { correlationId: `corr-${step}` })),
          `corr-${step}`,
        );
      }
      const { lines } = await captureLogs(async () => invoke(await stack.receiveEvent()));
      const done = lines.filter((line) => line.message === 'Job done');
      expect(done).toHaveLength(6);
      for (const line of done) {
        expect(line.correlationId).toBe(sent.get(String(line.messageId)));
      }
    },
  );

  it(
    scenario('transient_logged', 'a transient failure is logged with its message id'),
    async () => {
      const id = await sendAlone(probeBody(1, { fail: 'transient' }));
      const { lines } = await captureLogs(async () => invoke(await stack.receiveEvent()));
      const warning = lines.find(
        (line) => line.message === 'Transient failure: the record will be retried',
      );
      expect(warning).toMatchObject({ level: 'WARN', messageId: id });
    },
  );

  it(
    scenario('records_concurrent', 'records run concurrently up to RECORD_CONCURRENCY'),
    async () => {
      process.env.RECORD_CONCURRENCY = '3';
      service = await coldStart();
      let running = 0;
      let peak = 0;
      service.jobs.JOBS.set(
        'probe',
        service.jobs.defineJob({
          name: 'probe',
          schema: ProbePayload,
          run: async (payload) => {
            running += 1;
            peak = Math.max(peak, running);
            await new Promise((resolve) => setTimeout(resolve, 50));
            running -= 1;
            return { step: payload.step };
          },
        }),
      );
      for (let step = 0; step < 8; step += 1) await sendAlone(probeBody(step));
      const response = await invoker(stack, service.handler)(await stack.receiveEvent());
      expect(failedIds(response)).toEqual([]);
      expect(peak).toBe(3);
      Reflect.deleteProperty(process.env, 'RECORD_CONCURRENCY');
    },
  );
});
