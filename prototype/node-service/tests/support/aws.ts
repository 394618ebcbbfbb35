/**
 * A moto account shaped like the deployed stack, a cold-started handler, and events built from
 * real ReceiveMessage output, as the event source mapping builds them.
 *
 * Every call of `createStack()` makes uniquely named resources on the shared moto server and
 * points this test file's environment at them, so tests never see each other's messages.
 */
import { createHash, randomUUID } from 'node:crypto';

import { CreateTableCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { vi } from 'vitest';

export const REGION = 'eu-west-1';
// The rendered queue type; typed boolean so both branches of the helpers type-check.
export const FIFO = false as boolean;
export const MAX_RECEIVE_COUNT = 5;
export const VISIBILITY_TIMEOUT = 300;
export const EMAIL_FROM = 'noreply@example.com';
export const SIGNING_SECRET = 'test-signing-secret';

export const sqs = new SQSClient({ region: REGION });
export const dynamodb = new DynamoDBClient({ region: REGION });
export const s3 = new S3Client({ region: REGION, forcePathStyle: true });

type Body = string | Record<string, unknown>;

export interface Stack {
  url: string;
  dlqUrl: string;
  arn: string;
  idempotencyTable: string;
  ordersTable: string;
  reportsBucket: string;
  signingSecretParam: string;
  /** Send one raw body (an object is JSON-encoded) and resolve to its message id. */
  send(
    body: Body,
    extra?: { groupId?: string; attributes?: Record<string, MessageAttributeValue> },
  ): Promise<string>;
  /** Receive up to `max` messages and return them as one Lambda event. */
  receiveEvent(max?: number): Promise<SQSEvent>;
  /** Delete the records not reported failed, as the event source mapping does. */
  deleteSucceeded(event: SQSEvent, response: SQSBatchResponse): Promise<void>;
  /** Every message now in the dead-letter queue, with its attributes (deleted once read). */
  deadLetters(): Promise<Message[]>;
  /** FailureReason of every dead letter, by the original message id (call once per test). */
  deadLetterReasons(): Promise<Map<string, string>>;
}

async function queueArn(url: string): Promise<string> {
  const response = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );
  return response.Attributes?.QueueArn ?? '';
}

async function createTable(name: string, key: string): Promise<void> {
  await dynamodb.send(
    new CreateTableCommand({
      TableName: name,
      KeySchema: [{ AttributeName: key, KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: key, AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
}

/** One Lambda SQS event record from one ReceiveMessage message. */
export function toRecord(message: Message, arn: string): SQSRecord {
  const body = message.Body ?? '';
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body,
    attributes: { ...(message.Attributes ?? {}) } as unknown as SQSRecord['attributes'],
    messageAttributes: Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
        name,
        {
          stringListValues: [],
          binaryListValues: [],
          dataType: value.DataType ?? 'String',
          ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
          ...(value.BinaryValue !== undefined
            ? { binaryValue: Buffer.from(value.BinaryValue).toString('base64') }
            : {}),
        },
      ]),
    ),
    md5OfBody: message.MD5OfBody ?? createHash('md5').update(body).digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: arn,
    awsRegion: REGION,
  };
}

export async function createStack(): Promise<Stack> {
  const id = randomUUID().slice(0, 8);
  const name = `svc-${id}`;
  const fifo = FIFO ? { FifoQueue: 'true' } : {};
  const suffix = FIFO ? '.fifo' : '';
  const dlqUrl =
    (
      await sqs.send(
        new CreateQueueCommand({ QueueName: `${name}-dlq${suffix}`, Attributes: fifo }),
      )
    ).QueueUrl ?? '';
  const dlqArn = await queueArn(dlqUrl);
  const url =
    (
      await sqs.send(
        new CreateQueueCommand({
          QueueName: `${name}${suffix}`,
          Attributes: {
            ...fifo,
            VisibilityTimeout: String(VISIBILITY_TIMEOUT),
            RedrivePolicy: JSON.stringify({
              deadLetterTargetArn: dlqArn,
              maxReceiveCount: String(MAX_RECEIVE_COUNT),
            }),
          },
        }),
      )
    ).QueueUrl ?? '';
  const arn = await queueArn(url);
  const idempotencyTable = `${name}-idempotency`;
  const ordersTable = `${name}-orders`;
  const reportsBucket = `${name}-reports`;
  const signingSecretParam = `/${name}/webhook-signing-secret`;
  await Promise.all([
    createTable(idempotencyTable, 'id'),
    createTable(ordersTable, 'orderId'),
    s3.send(
      new CreateBucketCommand({
        Bucket: reportsBucket,
        CreateBucketConfiguration: { LocationConstraint: REGION },
      }),
    ),
    new SSMClient({ region: REGION }).send(
      new PutParameterCommand({
        Name: signingSecretParam,
        Value: SIGNING_SECRET,
        Type: 'SecureString',
      }),
    ),
    new SESv2Client({ region: REGION })
      .send(new CreateEmailIdentityCommand({ EmailIdentity: EMAIL_FROM }))
      .catch(() => undefined), // one identity per account: a second create may refuse
  ]);
  Object.assign(process.env, {
    QUEUE_URL: url,
    DLQ_URL: dlqUrl,
    IDEMPOTENCY_TABLE: idempotencyTable,
    EMAIL_FROM,
    ORDERS_TABLE: ordersTable,
    REPORTS_BUCKET: reportsBucket,
    WEBHOOK_SIGNING_SECRET_PARAM: signingSecretParam,
    WEBHOOK_ALLOWED_HOSTS: '',
  });
  Reflect.deleteProperty(process.env, 'RECORD_CONCURRENCY');

  const stack: Stack = {
    url,
    dlqUrl,
    arn,
    idempotencyTable,
    ordersTable,
    reportsBucket,
    signingSecretParam,
    async send(body, extra = {}) {
      const response = await sqs.send(
        new SendMessageCommand({
          QueueUrl: url,
          MessageBody: typeof body === 'string' ? body : JSON.stringify(body),
          ...(extra.attributes ? { MessageAttributes: extra.attributes } : {}),
          ...(FIFO
            ? { MessageGroupId: extra.groupId ?? 'group-1', MessageDeduplicationId: randomUUID() }
            : {}),
        }),
      );
      return response.MessageId ?? '';
    },
    async receiveEvent(max = 10) {
      const records: SQSRecord[] = [];
      while (records.length < max) {
        const response = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: url,
            MaxNumberOfMessages: Math.min(10, max - records.length),
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
        );
        const messages = response.Messages ?? [];
        if (messages.length === 0) break;
        records.push(...messages.map((message) => toRecord(message, arn)));
      }
      return { Records: records };
    },
    async deleteSucceeded(event, response) {
      const failed = new Set(response.batchItemFailures.map((failure) => failure.itemIdentifier));
      for (const record of event.Records) {
        if (!failed.has(record.messageId)) {
          await sqs.send(
            new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: record.receiptHandle }),
          );
        }
      }
    },
    async deadLetters() {
      const messages: Message[] = [];
      for (;;) {
        const response = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: dlqUrl,
            MaxNumberOfMessages: 10,
            MessageAttributeNames: ['All'],
            MessageSystemAttributeNames: ['All'],
          }),
        );
        if (!response.Messages?.length) return messages;
        messages.push(...response.Messages);
        // Deleted once read: a FIFO queue hands out no more of a group while some are in flight.
        await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: dlqUrl,
            Entries: response.Messages.map((message, index) => ({
              Id: String(index),
              ReceiptHandle: message.ReceiptHandle,
            })),
          }),
        );
      }
    },
    async deadLetterReasons() {
      const reasons = new Map<string, string>();
      for (const message of await stack.deadLetters()) {
        const attributes = message.MessageAttributes ?? {};
        reasons.set(
          attributes.OriginalMessageId?.StringValue ?? '',
          attributes.FailureReason?.StringValue ?? '',
        );
      }
      return reasons;
    },
  };
  return stack;
}

