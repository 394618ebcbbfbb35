/**
 * The job types this service handles, by the envelope's `type`.
 *
 * Add a job type: write a module exporting a `JOB` (see `types.ts`), import it here, add it to
 * `ENABLED`, and give it permissions and resources in infra/.
 */
import { JOB as generateReport } from './generate-report.js';
import { JOB as processOrder } from './process-order.js';
import { JOB as sendEmail } from './send-email.js';
import type { Job } from './types.js';
import { JOB as webhook } from './webhook.js';

export { defineJob, type Job, type JobContext } from './types.js';

const ENABLED: readonly Job[] = [sendEmail, processOrder, generateReport, webhook];

// A Map the tests may add a probe job to; the service never changes it.
export const JOBS: Map<string, Job> = new Map(ENABLED.map((job) => [job.name, job]));
