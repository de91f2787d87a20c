import { KMSClient } from '@aws-sdk/client-kms';
import { traced } from '#commons/tracer';

let kms: KMSClient | undefined;

export const kmsClient = (): KMSClient => (kms ??= traced(new KMSClient({})));
