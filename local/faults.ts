/**
 * Faults the tests inject into the local stack (`/local/faults`), to make happen what a flaky
 * network or a broken dependency does on AWS:
 * - `function:<LogicalId>`: each call of the function fails with `errorType` (as a function
 *   error, which Step Functions retries and catches by name), or with `hang`, never answers until
 *   the fault is cleared (a task that is stuck, for execution timeouts);
 * - `aws:<service>:<Operation>` (`aws:states:StartExecution`, `aws:dynamodb:TransactWriteItems`):
 *   the local AWS endpoint answers that call with a 500 `errorType`. The SDK retries a 500 (three
 *   attempts by default), so a call throws only when `times` covers its attempts.
 * A fault holds for `times` calls (unlimited when absent), then goes.
 */
export type FaultSpec = { target: string; times?: number; errorType?: string; hang?: boolean };
export type Fault = { target: string; remaining: number | null; errorType: string; hang: boolean; injected: number };

export const INJECTED_ERROR = 'Local.InjectedFault';

export class LocalFaults {
  private readonly faults = new Map<string, Fault>();
  private readonly cleared = new Set<() => void>();

  add(spec: FaultSpec): Fault {
    const fault = { target: spec.target, remaining: spec.times ?? null, errorType: spec.errorType ?? INJECTED_ERROR, hang: spec.hang ?? false, injected: 0 };
    this.faults.set(spec.target, fault);
    return fault;
  }

  list(): Fault[] {
    return [...this.faults.values()];
  }

  /** Removes every fault; calls held by `hang` go on. */
  clear(): void {
    this.faults.clear();
    for (const release of this.cleared) release();
    this.cleared.clear();
  }

  /** The fault this call meets, if any; it counts against the fault's `times`. */
  take(target: string): Fault | undefined {
    const fault = this.faults.get(target);
    if (!fault) return undefined;
    fault.injected++;
    if (fault.remaining !== null && --fault.remaining <= 0) this.faults.delete(target);
    return fault;
  }

  /** Resolves when the faults are cleared (or the stack stops). */
  untilCleared(): Promise<void> {
    return new Promise((resolve) => this.cleared.add(resolve));
  }
}
