import { dynamoDocumentClient } from '#adapters/aws/dynamodb-client';
import { DynamoMemberDirectory } from '#adapters/dynamodb/member-directory';
import { provider } from '#commons/provider';
import type { MemberDirectory } from '#ports/stores';

export const members = provider<MemberDirectory>(() => new DynamoMemberDirectory(dynamoDocumentClient()));
