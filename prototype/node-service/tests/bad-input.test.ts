/**
 * Property-based tests: whatever a message body holds, the consumer copes with it.
 *
 * fast-check generates bodies no producer of this package sends: text that is not JSON, JSON of
 * the wrong shape, deep nesting, huge strings, unknown job types, a value of the wrong type in
 * each envelope field and in each field of each job's payload, and unknown payload fields. For
 * every such record the consumer must
 * - forward it to the dead-letter queue at once, with a non-empty FailureReason that SQS accepts
 *   as a message attribute (at most 1024 characters of the kinds SQS allows);
 * - not report it in batchItemFailures: it is handled, not retried;
 * - never fail the batch as a whole: a valid record in the same batch still runs;
 * - log a warning with its message id, and nothing of the body: a marker string that travels in
 *   every bad body must not show up in the captured output.
 *
 * Every event is built from real ReceiveMessage output of the moto queue.
 */
import { randomUUID } from 'node:crypto';

import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import * as z from 'zod';

import { captureLogs, coldStart, createStack, invoker, type Stack } from './support/aws.js';
import { scenario } from './support/scenarios.js';

// Travels in every bad body; finding it in the logs means the body leaked into them.
const MARKER = `marker${randomUUID().replaceAll('-', '')}`;
const RUNS = { numRuns: 5, endOnFailure: true } as const;

/** Whether SQS takes `text` as a message body or a string attribute value. */
function sqsAccepts(text: string): boolean {
  for (const character of text) {
    const code = character.codePointAt(0) ?? 0;
    const ok =
      code === 0x9 ||
      code === 0xa ||
      code === 0xd ||
      (code >= 0x20 && code <= 0xd7ff) ||
      (code >= 0xe000 && code <= 0xfffd) ||
      code >= 0x10000;
    if (!ok) return false;
  }
  return true;
}

const VALID_PAYLOADS: Record<string, Record<string, unknown>> = {
  send_email: { to: 'ana@example.com', subject: 'Hi', body: '<p>Hi</p>' },
  process_order: {
    orderId: 'o-1',
    customerId: 'c-1',
    currency: 'EUR',
    items: [{ sku: 'A', quantity: 1, unitPrice: 1.5 }],
    total: 1.5,
  },
  generate_report: { reportName: 'r', columns: ['a'], rows: [['x']] },
  webhook: { url: 'https://partner.example.com/hooks', event: 'e', data: {} },
};

const JSON_KINDS = ['null', 'boolean', 'integer', 'number', 'string', 'array', 'object'] as const;
type Kind = (typeof JSON_KINDS)[number];

function kindOf(value: unknown): Kind {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value as Kind;
}

const valueOfKind: Record<Kind, fc.Arbitrary<unknown>> = {
  null: fc.constant(null),
  boolean: fc.boolean(),
  integer: fc.integer(),
  number: fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Number.isInteger(n)),
  string: fc.string(),
  array: fc.array(fc.jsonValue(), { maxLength: 3 }),
  object: fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 }),
};

/**
 * A value of a JSON kind the field refuses: any kind but its own (an amount, a number, also takes
 * an integer and a string; an optional field also takes null).
 */
function wrongKind(value: unknown, optional = false): fc.Arbitrary<unknown> {
  const kind = kindOf(value);
  const refused = JSON_KINDS.filter(
    (other) =>
      other !== kind &&
      !(kind === 'number' && (other === 'integer' || other === 'string')) &&
      !(kind === 'string' && other === 'null' && optional),
  );
  return fc.constantFrom(...refused).chain((other) => valueOfKind[other]);
}

const sqsText = fc.string({ unit: 'grapheme', maxLength: 200 }).filter(sqsAccepts);

let stack: Stack;
let service: Awaited<ReturnType<typeof coldStart>>;
let valid: string[];

beforeEach(async () => {
  stack = await createStack();
  service = await coldStart();
  valid = [];
  service.jobs.JOBS.set(
    'probe',
    service.jobs.defineJob({
      name: 'probe',
      schema: z.object({ step: z.string() }),
      run: (payload) => {
        valid.push(payload.step);
        return Promise.resolve({ ok: true });
      },
    }),
  );
});

/** Send the bad bodies and one valid one in a batch; check the consumer's promises. */
async function check(bodies: string[]): Promise<void> {
  const step = randomUUID();
  const badIds = await Promise.all(bodies.map((body) => stack.send(body)));
  await stack.send({ type: 'probe', payload: { step } });
  const event = await stack.receiveEvent();
  expect(event.Records).toHaveLength(bodies.length + 1);
  const invoke = invoker(stack, service.handler);
  const { result, raw, lines } = await captureLogs(() => invoke(event));
  expect(result.batchItemFailures).toEqual([]);
  expect(valid).toContain(step);
  const reasons = await stack.deadLetterReasons();
  for (const id of badIds) {
    const reason = reasons.get(id) ?? '';
    expect(reason.length).toBeGreaterThan(0);
    expect(reason.length).toBeLessThanOrEqual(1024);
    expect(sqsAccepts(reason)).toBe(true);
    expect(lines.some((line) => line.messageId === id && line.level === 'WARN')).toBe(true);
  }
  expect(raw).not.toContain(MARKER);
}

