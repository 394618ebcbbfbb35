/**
 * Send jobs to the queue: one at a time, or in batches that respect every SQS limit.
 *
 *     import { sendBatch, sendMessage } from './producer.js';
 *
 *     await sendMessage('send_email', { to: 'ana@example.com', subject: 'Hi', body: '<p>Hi</p>' });
 *     const result = await sendBatch(orders.map((order) => ({ type: 'process_order', payload: order })));
 *     result.throwIfFailed();
 *
 * Each message is wrapped in the envelope (`type`, `payload`, `version`, `idempotencyKey`,
 * `correlationId`, `createdAt`). `sendBatch` groups messages into SendMessageBatch calls of at
 * most 10 entries and 1 MiB, sends up to `maxInFlight` (default 10) of them at a time, retries
 * entries SQS failed on its side with exponential backoff (a whole batch too, when SQS still
 * throttles it after the SDK's own retries), and reports entries that still failed instead of
 * throwing.
 *
 * FIFO: the message group is the payload's `customerId` field unless `groupId` is given. The
 * deduplication id is derived from the idempotency key, so the same job sent twice within five
 * minutes is enqueued once.
 *
 * Order within a group: the batches carrying one group are sent one after another, never two at
 * once, so SQS gets a group's messages in the order given. An entry SQS failed on its side is
 * retried before the next batch of its group goes: it can land after entries of its group that
 * shared its batch, never after later ones. An entry that finally fails leaves a gap; the rest
 * of its group is sent.
 */
