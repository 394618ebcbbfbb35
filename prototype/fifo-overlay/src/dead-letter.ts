/**
 * Forward a message that can never succeed to the dead-letter queue, with the reason.
 *
 * SQS itself moves a message to the dead-letter queue only after `maxReceiveCount` failed
 * attempts, and without saying why. A permanent failure (malformed body, unknown type, invalid
 * payload, a partner's 4xx) is sent there at once instead, carrying the reason as message
 * attributes, and the original is then deleted as handled. If forwarding fails, the record counts
 * as failed and is retried: the message is never lost.
 */
import { type MessageAttributeValue, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';

import { sqs } from './clients.js';

export const REASON_ATTRIBUTE = 'FailureReason';
export const ORIGINAL_MESSAGE_ID_ATTRIBUTE = 'OriginalMessageId';
export const SOURCE_QUEUE_ATTRIBUTE = 'SourceQueueArn';
export const FAILED_AT_ATTRIBUTE = 'FailedAt';
// SQS allows at most 10 message attributes; ours come first, the original ones fill the rest.
const MAX_MESSAGE_ATTRIBUTES = 10;
const MAX_REASON_LENGTH = 1024;

const text = (value: string): MessageAttributeValue => ({
  DataType: 'String',
  StringValue: value,
});

/** The record's message attributes, converted from Lambda's event shape to the API's. */
function originalAttributes(record: SQSRecord): Record<string, MessageAttributeValue> {
  const converted: Record<string, MessageAttributeValue> = {};
  for (const [name, attribute] of Object.entries(record.messageAttributes)) {
    if (attribute.stringValue != null) {
      converted[name] = {
        DataType: attribute.dataType,
        StringValue: attribute.stringValue,
      };
    } else if (attribute.binaryValue != null) {
      converted[name] = {
        DataType: attribute.dataType,
        BinaryValue: Buffer.from(attribute.binaryValue, 'base64'),
      };
    }
  }
  return converted;
}

/** Python's `datetime.now(UTC).isoformat()` shape: microseconds and an explicit offset. */
function failedAt(): string {
  return new Date().toISOString().replace(/\.(\d{3})Z$/, '.$1000+00:00');
}

export async function forwardToDeadLetterQueue(
  record: SQSRecord,
  reason: string,
  deadLetterQueueUrl: string,
): Promise<void> {
  const attributes: Record<string, MessageAttributeValue> = {
    [REASON_ATTRIBUTE]: text(reason.slice(0, MAX_REASON_LENGTH)),
    [ORIGINAL_MESSAGE_ID_ATTRIBUTE]: text(record.messageId),
    [SOURCE_QUEUE_ATTRIBUTE]: text(record.eventSourceARN),
    [FAILED_AT_ATTRIBUTE]: text(failedAt()),
  };
  for (const [name, value] of Object.entries(originalAttributes(record))) {
    if (Object.keys(attributes).length >= MAX_MESSAGE_ATTRIBUTES) break;
    attributes[name] ??= value;
  }
  await sqs().send(
    new SendMessageCommand({
      QueueUrl: deadLetterQueueUrl,
      MessageBody: record.body,
      MessageAttributes: attributes,
      // A FIFO dead-letter queue needs a group; keeping the original one keeps the group's order
      // on redrive. The original message id deduplicates a forward repeated after a crash.
      MessageGroupId: record.attributes.MessageGroupId ?? 'dead-letter',
      MessageDeduplicationId: record.messageId,
    }),
  );
}
