export type LocalAlert = { type: string; raisedAt: string } & Record<string, unknown>;

/** Stands in for EventBridge: PutEvents calls reach it through the local AWS endpoint. `GET /local/alerts` lists them. */
export class RecordingAlerts {
  readonly raised: LocalAlert[] = [];

  record(event: { detailType: string; detail: unknown }): void {
    this.raised.push({ type: event.detailType, ...(event.detail as Record<string, unknown>), raisedAt: new Date().toISOString() });
  }
}
