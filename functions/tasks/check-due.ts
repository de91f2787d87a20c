import { deps } from '#commons/deps';

/** Longest a local Lambda call parks on the movable clock before the workflow loops again. */
const MAX_PARK_MS = 20_000;

/** Workflow timer step: after a Wait until `dueAt`, is it due on the stack's clock? */
export const handler = async (input: { dueAt: string }): Promise<{ due: boolean }> => {
  const { clock } = deps();
  const dueAt = new Date(input.dueAt);
  await clock.sleepUntil(dueAt, MAX_PARK_MS);
  return { due: clock.now().getTime() >= dueAt.getTime() };
};
