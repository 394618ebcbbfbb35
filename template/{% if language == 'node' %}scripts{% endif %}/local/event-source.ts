/**
 * Lambda's SQS event source mapping, played on this machine against any SQS endpoint.
 *
 * What it does, as the mapping does with `ReportBatchItemFailures`:
 *
 * - long-polls the queue and gathers up to the batch size within the batching window
 *   (FIFO: up to 10 messages, no window);
 * - builds the SQS event from the received messages and calls the handler in this process, with
 *   a context whose remaining time follows the function timeout;
 * - deletes the records the handler did not report failed and leaves the failed ones (the handler
 *   has already set their visibility for the retry backoff);
 * - counts the whole batch as failed, deleting nothing, when the handler throws, runs past the
 *   timeout, or reports an `itemIdentifier` that is not a messageId of the batch. The messages
 *   then come back when their visibility timeout ends.
 *
 * One invocation runs at a time, so the records of a FIFO message group are never processed out
 * of order (moto, like SQS, hands out a group's messages in order and holds the group back while
 * some of them are in flight).
 */
import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

import * as config from './config.js';

export type Handler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | undefined>;

// ReceiveMessage and DeleteMessageBatch take at most 10 messages.
const SQS_BATCH_LIMIT = 10;

/** The outcome of one handler call. */
export interface Invocation {
  messageIds: string[];
  deleted: string[];
  failed: string[];
  /** Set when the whole batch failed: why. */
  error?: string;
}

export interface Stats {
  received: number;
  succeeded: number;
  failed: number;
  invocations: number;
}

/** One Lambda SQS event record from one ReceiveMessage message. */
export function toRecord(message: Message, arn: string, region: string): SQSRecord {
  const body = message.Body ?? '';
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body,
    attributes: { ...message.Attributes } as unknown as SQSRecord['attributes'],
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
    awsRegion: region,
  };
}

