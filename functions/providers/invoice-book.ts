import { dynamoDocumentClient } from '#adapters/aws/dynamodb-client';
import { DynamoInvoiceBook } from '#adapters/dynamodb/invoice-book';
import { provider } from '#commons/provider';
import type { InvoiceBook } from '#ports/invoices';

export const invoices = provider<InvoiceBook>(() => new DynamoInvoiceBook(dynamoDocumentClient()));
