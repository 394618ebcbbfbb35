/**
 * A cold start builds each AWS client once, however many records of its first batch ask for it.
 *
 * Records run concurrently: a client created after an `await` would be built once per record
 * that got there first. Every SDK client class the service uses is wrapped to count what it
 * builds (clients that Powertools builds inside its own packages are not seen here).
 */
import { readFileSync } from 'node:fs';

import { expect, it, vi } from 'vitest';

import { coldStart, createStack, invoker } from './support/aws.js';
import { scenario } from './support/scenarios.js';

const built = vi.hoisted(() => new Map<string, number>());
const counted = vi.hoisted(
  () =>
    <Client extends abstract new (...args: never) => object>(
      name: string,
      client: Client,
    ): Client =>
      new Proxy(client, {
        construct(target, args, newTarget) {
          built.set(name, (built.get(name) ?? 0) + 1);
          return Reflect.construct(target, args, newTarget) as object;
        },
      }),
);

vi.mock('@aws-sdk/client-dynamodb', async (importOriginal) => {
  const sdk = await importOriginal<typeof import('@aws-sdk/client-dynamodb')>();
  return { ...sdk, DynamoDBClient: counted('dynamodb', sdk.DynamoDBClient) };
});
vi.mock('@aws-sdk/client-s3', async (importOriginal) => {
  const sdk = await importOriginal<typeof import('@aws-sdk/client-s3')>();
  return { ...sdk, S3Client: counted('s3', sdk.S3Client) };
});
vi.mock('@aws-sdk/client-sesv2', async (importOriginal) => {
  const sdk = await importOriginal<typeof import('@aws-sdk/client-sesv2')>();
  return { ...sdk, SESv2Client: counted('sesv2', sdk.SESv2Client) };
});
vi.mock('@aws-sdk/client-sqs', async (importOriginal) => {
  const sdk = await importOriginal<typeof import('@aws-sdk/client-sqs')>();
  return { ...sdk, SQSClient: counted('sqs', sdk.SQSClient) };
});

const SAMPLES = readFileSync(new URL('../messages.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '');
// Each kind of message needs its clients: its job's, the dead-letter queue's, the store's.
const BODIES = [...SAMPLES, 'not json'];

/** Clients built by a cold start and one batch of `records` sample messages. */
async function clientsBuiltByAColdBatch(records: number): Promise<Map<string, number>> {
  const stack = await createStack();
  for (let number = 0; number < records; number += 1) {
    // Each in its own group: on a FIFO queue, records of one group run one at a time.
    await stack.send(BODIES[number % BODIES.length] ?? '', { groupId: `group-${number}` });
  }
  const event = await stack.receiveEvent();
  expect(event.Records).toHaveLength(records);
  // The sample webhook goes to http://127.0.0.1: allowed, it fetches the signing secret.
  process.env.WEBHOOK_ALLOWED_HOSTS = '127.0.0.1';
  process.env.RECORD_CONCURRENCY = '10';
  built.clear();
  const invoke = invoker(stack, (await coldStart()).handler);
  await invoke(event);
  return new Map(built);
}

it(
  scenario('clients_created_once', 'a cold start builds each client once however many records ask'),
  async () => {
    const oneEach = await clientsBuiltByAColdBatch(BODIES.length);
    const ten = await clientsBuiltByAColdBatch(10);
    expect(ten).toEqual(oneEach);
    expect(oneEach.get('sqs')).toBe(1); // the dead letter's
  },
);