describe('bad input', () => {
  it(scenario('bad_input_not_json', 'text that is not JSON goes to the DLQ'), async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(sqsText, { minLength: 1, maxLength: 9 }), async (texts) => {
        await check(texts.map((text) => `${MARKER}${text}`));
      }),
      RUNS,
    );
  });

  it(scenario('bad_input_any_shape', 'JSON of any other shape goes to the DLQ'), async () => {
    const shapes = fc.oneof(
      fc.jsonValue().map((value) => [MARKER, value]),
      fc
        .dictionary(fc.string(), fc.jsonValue(), { maxKeys: 4 })
        .map((value) => ({ ...value, note: MARKER })),
      fc.jsonValue().map((payload) => ({ type: 'probe', payload: [payload, MARKER] })),
      fc.constant({ payload: { note: MARKER } }),
      fc.integer({ min: 1, max: 1500 }).map((depth) => ({
        type: 'probe',
        payload: {
          step: JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`) as unknown,
          note: MARKER,
        },
      })),
      fc
        .integer({ min: 100, max: 1500 })
        .map(
          (depth) => JSON.parse(`${'['.repeat(depth)}"${MARKER}"${']'.repeat(depth)}`) as unknown,
        ),
      fc
        .integer({ min: 300, max: 100_000 })
        .map((length) => ({ type: 'x'.repeat(length), payload: { note: MARKER } })),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(shapes, { minLength: 1, maxLength: 9 }), async (values) => {
        await check(values.map((value) => JSON.stringify(value)));
      }),
      RUNS,
    );
  });

  it(
    scenario('bad_input_any_shape', 'an unknown job type goes to the DLQ, named safely'),
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.string({ minLength: 1, maxLength: 64 }), { minLength: 1, maxLength: 9 }),
          async (types) => {
            fc.pre(types.every((type) => !service.jobs.JOBS.has(type)));
            await check(types.map((type) => JSON.stringify({ type, payload: { note: MARKER } })));
          },
        ),
        RUNS,
      );
    },
  );

  it(
    scenario('bad_input_wrong_types', 'a wrong type in any envelope field goes to the DLQ'),
    async () => {
      const envelope = {
        type: 'probe',
        payload: { step: 's' },
        version: 1,
        idempotencyKey: MARKER,
        correlationId: 'c',
        createdAt: '2026-11-26T12:00:00Z',
      };
      const field = fc.constantFrom(...(Object.keys(envelope) as (keyof typeof envelope)[]));
      const optional = new Set(['idempotencyKey', 'correlationId', 'createdAt']);
      const bad = field.chain((name) =>
        wrongKind(envelope[name], optional.has(name)).map((value) => ({
          ...envelope,
          [name]: value,
        })),
      );
      await fc.assert(
        fc.asyncProperty(fc.array(bad, { minLength: 1, maxLength: 9 }), async (values) => {
          await check(values.map((value) => JSON.stringify(value)));
        }),
        RUNS,
      );
    },
  );

  it(
    scenario('bad_input_wrong_types', 'a wrong type in any payload field goes to the DLQ'),
    async () => {
      const bad = fc.constantFrom(...Object.keys(VALID_PAYLOADS)).chain((type) => {
        const payload = VALID_PAYLOADS[type] ?? {};
        return fc.constantFrom(...Object.keys(payload)).chain((name) =>
          wrongKind(payload[name]).map((value) => ({
            type,
            payload: { ...payload, [name]: value },
            idempotencyKey: MARKER,
          })),
        );
      });
      await fc.assert(
        fc.asyncProperty(fc.array(bad, { minLength: 1, maxLength: 9 }), async (values) => {
          await check(values.map((value) => JSON.stringify(value)));
        }),
        RUNS,
      );
    },
  );

  it(
    scenario(
      'bad_input_unknown_fields',
      'a payload with unknown fields goes to the DLQ, names quoted safely',
    ),
    async () => {
      const name = fc.string({ minLength: 1, maxLength: 300 });
      const bad = fc.constantFrom(...Object.keys(VALID_PAYLOADS)).chain((type) =>
        fc
          .dictionary(name, fc.jsonValue(), { minKeys: 1, maxKeys: 3 })
          .filter((extra) =>
            Object.keys(extra).every((key) => !(key in (VALID_PAYLOADS[type] ?? {}))),
          )
          .map((extra) => ({
            type,
            payload: { ...VALID_PAYLOADS[type], ...extra },
            idempotencyKey: MARKER,
          })),
      );
      await fc.assert(
        fc.asyncProperty(fc.array(bad, { minLength: 1, maxLength: 9 }), async (values) => {
          await check(values.map((value) => JSON.stringify(value)));
        }),
        RUNS,
      );
    },
  );

  it(
    scenario('bad_input_no_payload_logged', 'debug logging keeps bodies out of the logs'),
    async () => {
      process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
      try {
        service = await coldStart();
        service.jobs.JOBS.set(
          'probe',
          service.jobs.defineJob({
            name: 'probe',
            schema: z.object({ step: z.string() }),
            run: (payload) => {
              valid.push(payload.step);
              return Promise.resolve({ ok: true });
            },
          }),
        );
        await check([
          `${MARKER} not json`,
          JSON.stringify({ type: 'send_email', payload: { to: MARKER } }),
        ]);
      } finally {
        Reflect.deleteProperty(process.env, 'POWERTOOLS_LOG_LEVEL');
      }
    },
  );
});
