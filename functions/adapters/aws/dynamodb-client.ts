import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { traced } from '#commons/tracer';

/*
 * One client per service per container, created on first use; endpoints come from the SDK's own
 * AWS_ENDPOINT_URL(_<SERVICE>) variables, which is how the local stack reaches its emulators. Each
 * service has its own module (here and the other *-client.ts) because importing an SDK client costs
 * a cold start hundreds of milliseconds: a function imports only the clients it calls.
 */

let dynamo: DynamoDBClient | undefined;
let documents: DynamoDBDocumentClient | undefined;

export const dynamoClient = (): DynamoDBClient => (dynamo ??= traced(new DynamoDBClient({})));

export const dynamoDocumentClient = (): DynamoDBDocumentClient =>
  (documents ??= DynamoDBDocumentClient.from(dynamoClient(), { marshallOptions: { removeUndefinedValues: true } }));
