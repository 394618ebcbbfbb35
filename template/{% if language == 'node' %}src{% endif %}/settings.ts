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
  readonly recordConcurrency: number;
}

export function settingsFromEnv(): Settings {
  return {
    queueUrl: requiredEnv('QUEUE_URL'),
    deadLetterQueueUrl: requiredEnv('DLQ_URL'),
    idempotencyTable: requiredEnv('IDEMPOTENCY_TABLE'),
    retryBackoffBaseSeconds: intEnv('RETRY_BACKOFF_BASE_SECONDS', 10, {
      minimum: 0,
      maximum: 43_200,
    }),
    // SQS caps a visibility timeout at 12 hours.
    retryBackoffMaxSeconds: intEnv('RETRY_BACKOFF_MAX_SECONDS', 900, {
      minimum: 0,
      maximum: 43_200,
    }),
    // Records of a batch (FIFO: message groups) run at once, interleaved on the event loop.
    recordConcurrency: intEnv('RECORD_CONCURRENCY', 10, { minimum: 1, maximum: 100 }),
  };
}
