import { SFNClient } from '@aws-sdk/client-sfn';
import { traced } from '#commons/tracer';

let sfn: SFNClient | undefined;

export const sfnClient = (): SFNClient => (sfn ??= traced(new SFNClient({})));
