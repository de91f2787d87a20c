import { alerts } from '#providers/alerts';
import { clock } from '#providers/clock';
import { workflows } from '#providers/workflows';
import type { Clock } from '#ports/clock';
import type { Alerts } from '#ports/invoices';
import type { WorkflowStarter } from '#ports/workflows';

/** The `sources` runtime's adapters: the stack's movable clock, its Step Functions and its alert log. */
export const useLocalAdapters = (local: { clock: Clock; workflows: WorkflowStarter; alerts: Alerts }): void => {
  clock.use(local.clock);
  workflows.use(local.workflows);
  alerts.use(local.alerts);
};
