/**
 * Run each job at most once per idempotency key, with Powertools' DynamoDB store.
 *
 * The key is the envelope's `idempotencyKey` when the producer set one, else the SQS message id,
 * so a redelivered message and a re-sent request with the same key return the stored result
 * instead of running the job again. A record belongs to a job type and a key together: two job
 * types may use one key (an order id, say) without sharing a result. A key reused for the same job
 * type with a different payload is refused as a permanent failure.
 *
 *     const runOnce = new RunOnce('my-idempotency-table', { keyPrefix: 'my_queue_service.jobs' });
 *     runOnce.prepare(context); // once per invocation, before any record
 *     const task = { type: 'process_order', key: 'order-o-1', payload: { orderId: 'o-1' } };
 *     await runOnce.run(task, () => charge('o-1'));
 */
import {
  IdempotencyConfig,
  IdempotencyValidationError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';

import { RETRYING } from './clients.js';
import { PermanentError } from './errors.js';

// Stored results must outlive the window in which SQS redelivers a message or a producer
// re-sends one; a day covers both with room to spare.
export const RESULT_TTL_SECONDS = 24 * 60 * 60;

export interface Task {
  type: string;
  key: string;
  payload: unknown;
}

type Execute = () => Promise<unknown>;

/**
 * Calls `execute` once per job type and key; later calls return the stored result.
 *
 * `payload` is hashed to detect a reused key; `execute` does the work and is not hashed. The
 * fixed `keyPrefix` keeps stored keys valid whatever the function is named.
 */
export class RunOnce {
  private readonly config = new IdempotencyConfig({
    // Powertools hashes what this selects into the record's id.
    eventKeyJmesPath: '[type, key]',
    payloadValidationJmesPath: 'payload',
    throwOnNoIdempotencyKey: true,
    expiresAfterSeconds: RESULT_TTL_SECONDS,
  });
  private idempotentRun: ((task: Task, execute: Execute) => Promise<unknown>) | undefined;

  constructor(
    private readonly tableName: string,
    private readonly options: { keyPrefix: string },
  ) {}

  /** Build the store on the first invocation; register each invocation's deadline. */
  prepare(context: Context): void {
    this.idempotentRun ??= makeIdempotent(
      async (_task: Task, execute: Execute): Promise<unknown> => execute(),
      {
        persistenceStore: new DynamoDBPersistenceLayer({
          tableName: this.tableName,
          awsSdkV3Client: new DynamoDBClient(RETRYING),
        }),
        config: this.config,
        keyPrefix: this.options.keyPrefix,
        dataIndexArgument: 0,
      },
    );
    // An in-progress record expires with the invocation, so a crashed one is retried.
    this.config.registerLambdaContext(context);
  }

  async run(task: Task, execute: Execute): Promise<unknown> {
    if (!this.idempotentRun) {
      throw new Error('RunOnce.prepare(context) must be called before the first record');
    }
    try {
      return await this.idempotentRun(task, execute);
    } catch (error) {
      if (error instanceof IdempotencyValidationError) {
        throw new PermanentError('idempotency key already used for a different payload');
      }
      throw error;
    }
  }
}
