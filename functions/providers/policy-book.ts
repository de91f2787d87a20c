import { loadedOnFirstCall, provider } from '#commons/provider';
import type { PolicyBook } from '#ports/policies';

export const policies = provider<PolicyBook>(() =>
  loadedOnFirstCall(async () => {
    const { DynamoPolicyBook } = await import('#adapters/dynamodb/policy-book');
    const { dynamoDocumentClient } = await import('#adapters/aws/dynamodb-client');
    return new DynamoPolicyBook(dynamoDocumentClient());
  }),
);
