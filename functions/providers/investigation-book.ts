import { loadedOnFirstCall, provider } from '#commons/provider';
import type { InvestigationBook } from '#ports/file-log';

export const investigations = provider<InvestigationBook>(() =>
  loadedOnFirstCall(async () => {
    const { DynamoInvestigationBook } = await import('#adapters/dynamodb/investigation-book');
    const { dynamoDocumentClient } = await import('#adapters/aws/dynamodb-client');
    return new DynamoInvestigationBook(dynamoDocumentClient());
  }),
);
