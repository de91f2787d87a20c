import { portsFrom } from '#commons/provider';
import { taskHandler } from '#commons/task';
import { assets } from '#providers/asset-catalog';
import { clock } from '#providers/clock';
import { documents } from '#providers/documents';
import { handovers } from '#providers/handover-book';
import { members } from '#providers/member-directory';
import { planDepartureHandover } from '#use-cases/handovers';

const ports = portsFrom({ handovers, members, assets, documents, clock });

/** Departure workflow step: decide between an automatic handover and one waiting for an admin. */
export const handler = taskHandler(async (input: { corpId: string; memberId: string; handoverId: string; executionName: string }) => planDepartureHandover(ports, input));
