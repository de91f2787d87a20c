export type WorkflowName = 'purchase' | 'seatLock' | 'departure' | 'handover' | 'invoice';

export interface WorkflowStarter {
  /** Starts one execution; a second start with the same `executionName` is a no-op. */
  start(workflow: WorkflowName, executionName: string, input: Record<string, unknown>): Promise<void>;
}
