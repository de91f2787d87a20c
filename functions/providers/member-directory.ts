import { loadedOnFirstCall, provider } from '#commons/provider';
import type { MemberDirectory } from '#ports/stores';

export const members = provider<MemberDirectory>(() =>
  loadedOnFirstCall(async () => {
    const { DynamoMemberDirectory } = await import('#adapters/dynamodb/member-directory');
    const { dynamoDocumentClient } = await import('#adapters/aws/dynamodb-client');
    return new DynamoMemberDirectory(dynamoDocumentClient());
  }),
);
