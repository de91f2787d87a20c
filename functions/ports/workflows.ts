export type WorkflowName = 'purchase' | 'seatLock' | 'departure' | 'handover' | 'invoice';

/** What Step Functions says of one named execution; `missing` when it was never started. */
export type ExecutionStatus = 'running' | 'succeeded' | 'failed' | 'timed_out' | 'aborted' | 'missing';

export interface WorkflowStarter {
  /** Starts one execution; a second start with the same `executionName` is a no-op. */
  start(workflow: WorkflowName, executionName: string, input: Record<string, unknown>): Promise<void>;
  /** The status of the execution started under `executionName`, for the sweeper of stuck work. */
  status(workflow: WorkflowName, executionName: string): Promise<ExecutionStatus>;
}
