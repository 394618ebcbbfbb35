/**
 * Failure kinds that decide what happens to a message.
 *
 * Throw `PermanentError` when retrying cannot help (malformed input, an answer that will never
 * change): the message goes to the dead-letter queue at once, with the reason. Anything else
 * thrown counts as transient: the record is reported failed and retried with backoff; on its last
 * attempt (`MAX_RECEIVE_COUNT`) it goes to the dead-letter queue with the last error as its reason.
 */
export class PermanentError extends Error {
  override readonly name = 'PermanentError';

  constructor(readonly reason: string) {
    super(reason);
  }
}

/**
 * Transient, and the partner said when to come back (`Retry-After` on a 429 or 503).
 *
 * The retry waits at least `retryAfterSeconds` (undefined: no hint), or the computed backoff if
 * that is longer. The message is the reason the record gets if this was its last attempt: name
 * the partner and the status, never payload values.
 */
export class RetryLaterError extends Error {
  // A string, not the literal: subclasses such as the webhook's name themselves.
  override readonly name: string = 'RetryLaterError';

  constructor(
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/**
 * Seconds a `Retry-After` header asks to wait: delta-seconds or an HTTP date (RFC 9110).
 *
 * Undefined when the header is absent or malformed; a date in the past means 0.
 */
export function parseRetryAfter(
  value: string | null | undefined,
  now: Date = new Date(),
): number | undefined {
  const text = (value ?? '').trim();
  if (/^\d+$/.test(text)) return Number(text);
  // An HTTP date names its zone (GMT); Date.parse would read a bare date as local time.
  if (!/ (GMT|UTC)$/.test(text)) return undefined;
  const moment = Date.parse(text);
  if (Number.isNaN(moment)) return undefined;
  return Math.max(0, Math.ceil((moment - now.getTime()) / 1000));
}

/** A required environment variable is missing or malformed. */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}
