import { Writable } from 'node:stream';

/** One data point, as CloudWatch would store it. */
export type MetricRecord = {
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
  value: number;
  unit: string;
  /** The function whose output carried it, or the service that emitted it (`states`). */
  source: string;
  at: Date;
};

type EmfDocument = {
  _aws?: { Timestamp?: number; CloudWatchMetrics?: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit?: string }[] }[] };
  [key: string]: unknown;
};

/**
 * The metrics the local stack saw: Embedded Metric Format lines in the functions' output (what
 * CloudWatch Logs extracts on AWS), and the AWS/States metrics Step Functions publishes itself
 * (ExecutionsStarted, ...Failed, ...TimedOut, ...Aborted, ...Succeeded) when a local execution ends.
 */
export class RecordingMetrics {
  readonly records: MetricRecord[] = [];

  record(record: Omit<MetricRecord, 'at'> & { at?: Date }): void {
    this.records.push({ ...record, at: record.at ?? new Date() });
  }

  /** The records of `name` in `namespace` whose dimensions include `dimensions`. */
  find(namespace: string, name: string, dimensions: Record<string, string> = {}): MetricRecord[] {
    return this.records.filter(
      (r) => r.namespace === namespace && r.name === name && Object.entries(dimensions).every(([key, value]) => r.dimensions[key] === value),
    );
  }

  /** The sum of `find`'s values. */
  sum(namespace: string, name: string, dimensions: Record<string, string> = {}): number {
    return this.find(namespace, name, dimensions).reduce((total, r) => total + r.value, 0);
  }

  /** Records the metrics of one output line if it is an EMF document; any other line is ignored. */
  readLine(source: string, line: string): void {
    if (!line.includes('"CloudWatchMetrics"')) return;
    let document: EmfDocument;
    try {
      document = JSON.parse(line) as EmfDocument;
    } catch {
      return;
    }
    const at = new Date(document._aws?.Timestamp ?? Date.now());
    for (const directive of document._aws?.CloudWatchMetrics ?? []) {
      for (const dimensionSet of directive.Dimensions) {
        const dimensions = Object.fromEntries(dimensionSet.map((key) => [key, String(document[key])]));
        for (const metric of directive.Metrics) {
          // Powertools writes a metric added twice in one invocation as an array of values.
          for (const value of [document[metric.Name]].flat()) {
            this.record({ namespace: directive.Namespace, name: metric.Name, dimensions, value: Number(value), unit: metric.Unit ?? 'None', source, at });
          }
        }
      }
    }
  }

  /** A stream that reads `source`'s output line by line for metrics and passes it on to `next` unchanged. */
  tap(source: string, next: NodeJS.WritableStream): Writable {
    let pending = '';
    return new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        const lines = (pending + chunk.toString('utf8')).split('\n');
        pending = lines.pop()!;
        for (const line of lines) this.readLine(source, line);
        next.write(chunk, done);
      },
      final: (done) => {
        if (pending) this.readLine(source, pending);
        done();
      },
    });
  }
}
