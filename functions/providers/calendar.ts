import { dynamoDocumentClient } from '#adapters/aws/dynamodb-client';
import { DynamoCalendarStore } from '#adapters/dynamodb/invoice-book';
import { provider } from '#commons/provider';
import type { CalendarStore } from '#ports/invoices';

/** The State Council schedule: the years `chinese-days` ships, corrected by those loaded into the table. */
export const calendar = provider<CalendarStore>(() => new DynamoCalendarStore(dynamoDocumentClient()));
