import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

let dynamo: DynamoDBClient | undefined;
let documents: DynamoDBDocumentClient | undefined;

export const dynamoClient = (): DynamoDBClient => (dynamo ??= new DynamoDBClient({}));

export const dynamoDocumentClient = (): DynamoDBDocumentClient =>
  (documents ??= DynamoDBDocumentClient.from(dynamoClient(), { marshallOptions: { removeUndefinedValues: true } }));
