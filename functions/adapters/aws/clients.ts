/*
 * One client per service per container, created on first use. Endpoints come from the SDK's own
 * AWS_ENDPOINT_URL_<SERVICE> variables, which is how the local stack points them at the emulators.
 * Each service has its own module because importing an SDK client costs a cold start hundreds of
 * milliseconds: Lambda code imports only the ones it calls; this file gathers them for tools.
 */
export { dynamoClient, dynamoDocumentClient } from './dynamodb-client.ts';
export { eventBridgeClient } from './eventbridge-client.ts';
export { kmsClient } from './kms-client.ts';
export { s3Client } from './s3-client.ts';
export { sfnClient } from './sfn-client.ts';
