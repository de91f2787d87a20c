import { loadedOnFirstCall, provider } from '#commons/provider';
import type { HandoverBook } from '#ports/handovers';

export const handovers = provider<HandoverBook>(() =>
  loadedOnFirstCall(async () => {
    const { DynamoHandoverBook } = await import('#adapters/dynamodb/handover-book');
    const { dynamoDocumentClient } = await import('#adapters/aws/dynamodb-client');
    return new DynamoHandoverBook(dynamoDocumentClient());
  }),
);
