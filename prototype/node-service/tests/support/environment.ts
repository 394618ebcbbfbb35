/**
 * Per test file: point the AWS SDK at the moto server with dummy credentials, before any
 * module of the service is imported.
 */
import { inject } from 'vitest';

const endpoint = inject('motoEndpoint');
Object.assign(process.env, {
  AWS_ENDPOINT_URL: endpoint,
  AWS_REGION: 'eu-west-1',
  AWS_DEFAULT_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'testing',
  AWS_SECRET_ACCESS_KEY: 'testing',
  POWERTOOLS_SERVICE_NAME: 'my-queue-service',
  RETRY_BACKOFF_BASE_SECONDS: '10',
  RETRY_BACKOFF_MAX_SECONDS: '900',
});
for (const name of ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_ENDPOINT_URL_SQS']) {
  Reflect.deleteProperty(process.env, name);
}
