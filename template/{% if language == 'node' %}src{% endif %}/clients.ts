/**
 * AWS clients, created on first use and reused by every later invocation.
 *
 * The SDK picks region, credentials and endpoint from the environment (AWS_REGION on Lambda;
 * AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE> in tests against moto). Standard retry mode backs
 * off on throttling and 5xx answers before an error reaches us.
 *
 * Each client is built once, however many records of a batch ask at the same time: records take
 * turns only at an `await`, and nothing awaits between the check and the assignment of `??=`. Job
 * modules create their own clients the same way; never build one after an `await`.
 */
import { SQSClient } from '@aws-sdk/client-sqs';

export const RETRYING = { maxAttempts: 5, retryMode: 'standard' } as const;

let sqsClient: SQSClient | undefined;

export function sqs(): SQSClient {
  sqsClient ??= new SQSClient(RETRYING);
  return sqsClient;
}