/** A context like Lambda's, counting down from the function timeout. */
export function lambdaContext(timeoutMs = 60_000): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'my-queue-service',
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${REGION}:123456789012:function:my-queue-service`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: '/aws/lambda/my-queue-service',
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  } as Context;
}

export type HandlerModule = typeof import('../../src/handler.js');
export type JobsModule = typeof import('../../src/jobs/index.js');

/** Import the handler afresh, as a new Lambda execution environment would. */
export async function coldStart(): Promise<{ handler: HandlerModule; jobs: JobsModule }> {
  vi.resetModules();
  const handler = await import('../../src/handler.js');
  const jobs = await import('../../src/jobs/index.js');
  return { handler, jobs };
}

/** Call the handler as the event source mapping does, deleting what it did not report failed. */
export function invoker(stack: Stack, handler: HandlerModule) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const response = await handler.handler(event, lambdaContext());
    await stack.deleteSucceeded(event, response);
    return response;
  };
}

export const failedIds = (response: SQSBatchResponse): string[] =>
  response.batchItemFailures.map((failure) => failure.itemIdentifier);

/** A message body as producers send it: the envelope around `payload`. */
export function job(
  type: string,
  payload: Record<string, unknown>,
  envelope: Record<string, unknown> = {},
) {
  return { type, payload, ...envelope };
}

/** The results the idempotency store recorded for completed jobs. */
export async function storedResults(stack: Stack): Promise<unknown[]> {
  const items =
    (await dynamodb.send(new ScanCommand({ TableName: stack.idempotencyTable }))).Items ?? [];
  return items
    .filter((item) => item.status?.S === 'COMPLETED')
    .map((item) =>
      item.data?.S !== undefined
        ? (JSON.parse(item.data.S) as unknown)
        : (unmarshall(item) as { data?: unknown }).data,
    );
}

/** Log lines the service wrote to stdout and stderr while `action` ran, parsed. */
export async function captureLogs<T>(
  action: () => Promise<T>,
): Promise<{ result: T; lines: Record<string, unknown>[]; raw: string }> {
  const chunks: string[] = [];
  const record = (chunk: string | Uint8Array): boolean => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  };
  // Powertools writes DEBUG and INFO lines to stdout, WARN and ERROR lines to stderr.
  const spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation(record),
    vi.spyOn(process.stderr, 'write').mockImplementation(record),
  ];
  try {
    const result = await action();
    const raw = chunks.join('');
    const lines = raw
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    return { result, lines, raw };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}
