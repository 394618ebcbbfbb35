/**
 * Space out retries: hide a failed message for longer after each failed attempt.
 *
 * Without this a failed message reappears only when its visibility timeout (6 x the function
 * timeout) ends, whatever the attempt. With it, attempt n is retried after `base x 2^(n-1)`
 * seconds, capped, so a passing fault is retried soon and a lasting one does not hammer a
 * struggling dependency.
 *
 * Equal jitter: the delay is drawn between half that and all of it, so messages that failed
 * together (a partner's outage) do not all come back together. A partner's `Retry-After` hint
 * (RetryLaterError) wins when it is longer.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  type ChangeMessageVisibilityBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';

import { logger } from './logger.js';

// ChangeMessageVisibilityBatch takes at most 10 entries.
const SQS_BATCH_LIMIT = 10;
// SQS refuses a visibility timeout reaching past 12 hours after the receive. The function may have
// run up to 15 minutes (and waited up to 5 in the batching window) since then, so the longest
// delay leaves that much room.
export const MAX_DELAY_SECONDS = 43_200 - 900 - 300;

/**
 * Seconds to keep a message hidden after its `receiveCount`-th attempt failed. `random` returns a
 * number in [0, 1): 0 gives the whole exponential delay (`[1..8]` with base 10 and cap 900:
 * `[10, 20, 40, 80, 160, 320, 640, 900]`), values near 1 about half of it.
 */
export function retryDelay(
  receiveCount: number,
  baseSeconds: number,
  maxSeconds: number,
  options: { random: () => number; retryAfterSeconds?: number | undefined },
): number {
  const exponent = Math.min(Math.max(receiveCount, 1) - 1, 16);
  const exponential = Math.min(maxSeconds, baseSeconds * 2 ** exponent);
  const jittered = exponential - Math.floor(options.random() * (Math.floor(exponential / 2) + 1));
  // A partner's Retry-After wins when longer, up to the same cap: the message retention is
  // checked against the capped delays, so a longer hint could hide a message until SQS drops it.
  const hint = Math.min(maxSeconds, options.retryAfterSeconds ?? 0);
  return Math.min(MAX_DELAY_SECONDS, Math.max(jittered, hint));
}

/**
 * Set the visibility of each failed record according to its attempt number.
 *
 * Best effort: if SQS refuses, the message still reappears when its normal visibility timeout
 * ends, so a failure here is logged, never thrown.
 */
export async function delayRetries(
  records: readonly SQSRecord[],
  failedMessageIds: ReadonlySet<string>,
  options: {
    queueUrl: string;
    baseSeconds: number;
    maxSeconds: number;
    client: SQSClient;
    random: () => number;
    /** Message id to the seconds its partner asked to wait. */
    retryAfter: ReadonlyMap<string, number>;
  },
): Promise<void> {
  const entries: ChangeMessageVisibilityBatchRequestEntry[] = [];
  records.forEach((record, index) => {
    if (!failedMessageIds.has(record.messageId)) return;
    entries.push({
      Id: String(index),
      ReceiptHandle: record.receiptHandle,
      VisibilityTimeout: retryDelay(
        Number.parseInt(record.attributes.ApproximateReceiveCount, 10) || 1,
        options.baseSeconds,
        options.maxSeconds,
        { random: options.random, retryAfterSeconds: options.retryAfter.get(record.messageId) },
      ),
    });
  });
  for (let start = 0; start < entries.length; start += SQS_BATCH_LIMIT) {
    const chunk = entries.slice(start, start + SQS_BATCH_LIMIT);
    try {
      const response = await options.client.send(
        new ChangeMessageVisibilityBatchCommand({ QueueUrl: options.queueUrl, Entries: chunk }),
      );
      for (const failure of response.Failed ?? []) {
        logger.warn('Could not delay a retry', { entry: failure.Id, code: failure.Code });
      }
    } catch (error) {
      logger.warn('Could not delay retries; messages reappear after the visibility timeout', {
        error: error as Error,
      });
    }
  }
}
