/**
 * One Powertools logger for the service: JSON lines with the service name, the Lambda context and
 * the keys of the record being processed. Message bodies and payloads are never logged.
 */
import { Logger } from '@aws-lambda-powertools/logger';

export const logger = new Logger();
