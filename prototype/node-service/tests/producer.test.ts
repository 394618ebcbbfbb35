import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SendMessageBatchCommandOutput,
  type SendMessageBatchRequestEntry,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { beforeEach, describe, expect, it, vi } from 'vitest';

import { REGION, createStack, type Stack } from './support/aws.js';
import { scenario } from './support/scenarios.js';

const ENVELOPE_FIELDS = [
  'correlationId',
  'createdAt',
  'idempotencyKey',
  'payload',
  'type',
  'version',
];

type ProducerModule = typeof import('../src/producer.js');

let stack: Stack;
let producer: ProducerModule;
let client: SQSClient;
let batches: SendMessageBatchRequestEntry[][];
let rawSend: (command: unknown) => Promise<unknown>;
// rawSend, recording each SendMessageBatch call in `batches`.
let recordedSend: (command: unknown) => Promise<unknown>;

const payload = (number: number, extra: Record<string, unknown> = {}) => ({
  number,
  customerId: 'c-1',
  ...extra,
});
const messages = (count: number, extra: Record<string, unknown> = {}) =>
  Array.from({ length: count }, (_, number) => ({
    type: 'process_order',
    payload: payload(number, extra),
  }));

/** `count` messages dealt in turn to `groups` customers (FIFO: message groups). */
const spread = (count: number, groups: number) =>
  Array.from({ length: count }, (_, number) => ({
    type: 'process_order',
    payload: payload(number, { customerId: `c-${number % groups}` }),
  }));

/** Receive and delete everything on the main queue. */
async function drain(): Promise<Message[]> {
  const received: Message[] = [];
  for (;;) {
    const batch =
      (
        await client.send(
          new ReceiveMessageCommand({ QueueUrl: stack.url, MaxNumberOfMessages: 10 }),
        )
      ).Messages ?? [];
    if (batch.length === 0) return received;
    received.push(...batch);
    await client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: stack.url,
        Entries: batch.map((message, index) => ({
          Id: String(index),
          ReceiptHandle: message.ReceiptHandle,
        })),
      }),
    );
  }
}

const numberOf = (message: Message): number =>
  (JSON.parse(message.Body ?? '{}') as { payload: { number: number } }).payload.number;

/** A producer on the test queue that records its SendMessageBatch calls and does not sleep. */
function sender(options: { maxInFlight?: number; maxAttempts?: number } = {}) {
  return new producer.Producer(stack.url, { client, backoffMs: 0, ...options });
}

const bodyBytes = (batch: SendMessageBatchRequestEntry[]) =>
  batch.reduce((sum, entry) => sum + Buffer.byteLength(entry.MessageBody ?? '', 'utf8'), 0);

beforeEach(async () => {
  stack = await createStack();
  vi.resetModules();
  producer = await import('../src/producer.js');
  client = new SQSClient({ region: REGION });
  batches = [];
  const send = client.send.bind(client) as (command: unknown) => Promise<unknown>;
  rawSend = send;
  recordedSend = (command) => {
    if (command instanceof SendMessageBatchCommand)
      batches.push([...(command.input.Entries ?? [])]);
    return send(command);
  };
  vi.spyOn(client, 'send').mockImplementation(recordedSend as typeof client.send);
});

