import { KMSClient } from '@aws-sdk/client-kms';

let kms: KMSClient | undefined;

export const kmsClient = (): KMSClient => (kms ??= new KMSClient({}));
