/**
 * Configuration read from the environment that the infrastructure sets.
 *
 * Everything is read once, at cold start: a missing variable fails the first invocation with a
 * message naming it, instead of failing record by record.
 */
import { ConfigurationError } from './errors.js';

/** The value of `name`, or a ConfigurationError naming it. */
export function requiredEnv(name: string): string {
  const value = (process.env[name] ?? '').trim();
  if (!value) {
    throw new ConfigurationError(
      `Environment variable ${name} is required but not set. The infrastructure sets it ` +
        'on the function; set it yourself when running the code anywhere else.',
    );
  }
  return value;
}

/** `name` as an integer within [minimum, maximum], or `fallback` when unset. */
export function intEnv(
  name: string,
  fallback: number,
  { minimum, maximum }: { minimum: number; maximum: number },
): number {
  const raw = (process.env[name] ?? '').trim();
  if (!raw) return fallback;
  return boundedInt(name, raw, { minimum, maximum });
}

/** `name` as an integer within [minimum, maximum], or a ConfigurationError naming it. */
export function requiredIntEnv(
  name: string,
  { minimum, maximum }: { minimum: number; maximum: number },
): number {
  return boundedInt(name, requiredEnv(name), { minimum, maximum });
}

function boundedInt(
  name: string,
  raw: string,
  { minimum, maximum }: { minimum: number; maximum: number },
): number {
  if (!/^[+-]?\d+$/.test(raw)) {
    throw new ConfigurationError(
      `Environment variable ${name} must be an integer; got ${JSON.stringify(raw)}.`,
    );
  }
  const value = Number(raw);
  if (value < minimum || value > maximum) {
    throw new ConfigurationError(
      `Environment variable ${name} must be between ${minimum} and ${maximum}; got ${value}.`,
    );
  }
  return value;
}

/** Settings every invocation needs, whatever the job types. */
export interface Settings {
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
  readonly idempotencyTable: string;
  readonly retryBackoffBaseSeconds: number;
  readonly retryBackoffMaxSeconds: number;
  readonly maxReceiveCount: number;
  readonly recordConcurrency: number;
}

export function settingsFromEnv(): Settings {
  return {
    queueUrl: requiredEnv('QUEUE_URL'),
    deadLetterQueueUrl: requiredEnv('DLQ_URL'),
    idempotencyTable: requiredEnv('IDEMPOTENCY_TABLE'),
    // The retry schedule and the redrive limit are the infrastructure's answers: no default here
    // could agree with them.
    retryBackoffBaseSeconds: requiredIntEnv('RETRY_BACKOFF_BASE_SECONDS', {
      minimum: 0,
      maximum: 43_200,
    }),
    // SQS caps a visibility timeout at 12 hours.
    retryBackoffMaxSeconds: requiredIntEnv('RETRY_BACKOFF_MAX_SECONDS', {
      minimum: 0,
      maximum: 43_200,
    }),
    // The queue's maxReceiveCount: the attempt at which the consumer dead-letters a record itself,
    // with its last error, before SQS would move it without a reason.
    maxReceiveCount: requiredIntEnv('MAX_RECEIVE_COUNT', { minimum: 1, maximum: 1000 }),
    // Records of a batch (FIFO: message groups) run at once, interleaved on the event loop.
    recordConcurrency: intEnv('RECORD_CONCURRENCY', 10, { minimum: 1, maximum: 100 }),
  };
}
