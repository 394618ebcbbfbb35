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
 * Each message ends in one of four counts (`Stats`): succeeded; dead-lettered, when the handler
 * reported it done after forwarding it to the DLQ with a reason (seen as the consumer's
 * SendMessage to the DLQ carrying the record's id as `OriginalMessageId`); moved by SQS, when its
 * last attempt under the queue's `maxReceiveCount` failed; and retrying while neither has
 * happened yet.
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
  type SendMessageCommandInput,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

import { ORIGINAL_MESSAGE_ID_ATTRIBUTE } from '../../src/dead-letter.js';
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

/** What became of the messages handed to the handler. */
export interface Stats {
  /** Records handed to the handler, retries included. */
  received: number;
  /** Messages the handler reported done, and deleted. */
  succeeded: number;
  /** Messages the handler reported done after forwarding them to the DLQ with a reason. */
  deadLettered: number;
  /** Messages whose last attempt failed and that SQS will deliver again. */
  retrying: number;
  /** Messages whose last allowed attempt failed: SQS moves them to the DLQ, without a reason. */
  movedBySqs: number;
  /** Failed attempts: records reported failed, or in a batch that failed as a whole. */
  failed: number;
  /** SendMessage calls to the DLQ: at least once, so a retried batch may forward again. */
  forwardedToDlq: number;
  invocations: number;
  batchErrors: number;
}

/** The counts `make local` shows, in the words and order both runtimes use. */
export function outcomes(stats: Stats): string {
  return (
    `received ${stats.received} | succeeded ${stats.succeeded}, ` +
    `dead-lettered ${stats.deadLettered} (forwarded with a reason), ` +
    `retrying ${stats.retrying}, moved by SQS ${stats.movedBySqs}`
  );
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
  /** The attempts SQS allows before it moves a message to the DLQ (undefined: it never does). */
  maxReceiveCount?: number;
}

/** Feeds one queue's messages to a handler in batches, as the event source mapping does. */
export class EventSource {
  readonly batchSize: number;
  readonly batchingWindowSeconds: number;
  readonly timeoutSeconds: number;
  readonly maxReceiveCount: number | undefined;
  readonly stats: Stats = {
    received: 0,
    succeeded: 0,
    deadLettered: 0,
    retrying: 0,
    movedBySqs: 0,
    failed: 0,
    forwardedToDlq: 0,
    invocations: 0,
    batchErrors: 0,
  };
  // Ids the consumer forwarded to the DLQ during the current invocation.
  private readonly forwarded = new Set<string>();
  private readonly retrying = new Set<string>();

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
      maxReceiveCount,
    }: EventSourceOptions = {},
  ) {
    this.maxReceiveCount = maxReceiveCount;
    // FIFO mappings take at most 10 records and have no batching window.
    this.batchSize = fifo ? Math.min(batchSize, SQS_BATCH_LIMIT) : batchSize;
    this.batchingWindowSeconds = fifo ? 0 : batchingWindowSeconds;
    this.timeoutSeconds = timeoutSeconds;
  }

  /** Count the consumer's SendMessage calls to the DLQ: it forwarding permanent failures. */
  watchDeadLetterForwards(client: SQSClient, dlqUrl: string): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as Partial<SendMessageCommandInput>;
        if (context.commandName === 'SendMessageCommand' && input.QueueUrl === dlqUrl) {
          this.stats.forwardedToDlq += 1;
          const original = input.MessageAttributes?.[ORIGINAL_MESSAGE_ID_ATTRIBUTE]?.StringValue;
          if (original !== undefined) this.forwarded.add(original);
        }
        return next(args);
      },
      { step: 'initialize', name: 'countDeadLetterForwards' },
    );
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
      this.settled({ messageIds: ids, deleted: [], failed: ids, error }, records);
    this.forwarded.clear();
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
    return this.settled(
      {
        messageIds: ids,
        deleted: succeeded.map((record) => record.messageId),
        failed: ids.filter((id) => failed.has(id)),
      },
      records,
    );
  }

  private settled(invocation: Invocation, records: SQSRecord[]): Invocation {
    const stats = this.stats;
    stats.invocations += 1;
    stats.received += invocation.messageIds.length;
    stats.failed += invocation.failed.length;
    if (invocation.error !== undefined) stats.batchErrors += 1;
    for (const id of invocation.deleted) {
      this.retrying.delete(id);
      if (this.forwarded.has(id)) stats.deadLettered += 1;
      else stats.succeeded += 1;
    }
    const failed = new Set(invocation.failed);
    for (const record of records) {
      if (!failed.has(record.messageId)) continue;
      const attempts = Number(record.attributes.ApproximateReceiveCount || '1');
      if (this.maxReceiveCount !== undefined && attempts >= this.maxReceiveCount) {
        // SQS moves it to the DLQ instead of delivering it again.
        this.retrying.delete(record.messageId);
        stats.movedBySqs += 1;
      } else {
        this.retrying.add(record.messageId);
      }
    }
    stats.retrying = this.retrying.size;
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
