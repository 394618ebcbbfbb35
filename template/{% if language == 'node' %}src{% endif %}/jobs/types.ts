/** What every job type provides: a payload schema and a function that runs it. */
import type * as z from 'zod';

/** Facts about the message being processed that a job may need. */
export interface JobContext {
  readonly messageId: string;
  readonly idempotencyKey: string;
  readonly correlationId: string;
  /** What is left of the invocation, in milliseconds: for a job to bound its own calls. */
  readonly remainingTimeMs: () => number;
}

/**
 * A job type: `run` receives a payload already validated against `schema`.
 *
 * `run` resolves to a JSON-serialisable result (stored for idempotent replays), throws
 * `PermanentError` when retrying cannot help, and throws anything else for failures worth
 * retrying.
 */
export interface Job<Schema extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly schema: Schema;
  readonly run: (payload: z.output<Schema>, context: JobContext) => Promise<unknown>;
}

/** Declare a job, checking that `run` takes what `schema` produces. */
export function defineJob<Schema extends z.ZodType>(job: Job<Schema>): Job {
  return job;
}
