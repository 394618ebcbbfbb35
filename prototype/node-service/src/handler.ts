/**
 * Lambda entry point: process a batch of SQS records and report partial failures.
 *
 * Each record's envelope is parsed, its job picked by `type`, its payload validated, and the job
 * run once per idempotency key. A permanent failure is forwarded to the dead-letter queue with its
 * reason and counts as handled; any other failure is reported in `batchItemFailures` and retried
 * with backoff.
 *
 * Records run concurrently, up to RECORD_CONCURRENCY at a time: Powertools' BatchProcessor starts
 * them all (`processInParallel`), and a limiter around the record handler bounds how many work.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

import { delayRetries } from './backoff.js';
import { sqs } from './clients.js';
import { forwardToDeadLetterQueue } from './dead-letter.js';
import { describeIssues, parseEnvelope } from './envelope.js';
import { PermanentError } from './errors.js';
import { RunOnce } from './idempotency.js';
import { JOBS, type Job, type JobContext } from './jobs/index.js';
import { limit } from './limit.js';
import { logger } from './logger.js';
import { settingsFromEnv } from './settings.js';

const settings = settingsFromEnv();
const runOnce = new RunOnce(settings.idempotencyTable, { keyPrefix: 'my_queue_service.jobs' });
// When every record fails, report them all instead of throwing: the result for SQS is the same,
// but an error would count against the function's alarms.
const processor = new BatchProcessor(EventType.SQS);
const limited = limit(settings.recordConcurrency);

function findJob(type: string): Job {
  const job = JOBS.get(type);
  if (!job) {
    throw new PermanentError(
      `unknown job type ${JSON.stringify(type.slice(0, 64))}; this service handles ${[...JOBS.keys()].sort().join(', ')}`,
    );
  }
  return job;
}

function validatePayload(job: Job, payload: Record<string, unknown>): unknown {
  const result = job.schema.safeParse(payload);
  if (!result.success) {
    throw new PermanentError(`invalid ${job.name} payload: ${describeIssues(result.error)}`);
  }
  return result.data;
}

async function processRecord(record: SQSRecord, log: Logger): Promise<unknown> {
  const envelope = parseEnvelope(record.body);
  const job = findJob(envelope.type);
  const payload = validatePayload(job, envelope.payload);
  const jobContext: JobContext = {
    messageId: record.messageId,
    idempotencyKey: envelope.idempotencyKey ?? record.messageId,
    correlationId: envelope.correlationId ?? record.messageId,
  };
  log.appendKeys({ correlationId: jobContext.correlationId, jobType: job.name });
  const result = await runOnce.run(
    { key: jobContext.idempotencyKey, payload: envelope.payload },
    () => job.run(payload, jobContext),
  );
  log.info('Job done');
  return result;
}

/** Process one record; its log lines carry its own message id, correlation id and job type. */
async function recordHandler(record: SQSRecord): Promise<unknown> {
  return limited(async () => {
    const log = logger.createChild({ persistentKeys: { messageId: record.messageId } });
    try {
      return await processRecord(record, log);
    } catch (error) {
      if (error instanceof PermanentError) {
        log.warn('Permanent failure: forwarding to the dead-letter queue', {
          reason: error.reason,
        });
        try {
          await forwardToDeadLetterQueue(record, error.reason, settings.deadLetterQueueUrl);
        } catch (forwardError) {
          // Reported failed, so the message is retried, never lost.
          log.warn('Could not forward to the dead-letter queue; the record will be retried', {
            error: forwardError as Error,
          });
          throw forwardError;
        }
        return null;
      }
      // Powertools reports the record failed; say why while the message id is in scope.
      log.warn('Transient failure: the record will be retried', { error: error as Error });
      throw error;
    }
  });
}

export async function handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  logger.addContext(context);
  runOnce.prepare(context);
  const response = await processPartialResponse(event, recordHandler, processor, {
    context,
    processInParallel: true,
    throwOnFullBatchFailure: false,
  });
  const failed = new Set(response.batchItemFailures.map((failure) => failure.itemIdentifier));
  if (failed.size > 0) {
    await delayRetries(event.Records, failed, {
      queueUrl: settings.queueUrl,
      baseSeconds: settings.retryBackoffBaseSeconds,
      maxSeconds: settings.retryBackoffMaxSeconds,
      client: sqs(),
    });
  }
  return response;
}
