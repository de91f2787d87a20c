import { deps } from '#commons/deps';
import { planDepartureHandover } from '#use-cases/handovers';

/** Departure workflow step: decide between an automatic handover and one waiting for an admin. */
export const handler = (input: { corpId: string; memberId: string; handoverId: string }) => planDepartureHandover(deps(), input);
