import { sfnClient } from '#adapters/aws/sfn-client';
import { SfnWorkflowStarter } from '#adapters/aws/sfn-workflow-starter';
import { provider } from '#commons/provider';
import type { WorkflowStarter } from '#ports/workflows';

/** Step Functions; the local stack puts its own runner in place. */
export const workflows = provider<WorkflowStarter>(() => new SfnWorkflowStarter(sfnClient()));
