import { clock } from '#providers/clock';
import { taskHandler } from '#commons/task';

/** Workflow timer step: after a Wait until `dueAt`, is it due on the stack's clock? */
export const handler = taskHandler(async (input: { dueAt: string }): Promise<{ due: boolean }> => ({
  due: clock().now().getTime() >= Date.parse(input.dueAt),
}));
