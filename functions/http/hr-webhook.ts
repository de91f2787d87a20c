import { portsFrom } from '#commons/provider';
import { hrEvent } from '#commons/schemas';
import { webhookHandler } from '#commons/webhook-handler';
import { clock } from '#providers/clock';
import { members } from '#providers/member-directory';
import { seats } from '#providers/seat-ledger';
import { workflows } from '#providers/workflows';
import { cancelDeparture, departMember, upsertMember } from '#use-cases/members';

const ports = portsFrom({ members, seats, clock, workflows });

export const handler = webhookHandler('hr', hrEvent, async (event) => {
  if (event.type === 'employee.upserted') await upsertMember(ports, event.data);
  else if (event.type === 'employee.departed') await departMember(ports, event.data);
  else await cancelDeparture(ports, event.data);
});
