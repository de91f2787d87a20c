import { hrEvent } from '#commons/schemas';
import { webhookHandler } from '#commons/webhook-handler';
import { departMember, upsertMember } from '#use-cases/members';

export const handler = webhookHandler('hr', hrEvent, async (deps, event) => {
  if (event.type === 'employee.upserted') await upsertMember(deps, event.data);
  else await departMember(deps, event.data);
});
