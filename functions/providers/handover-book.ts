import { dynamoDocumentClient } from '#adapters/aws/dynamodb-client';
import { DynamoHandoverBook } from '#adapters/dynamodb/handover-book';
import { provider } from '#commons/provider';
import type { HandoverBook } from '#ports/handovers';

export const handovers = provider<HandoverBook>(() => new DynamoHandoverBook(dynamoDocumentClient()));
