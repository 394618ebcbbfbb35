/**
 * Failure kinds that decide what happens to a message.
 *
 * Throw `PermanentError` when retrying cannot help (malformed input, an answer that will never
 * change): the message goes to the dead-letter queue at once, with the reason. Anything else
 * thrown counts as transient: the record is reported failed and retried with backoff until SQS
 * moves it to the dead-letter queue after `maxReceiveCount` attempts.
 */
export class PermanentError extends Error {
  override readonly name = 'PermanentError';

  constructor(readonly reason: string) {
    super(reason);
  }
}

/** A required environment variable is missing or malformed. */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}
