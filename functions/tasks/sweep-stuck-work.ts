import { countMetric } from '#commons/metrics';
import { portsFrom } from '#commons/provider';
import { taskHandler } from '#commons/task';
import { alerts } from '#providers/alerts';
import { clock } from '#providers/clock';
import { documents } from '#providers/documents';
import { handovers } from '#providers/handover-book';
import { invoices } from '#providers/invoice-book';
import { workflows } from '#providers/workflows';
import { sweepStuckHandovers } from '#use-cases/handovers';
import { sweepStuckInvoices } from '#use-cases/invoices';

const ports = portsFrom({ handovers, invoices, workflows, documents, alerts, clock });

/**
 * Run by EventBridge Scheduler: restarts or closes handovers and invoices whose workflow is not
 * running. Either sweep runs to its end whatever the other does; a sweep that could not list its
 * records fails the call, for the function's error alarm.
 */
export const handler = taskHandler(async () => {
  const now = ports.clock.now();
  const [handovers, invoices] = await Promise.allSettled([sweepStuckHandovers(ports, now), sweepStuckInvoices(ports, now)]);
  // Written at every sweep, zero included, for the repairs alarm.
  countMetric(
    'StuckWorkRepaired',
    {},
    (handovers.status === 'fulfilled' ? handovers.value.restarted.length + handovers.value.closed.length : 0) +
      (invoices.status === 'fulfilled' ? invoices.value.started + invoices.value.restarted + invoices.value.failed : 0),
  );
  if (handovers.status === 'rejected') throw handovers.reason;
  if (invoices.status === 'rejected') throw invoices.reason;
  return { handovers: handovers.value, invoices: invoices.value };
});