describe('producer', () => {
  it(scenario('producer_envelope', 'sendMessage enqueues the full envelope'), async () => {
    const id = await producer.sendMessage(
      'send_email',
      { to: 'ana@example.com', customerId: 'c-1' },
      {
        idempotencyKey: 'k-1',
        correlationId: 'c-1',
      },
    );
    const [message] = await drain();
    expect(message?.MessageId).toBe(id);
    const body = JSON.parse(message?.Body ?? '{}') as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(ENVELOPE_FIELDS);
    expect(body).toMatchObject({
      type: 'send_email',
      payload: { to: 'ana@example.com', customerId: 'c-1' },
      version: 1,
      idempotencyKey: 'k-1',
      correlationId: 'c-1',
    });
    expect(body.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    // What the producer sends, the consumer accepts.
    const { parseEnvelope } = await import('../src/envelope.js');
    expect(parseEnvelope(message?.Body ?? '').type).toBe('send_email');
  });

  it(scenario('producer_envelope', 'keys are generated when not given'), async () => {
    await producer.sendMessage('send_email', { customerId: 'c-1' });
    await producer.sendMessage('send_email', { customerId: 'c-1' });
    const bodies = (await drain()).map(
      (message) => JSON.parse(message.Body ?? '{}') as Record<string, string>,
    );
    expect(bodies).toHaveLength(2);
    expect(bodies[0]?.idempotencyKey).not.toBe(bodies[1]?.idempotencyKey);
    expect(bodies[0]?.correlationId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it(
    scenario('producer_count_batching', '25 messages take 3 batch calls and keep input order'),
    async () => {
      const result = await sender().sendBatch(messages(25));
      expect(result.failed).toEqual([]);
      expect(batches.map((batch) => batch.length).sort()).toEqual([10, 10, 5]);
      const received = await drain();
      const byId = new Map(received.map((message) => [message.MessageId, numberOf(message)]));
      expect(result.messageIds.map((id) => byId.get(id))).toEqual([...Array(25).keys()]);
    },
  );

  it(
    scenario('producer_byte_batching', 'large messages are split so no batch exceeds 1 MiB'),
    async () => {
      const result = await sender().sendBatch(messages(6, { filler: 'x'.repeat(300_000) }));
      expect(result.failed).toEqual([]);
      expect(batches.length).toBeGreaterThan(1);
      for (const batch of batches)
        expect(bodyBytes(batch)).toBeLessThanOrEqual(producer.MAX_BATCH_BYTES);
      expect(await drain()).toHaveLength(6);
    },
  );

  it(scenario('producer_byte_batching', 'batch size counts bytes, not characters'), async () => {
    // 150,000 three-byte characters: 450 KB each, so three do not fit in one request.
    const result = await sender().sendBatch(messages(3, { filler: '€'.repeat(150_000) }));
    expect(result.failed).toEqual([]);
    expect(batches.map((batch) => batch.length)).toEqual([2, 1].sort().reverse());
    for (const batch of batches)
      expect(bodyBytes(batch)).toBeLessThanOrEqual(producer.MAX_BATCH_BYTES);
  });

  it(
    scenario('producer_too_large', 'a message over 1 MiB is reported and the others are sent'),
    async () => {
      const big = {
        type: 'process_order',
        payload: payload(1, { filler: 'x'.repeat(producer.MAX_MESSAGE_BYTES) }),
      };
      const result = await sender().sendBatch([
        { type: 'process_order', payload: payload(0) },
        big,
        { type: 'process_order', payload: payload(2) },
      ]);
      expect(result.messageIds).toHaveLength(2);
      expect(result.failed).toHaveLength(1);
      expect(result.failed[0]?.code).toBe('MessageTooLong');
      expect(result.failed[0]?.message).toBe(big);
      expect(() => {
        result.throwIfFailed();
      }).toThrow(producer.SendError);
      expect((await drain()).map(numberOf).sort()).toEqual([0, 2]);
    },
  );

  it(scenario('producer_too_large', 'sendMessage throws for a message over 1 MiB'), async () => {
    await expect(
      producer.sendMessage('x', {
        customerId: 'c-1',
        filler: 'x'.repeat(producer.MAX_MESSAGE_BYTES),
      }),
    ).rejects.toThrow(/1 message\(s\) were not sent \(MessageTooLong: /);
  });

  /** Make SQS fail the given entries (by Id) on the next `times` calls. */
  function failEntries(ids: string[], times: number, senderFault = false): void {
    let calls = 0;
    const real = recordedSend;
    vi.spyOn(client, 'send').mockImplementation((async (command: unknown) => {
      if (!(command instanceof SendMessageBatchCommand) || calls >= times) return real(command);
      calls += 1;
      const entries = command.input.Entries ?? [];
      batches.push([...entries]);
      const passing = entries.filter((entry) => !ids.includes(entry.Id ?? ''));
      const sent = passing.length
        ? ((await rawSend(
            new SendMessageBatchCommand({ ...command.input, Entries: passing }),
          )) as SendMessageBatchCommandOutput)
        : { Successful: [] };
      return {
        Successful: sent.Successful ?? [],
        Failed: entries
          .filter((entry) => ids.includes(entry.Id ?? ''))
          .map((entry) => ({
            Id: entry.Id,
            SenderFault: senderFault,
            Code: senderFault ? 'InvalidParameterValue' : 'InternalError',
            Message: 'no',
          })),
      };
    }) as typeof client.send);
  }

  it(scenario('producer_retries', 'entries failed on the SQS side are retried'), async () => {
    failEntries(['1', '3'], 2);
    const result = await sender().sendBatch(messages(5));
    expect(result.failed).toEqual([]);
    expect(result.messageIds).toHaveLength(5);
    expect(batches.map((batch) => batch.map((entry) => entry.Id))).toEqual([
      ['0', '1', '2', '3', '4'],
      ['1', '3'],
      ['1', '3'],
    ]);
    expect((await drain()).map(numberOf).sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it(scenario('producer_retries', 'sender-fault entries are reported without retry'), async () => {
    failEntries(['2'], 5, true);
    const result = await sender().sendBatch(messages(3));
    expect(result.messageIds).toHaveLength(2);
    expect(result.failed.map((failure) => failure.code)).toEqual(['InvalidParameterValue']);
    expect(batches).toHaveLength(1);
  });

  it(
    scenario('producer_retries', 'entries still failing after max attempts are reported'),
    async () => {
      failEntries(['0'], 100);
      const result = await sender({ maxAttempts: 3 }).sendBatch(messages(2));
      expect(result.messageIds).toHaveLength(1);
      expect(result.failed.map((failure) => failure.code)).toEqual(['InternalError']);
      expect(batches).toHaveLength(3);
    },
  );

  it(scenario('producer_retries', 'a throttled batch is retried whole'), async () => {
    let throttled = 0;
    const real = recordedSend;
    vi.spyOn(client, 'send').mockImplementation(((command: unknown) => {
      if (command instanceof SendMessageBatchCommand && throttled < 2) {
        throttled += 1;
        return Promise.reject(
          Object.assign(new Error('Rate exceeded'), { name: 'RequestThrottled' }),
        );
      }
      return real(command);
    }) as typeof client.send);
    const result = await sender().sendBatch(messages(4));
    expect(result.failed).toEqual([]);
    expect(result.messageIds).toHaveLength(4);
  });

  it(scenario('producer_retries', 'an error other than throttling rejects'), async () => {
    const result = new producer.Producer(`${stack.url}-missing`, {
      client,
      backoffMs: 0,
    }).sendBatch(messages(2));
    await expect(result).rejects.toThrow();
  });

  it(
    scenario('producer_in_flight', 'batches go concurrently but never more than maxInFlight'),
    async () => {
      let running = 0;
      let peak = 0;
      const real = recordedSend;
      vi.spyOn(client, 'send').mockImplementation((async (command: unknown) => {
        running += 1;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, 30));
        try {
          return await real(command);
        } finally {
          running -= 1;
        }
      }) as typeof client.send);
      const result = await sender({ maxInFlight: 3 }).sendBatch(spread(80, 10));
      expect(result.failed).toEqual([]);
      expect(result.messageIds).toHaveLength(80);
      expect(peak).toBe(3);
      expect(new Set(result.messageIds).size).toBe(80);
    },
  );

  it(scenario('producer_in_flight', 'maxInFlight must be at least 1'), () => {
    expect(() => sender({ maxInFlight: 0 })).toThrow(/maxInFlight must be at least 1/);
  });

  it(scenario('producer_delay', 'delaySeconds is passed'), async () => {
    await sender().sendBatch([
      { type: 'x', payload: {}, delaySeconds: 5 },
      { type: 'x', payload: {} },
    ]);
    expect(batches[0]?.map((entry) => entry.DelaySeconds)).toEqual([5, undefined]);
  });
});
