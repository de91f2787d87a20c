import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { dynamoDocumentClient } from '#adapters/aws/dynamodb-client';
import { DynamoCalendarStore } from '#adapters/dynamodb/invoice-book';
import { yearSchedule } from '#commons/schemas';
import { fieldErrors } from '#commons/http';

/**
 * Loads a year of the State Council holiday schedule, no release needed:
 *   TABLE_NAME=... npm run calendar -- --file 2027.json     (with AWS credentials, or the local stack's endpoint)
 *   TABLE_NAME=... npm run calendar -- --list
 * The file: { "year": 2027, "holidays": ["2027-01-01", ...], "workdays": ["2027-02-06", ...] }.
 * Provisional due dates in that year are recomputed on their next read or workflow check.
 */
const { values } = parseArgs({ options: { file: { type: 'string' }, list: { type: 'boolean', default: false } } });
const store = new DynamoCalendarStore(dynamoDocumentClient());
if (values.file) {
  const parsed = yearSchedule.safeParse(JSON.parse(readFileSync(values.file, 'utf8')));
  if (!parsed.success) {
    for (const error of fieldErrors(parsed.error)) console.error(`${error.path}: ${error.message}`);
    process.exit(1);
  }
  await store.putYear(parsed.data);
  console.log(`Loaded ${parsed.data.year}: ${parsed.data.holidays.length} holidays, ${parsed.data.workdays.length} make-up working days.`);
}
if (values.list) {
  for (const year of await store.years()) console.log(`${year.year}: ${year.holidays.length} holidays, ${year.workdays.length} make-up working days`);
}
