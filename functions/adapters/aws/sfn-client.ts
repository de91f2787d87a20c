import { SFNClient } from '@aws-sdk/client-sfn';

let sfn: SFNClient | undefined;

export const sfnClient = (): SFNClient => (sfn ??= new SFNClient({}));
