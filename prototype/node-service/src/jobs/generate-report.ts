/**
 * generate_report: build a CSV report and store it in S3, encrypted at rest.
 *
 * Payload: `{"reportName": "daily-sales", "columns": ["sku", "sold"], "rows": [["BOOK-1", 3]]}`.
 *
 * The object key is `reports/<reportName>/<idempotency key>.csv` (a key that is not a safe file
 * name is replaced by its SHA-256): a replay writes the same object again instead of a second copy.
 */
import { createHash } from 'node:crypto';

import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import * as z from 'zod';

import { RETRYING } from '../clients.js';
import { requiredEnv } from '../settings.js';
import { defineJob, type JobContext } from './types.js';

const REPORTS_BUCKET = requiredEnv('REPORTS_BUCKET');

// Spreadsheet programs run cells starting with these as formulas (CSV injection).
const FORMULA_PREFIXES = ['=', '+', '-', '@', '\t', '\r'];
const SAFE_OBJECT_NAME = /^[A-Za-z0-9._-]{1,128}$/;

const Cell = z.union([z.string(), z.number(), z.boolean(), z.null()]);
type Cell = z.output<typeof Cell>;

export const ReportPayload = z
  .strictObject({
    reportName: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'not a report name'),
    columns: z.array(z.string().min(1).max(256)).min(1).max(256),
    rows: z.array(z.array(Cell)).max(100_000),
  })
  .superRefine((report, context) => {
    report.rows.forEach((row, index) => {
      if (row.length !== report.columns.length) {
        context.addIssue({
          code: 'custom',
          message: `row ${index + 1} has ${row.length} cells; the report has ${report.columns.length} columns`,
        });
      }
    });
  });
type ReportPayload = z.output<typeof ReportPayload>;

/** A cell as Python's csv module writes it (minimal quoting), formulas neutralised. */
function csvField(value: Cell): string {
  let text: string;
  if (value === null) text = '';
  else if (typeof value === 'boolean') text = value ? 'True' : 'False';
  else text = String(value);
  if (typeof value === 'string' && FORMULA_PREFIXES.some((prefix) => value.startsWith(prefix))) {
    text = `'${text}`;
  }
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function renderCsv(report: ReportPayload): string {
  return [report.columns, ...report.rows]
    .map((row) => `${row.map(csvField).join(',')}\r\n`)
    .join('');
}

function objectName(idempotencyKey: string): string {
  if (SAFE_OBJECT_NAME.test(idempotencyKey)) return idempotencyKey;
  return createHash('sha256').update(idempotencyKey, 'utf8').digest('hex');
}

let s3: S3Client | undefined;

async function generateReport(
  payload: ReportPayload,
  context: JobContext,
): Promise<{ bucket: string; key: string }> {
  s3 ??= new S3Client(RETRYING);
  const key = `reports/${payload.reportName}/${objectName(context.idempotencyKey)}.csv`;
  await s3.send(
    new PutObjectCommand({
      Bucket: REPORTS_BUCKET,
      Key: key,
      Body: Buffer.from(renderCsv(payload), 'utf8'),
      ContentType: 'text/csv; charset=utf-8',
      ServerSideEncryption: 'AES256',
    }),
  );
  return { bucket: REPORTS_BUCKET, key };
}

export const JOB = defineJob({
  name: 'generate_report',
  schema: ReportPayload,
  run: generateReport,
});
