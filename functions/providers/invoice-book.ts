import { loadedOnFirstCall, provider } from '#commons/provider';
import type { InvoiceBook } from '#ports/invoices';

export const invoices = provider<InvoiceBook>(() =>
  loadedOnFirstCall(async () => {
    const { DynamoInvoiceBook } = await import('#adapters/dynamodb/invoice-book');
    const { dynamoDocumentClient } = await import('#adapters/aws/dynamodb-client');
    return new DynamoInvoiceBook(dynamoDocumentClient());
  }),
);