import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import {
  type BatchResultErrorEntry,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SendMessageBatchResultEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';

import { sqs } from './clients.js';
import { type Envelope } from './envelope.js';
import { requiredEnv } from './settings.js';

// SQS limits: a message and a whole SendMessageBatch request carry at most 1 MiB, and a batch
// holds at most 10 entries.
export const MAX_MESSAGE_BYTES = 1_048_576;
export const MAX_BATCH_BYTES = 1_048_576;
export const MAX_BATCH_ENTRIES = 10;
// Error codes of a throttled request: SQS took none of its entries.
const THROTTLING_ERRORS = new Set(['ThrottlingException', 'RequestThrottled']);
const DEFAULT_MAX_IN_FLIGHT = 10;
const FIFO_GROUP_FIELD = 'customerId';

/** Options of one message. Unset keys are generated: a new idempotency and correlation id. */
export interface MessageOptions {
  idempotencyKey?: string;
  correlationId?: string;
  /** The message group; by default the payload's `customerId`. */
  groupId?: string;
}

/** A job to enqueue. */
export interface OutgoingMessage extends MessageOptions {
  type: string;
  payload: Record<string, unknown>;
}

export interface FailedMessage {
  message: OutgoingMessage;
  code: string;
  reason: string;
}

/** Messages could not be sent (too large, refused by SQS, or out of retries). */
export class SendError extends Error {
  override readonly name = 'SendError';
}

/** Message ids of what was sent, in input order, and what could not be sent. */
export class BatchResult {
  constructor(
    readonly messageIds: string[] = [],
    readonly failed: FailedMessage[] = [],
  ) {}

  throwIfFailed(): void {
    if (this.failed.length > 0) {
      const summary = this.failed
        .slice(0, 5)
        .map((item) => `${item.code}: ${item.reason}`)
        .join('; ');
      throw new SendError(`${this.failed.length} message(s) were not sent (${summary})`);
    }
  }
}

interface Entry {
  message: OutgoingMessage;
  index: number; // position in the caller's messages; its request Id is String(index)
  request: SendMessageBatchRequestEntry;
  size: number;
}

/** What the lanes sent and gave up on, by input index. */
interface Outcome {
  sent: Map<number, string>;
  failed: Map<number, FailedMessage>;
}

export interface ProducerOptions {
  client?: SQSClient;
  maxAttempts?: number;
  backoffMs?: number;
  maxInFlight?: number;
}

/** Sends messages to one queue; `sendMessage` and `sendBatch` use the one for QUEUE_URL. */
export class Producer {
  readonly client: SQSClient;
  readonly maxAttempts: number;
  readonly backoffMs: number;
  readonly maxInFlight: number;

  constructor(
    readonly queueUrl: string,
    {
      client,
      maxAttempts = 5,
      backoffMs = 200,
      maxInFlight = DEFAULT_MAX_IN_FLIGHT,
    }: ProducerOptions = {},
  ) {
    if (!Number.isInteger(maxInFlight) || maxInFlight < 1) {
      throw new RangeError(`maxInFlight must be at least 1, got ${maxInFlight}`);
    }
    this.client = client ?? sqs();
    this.maxAttempts = maxAttempts;
    this.backoffMs = backoffMs;
    this.maxInFlight = maxInFlight;
  }

  /** Send one message and resolve to its SQS message id; reject with SendError if it fails. */
  async sendMessage(message: OutgoingMessage): Promise<string> {
    const result = await this.sendBatch([message]);
    result.throwIfFailed();
    return result.messageIds[0] as string;
  }

  /**
   * Send the messages, up to `maxInFlight` requests at a time.
   *
   * Each message ends up once, in `messageIds` or in `failed`, both in input order whatever order
   * the requests finished in. An error other than throttling (no such queue, access denied)
   * rejects; batches not started by then are not sent.
   */
  async sendBatch(messages: Iterable<OutgoingMessage>): Promise<BatchResult> {
    const entries: Entry[] = [];
    const outcome: Outcome = { sent: new Map(), failed: new Map() };
    let index = 0;
    for (const message of messages) {
      const entry = this.entry(message, index++);
      if (entry.size > MAX_MESSAGE_BYTES) {
        outcome.failed.set(entry.index, {
          message,
          code: 'MessageTooLong',
          reason: `${entry.size} bytes exceeds the SQS limit of ${MAX_MESSAGE_BYTES}`,
        });
      } else {
        entries.push(entry);
      }
    }
    const lanes = dealLanes(entries, this.maxInFlight);
    await this.sendLanes(lanes, outcome);
    return new BatchResult(
      entries.flatMap((entry) => {
        const id = outcome.sent.get(entry.index);
        return id === undefined ? [] : [id];
      }),
      [...outcome.failed.entries()].sort(([a], [b]) => a - b).map(([, failure]) => failure),
    );
  }

  /** Send each lane's batches in turn, at most maxInFlight lanes at a time. */
  private async sendLanes(lanes: Entry[][][], outcome: Outcome): Promise<void> {
    let next = 0;
    // An object, not a let: the workers' closures share and change it.
    const state = { stopped: false };
    const stopped = (): boolean => state.stopped;
    const worker = async (): Promise<void> => {
      while (!stopped() && next < lanes.length) {
        const lane = lanes[next++] as Entry[][];
        for (const chunk of lane) {
          // Another lane failed: the error reaches the caller, so send nothing more.
          if (stopped()) return;
          try {
            await this.sendChunk(chunk, outcome);
          } catch (error) {
            state.stopped = true;
            throw error;
          }
        }
      }
    };
    const workers = Array.from({ length: Math.min(this.maxInFlight, lanes.length) }, worker);
    const results = await Promise.allSettled(workers);
    const rejected = results.find((result) => result.status === 'rejected');
    if (rejected) throw rejected.reason;
  }

  private entry(message: OutgoingMessage, index: number): Entry {
    const envelope: Envelope = {
      type: message.type,
      payload: message.payload,
      version: 1,
      idempotencyKey: message.idempotencyKey ?? randomUUID(),
      correlationId: message.correlationId ?? randomUUID(),
      createdAt: pythonIsoNow(),
    };
    const body = JSON.stringify(envelope);
    const request: SendMessageBatchRequestEntry = { Id: String(index), MessageBody: body };
    request.MessageGroupId = message.groupId ?? groupIdOf(message);
    // Hashing gives an id SQS accepts whatever characters the key holds.
    request.MessageDeduplicationId = createHash('sha256')
      .update(envelope.idempotencyKey ?? '')
      .digest('hex');
    return { message, index, request, size: Buffer.byteLength(body, 'utf8') };
  }

  /** Send one batch, retrying what SQS failed on its side, before resolving. */
  private async sendChunk(chunk: Entry[], outcome: Outcome): Promise<void> {
    let pending = new Map(chunk.map((entry) => [entry.request.Id as string, entry]));
    for (let attempt = 1; attempt <= this.maxAttempts; attempt += 1) {
      let successes: SendMessageBatchResultEntry[] = [];
      let failures: BatchResultErrorEntry[];
      try {
        const response = await this.client.send(
          new SendMessageBatchCommand({
            QueueUrl: this.queueUrl,
            Entries: [...pending.values()].map((entry) => entry.request),
          }),
        );
        successes = response.Successful ?? [];
        failures = response.Failed ?? [];
      } catch (error) {
        const { name, message } = error as Error;
        if (!THROTTLING_ERRORS.has(name)) throw error;
        // Still throttled after the client's own retries: every entry failed on SQS's side,
        // to be retried below or reported.
        failures = [...pending.keys()].map((Id) => ({
          Id,
          SenderFault: false,
          Code: name,
          Message: message,
        }));
      }
      for (const success of successes) {
        const entry = pending.get(success.Id as string);
        if (entry) {
          pending.delete(success.Id as string);
          outcome.sent.set(entry.index, success.MessageId as string);
        }
      }
      const retry = new Map<string, Entry>();
      for (const failure of failures) {
        const entry = pending.get(failure.Id as string);
        if (!entry) continue;
        pending.delete(failure.Id as string);
        // SenderFault means the entry itself is wrong: sending it again cannot help.
        if (failure.SenderFault || attempt === this.maxAttempts) {
          outcome.failed.set(entry.index, {
            message: entry.message,
            code: failure.Code ?? '',
            reason: failure.Message ?? '',
          });
        } else {
          retry.set(failure.Id as string, entry);
        }
      }
      if (retry.size === 0) return;
      pending = retry;
      await sleep(this.backoffMs * 2 ** (attempt - 1));
    }
  }
}

/** The envelope's `createdAt` as the Python producer writes it: microseconds, explicit offset. */
function pythonIsoNow(): string {
  return new Date().toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** Split entries into batches of at most 10 entries and 1 MiB, keeping their order. */
function chunks(entries: readonly Entry[]): Entry[][] {
  const result: Entry[][] = [];
  let chunk: Entry[] = [];
  let size = 0;
  for (const entry of entries) {
    if (
      chunk.length > 0 &&
      (chunk.length === MAX_BATCH_ENTRIES || size + entry.size > MAX_BATCH_BYTES)
    ) {
      result.push(chunk);
      chunk = [];
      size = 0;
    }
    chunk.push(entry);
    size += entry.size;
  }
  if (chunk.length > 0) result.push(chunk);
  return result;
}

/**
 * Deal whole message groups out to at most `count` lanes, each split into batches.
 *
 * A lane's batches go one after another, so no two requests in flight share a group and each
 * group reaches SQS in order, while the lanes go in parallel. Groups go largest first to the lane
 * with the fewest entries yet, to even out the lanes; a lane's batches mix its groups in input
 * order, so they are full, not one per group.
 */
function dealLanes(entries: readonly Entry[], count: number): Entry[][][] {
  const groups = new Map<string, Entry[]>();
  for (const entry of entries) {
    const group = entry.request.MessageGroupId ?? '';
    groups.set(group, [...(groups.get(group) ?? []), entry]);
  }
  const lanes: Entry[][] = Array.from({ length: Math.min(count, groups.size) }, () => []);
  for (const group of [...groups.values()].sort((a, b) => b.length - a.length)) {
    const shortest = lanes.reduce((best, lane) => (lane.length < best.length ? lane : best));
    shortest.push(...group);
  }
  return lanes.map((lane) => chunks([...lane].sort((a, b) => a.index - b.index)));
}

function groupIdOf(message: OutgoingMessage): string {
  const value = message.payload[FIFO_GROUP_FIELD];
  const group =
    typeof value === 'string'
      ? value
      : value === undefined || value === null
        ? ''
        : JSON.stringify(value);
  if (group === '') {
    throw new Error(
      `FIFO queue: the ${message.type} payload has no "${FIFO_GROUP_FIELD}" field to use as ` +
        'the message group; pass groupId explicitly',
    );
  }
  return group;
}

let defaultProducer: Producer | undefined;

/** The producer for the queue named by QUEUE_URL, created on first use. */
export function getDefaultProducer(): Producer {
  defaultProducer ??= new Producer(requiredEnv('QUEUE_URL'));
  return defaultProducer;
}

/** Send one job and resolve to its SQS message id. */
export async function sendMessage(
  type: string,
  payload: Record<string, unknown>,
  options: MessageOptions = {},
): Promise<string> {
  return getDefaultProducer().sendMessage({ type, payload, ...options });
}

/** Send many jobs in as few requests as SQS allows; see BatchResult for the outcome. */
export async function sendBatch(messages: Iterable<OutgoingMessage>): Promise<BatchResult> {
  return getDefaultProducer().sendBatch(messages);
}
