import { clock } from '#providers/clock';

/** Workflow timer step: after a Wait until `dueAt`, is it due on the stack's clock? */
export const handler = async (input: { dueAt: string }): Promise<{ due: boolean }> => ({
  due: clock().now().getTime() >= Date.parse(input.dueAt),
});
