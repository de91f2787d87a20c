import { portsFrom } from '#commons/provider';
import { alerts } from '#providers/alerts';
import { clock } from '#providers/clock';
import { documents } from '#providers/documents';
import { handovers } from '#providers/handover-book';
import { invoices } from '#providers/invoice-book';
import { workflows } from '#providers/workflows';
import { sweepStuckHandovers } from '#use-cases/handovers';
import { sweepStuckInvoices } from '#use-cases/invoices';

const ports = portsFrom({ handovers, invoices, workflows, documents, alerts, clock });

/** Run by EventBridge Scheduler: restarts or closes handovers and invoices whose workflow is not running. */
export const handler = async () => {
  const now = ports.clock.now();
  const [swept, invoiceSweep] = await Promise.all([sweepStuckHandovers(ports, now), sweepStuckInvoices(ports, now)]);
  return { handovers: swept, invoices: invoiceSweep };
};
