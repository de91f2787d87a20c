import { loadedOnFirstCall, provider } from '#commons/provider';
import type { CalendarStore } from '#ports/invoices';

/** The State Council schedule: the years `chinese-days` ships, corrected by those loaded into the table. */
export const calendar = provider<CalendarStore>(() =>
  loadedOnFirstCall(async () => {
    const { DynamoCalendarStore } = await import('#adapters/dynamodb/invoice-book');
    const { dynamoDocumentClient } = await import('#adapters/aws/dynamodb-client');
    return new DynamoCalendarStore(dynamoDocumentClient());
  }),
);
