import { loadedOnFirstCall, provider } from '#commons/provider';
import type { WorkflowStarter } from '#ports/workflows';

/** Step Functions; the local stack puts its own runner in place. */
export const workflows = provider<WorkflowStarter>(() =>
  loadedOnFirstCall(async () => {
    const { SfnWorkflowStarter } = await import('#adapters/aws/sfn-workflow-starter');
    const { sfnClient } = await import('#adapters/aws/sfn-client');
    return new SfnWorkflowStarter(sfnClient());
  }),
);