/** A context like Lambda's, counting down from the function timeout. */
export function lambdaContext(timeoutMs: number): Context {
  const deadline = Date.now() + timeoutMs;
  const name = config.SERVICE_NAME;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${config.REGION}:${config.ACCOUNT_ID}:function:${name}`,
    memoryLimitInMB: String(config.LAMBDA_MEMORY_MB),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: `local/[$LATEST]${randomUUID().replaceAll('-', '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  } as Context;
}

/**
 * The messageIds the response reports failed, or undefined if it fails the whole batch.
 *
 * As Lambda reads it: no response, no `batchItemFailures` or an empty list is success; an
 * identifier that is missing or not a messageId of the batch fails the whole batch.
 */
export function failedMessageIds(response: unknown, batchIds: string[]): Set<string> | undefined {
  if (response === undefined || response === null) return new Set();
  if (typeof response !== 'object') return undefined;
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return new Set();
  if (!Array.isArray(failures)) return undefined;
  const failed = new Set<string>();
  for (const failure of failures as unknown[]) {
    const identifier =
      typeof failure === 'object' && failure !== null
        ? (failure as { itemIdentifier?: unknown }).itemIdentifier
        : undefined;
    if (typeof identifier !== 'string' || !batchIds.includes(identifier)) return undefined;
    failed.add(identifier);
  }
  return failed;
}

export interface EventSourceOptions {
  batchSize?: number;
  batchingWindowSeconds?: number;
  fifo?: boolean;
  timeoutSeconds?: number;
}

/** Feeds one queue's messages to a handler in batches, as the event source mapping does. */
export class EventSource {
  readonly batchSize: number;
  readonly batchingWindowSeconds: number;
  readonly timeoutSeconds: number;
  readonly stats: Stats = { received: 0, succeeded: 0, failed: 0, invocations: 0 };

  constructor(
    private readonly handler: Handler,
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
    private readonly queueArn: string,
    {
      batchSize = config.BATCH_SIZE,
      batchingWindowSeconds = config.BATCHING_WINDOW_SECONDS,
      fifo = config.FIFO,
      timeoutSeconds = config.LAMBDA_TIMEOUT_SECONDS,
    }: EventSourceOptions = {},
  ) {
    // FIFO mappings take at most 10 records and have no batching window.
    this.batchSize = fifo ? Math.min(batchSize, SQS_BATCH_LIMIT) : batchSize;
    this.batchingWindowSeconds = fifo ? 0 : batchingWindowSeconds;
    this.timeoutSeconds = timeoutSeconds;
  }

  private async receive(max: number, waitSeconds: number, signal?: AbortSignal) {
    const response = await this.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.queueUrl,
        MaxNumberOfMessages: Math.max(1, Math.min(SQS_BATCH_LIMIT, max)),
        WaitTimeSeconds: Math.max(0, Math.min(20, Math.floor(waitSeconds))),
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
      signal ? { abortSignal: signal } : {},
    );
    return response.Messages ?? [];
  }

  /** Long-poll for a first message, then fill the batch until the window closes. */
  async receiveBatch(waitSeconds: number, signal?: AbortSignal): Promise<Message[]> {
    const messages = await this.receive(this.batchSize, waitSeconds, signal);
    if (messages.length === 0 || this.batchingWindowSeconds <= 0) return messages;
    const windowEnds = Date.now() + this.batchingWindowSeconds * 1000;
    while (messages.length < this.batchSize && !signal?.aborted) {
      const remaining = windowEnds - Date.now();
      if (remaining <= 0) break;
      const more = await this.receive(this.batchSize - messages.length, remaining / 1000, signal);
      if (more.length > 0) messages.push(...more);
      // A short poll came back empty: let the window run on without spinning.
      else await sleep(Math.min(50, remaining));
    }
    return messages;
  }

  /** Call the handler with one event and settle the batch as Lambda would. */
  async invoke(messages: Message[]): Promise<Invocation> {
    const region = (await this.sqs.config.region()) || config.REGION;
    const records = messages.map((message) => toRecord(message, this.queueArn, region));
    const ids = records.map((record) => record.messageId);
    const timeoutMs = this.timeoutSeconds * 1000;
    const wholeBatchFails = (error: string): Invocation =>
      this.settled({ messageIds: ids, deleted: [], failed: ids, error });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => {
        resolve('timeout');
      }, timeoutMs);
    });
    let response: unknown;
    try {
      // Lambda would stop the function at the timeout; here it runs on, but the batch fails.
      response = await Promise.race([
        this.handler({ Records: records }, lambdaContext(timeoutMs)),
        timedOut,
      ]);
    } catch (error) {
      return wholeBatchFails(`the handler threw ${String(error)}`);
    } finally {
      clearTimeout(timer);
    }
    if (response === 'timeout') {
      return wholeBatchFails(`timed out after ${this.timeoutSeconds} s`);
    }
    const failed = failedMessageIds(response, ids);
    if (failed === undefined) {
      return wholeBatchFails(`invalid response ${JSON.stringify(response).slice(0, 200)}`);
    }
    const succeeded = records.filter((record) => !failed.has(record.messageId));
    await this.delete(succeeded);
    return this.settled({
      messageIds: ids,
      deleted: succeeded.map((record) => record.messageId),
      failed: ids.filter((id) => failed.has(id)),
    });
  }

  private settled(invocation: Invocation): Invocation {
    this.stats.invocations += 1;
    this.stats.received += invocation.messageIds.length;
    this.stats.succeeded += invocation.deleted.length;
    this.stats.failed += invocation.failed.length;
    return invocation;
  }

  private async delete(records: SQSRecord[]): Promise<void> {
    for (let start = 0; start < records.length; start += SQS_BATCH_LIMIT) {
      const response = await this.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: records.slice(start, start + SQS_BATCH_LIMIT).map((record, index) => ({
            Id: String(index),
            ReceiptHandle: record.receiptHandle,
          })),
        }),
      );
      for (const failure of response.Failed ?? []) {
        console.warn(`[local] could not delete a processed message: ${JSON.stringify(failure)}`);
      }
    }
  }

  /** Receive one batch and invoke the handler with it; undefined when the queue was empty. */
  async pollOnce(waitSeconds: number, signal?: AbortSignal): Promise<Invocation | undefined> {
    const messages = await this.receiveBatch(waitSeconds, signal);
    if (messages.length === 0) return undefined;
    return this.invoke(messages);
  }
}
