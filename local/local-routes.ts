import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { formatInstant, parseDurationMs } from '#core/time';
import { Problem } from '#commons/problem';
import { clockRequest } from '#commons/schemas';
import { validate } from '#commons/http';
import { adminToken } from '../scripts/token.ts';
import type { ControllableClock } from './clock.ts';
import type { LocalStepFunctions } from './step-functions.ts';
import type { RecordingAlerts } from './alerts.ts';
import type { RecordingMetrics } from './metrics.ts';
import type { LocalFunction } from './lambda-runtime.ts';
import type { LocalFaults } from './faults.ts';
import type { LocalScheduler } from './scheduler.ts';

const parsedJson = (body: Buffer): unknown => {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw Problem.validation([{ path: '', message: 'Body is not valid JSON' }]);
  }
};

const faultRequest = z.strictObject({
  target: z.string().regex(/^(function:[A-Za-z0-9]+|aws:[a-z0-9-]+:[A-Za-z]+)$/, 'function:<LogicalId> or aws:<service>:<Operation>'),
  times: z.number().int().positive().optional(),
  errorType: z.string().min(1).max(128).optional(),
  hang: z.boolean().optional(),
});

const signInRequest = z.strictObject({ corpId: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'Must match ^[A-Za-z0-9_.:-]{1,64}$'), sub: z.string().min(1).max(64).optional() });

const json = (response: ServerResponse, status: number, body: unknown) => {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
};

/** `/local/*`: the console's sign-in, the movable clock, the executions' event logs, the schedules, the alerts raised, the metrics written, the functions' cold starts and injected faults. Absent on AWS. */
export const localRoutes =
  ({ clock, stepFunctions, scheduler, alerts, metrics, functions, denials, faults }: {
    clock: ControllableClock;
    stepFunctions: LocalStepFunctions;
    scheduler: LocalScheduler;
    alerts: RecordingAlerts;
    metrics: RecordingMetrics;
    functions: Map<string, LocalFunction>;
    denials: { caller: string; action: string; resource: string; at: string }[];
    faults: LocalFaults;
  }) =>
  async (request: IncomingMessage, response: ServerResponse, url: URL, body: Buffer): Promise<boolean> => {
    if (url.pathname === '/local/clock' && request.method === 'GET') {
      json(response, 200, { now: formatInstant(clock.now()) });
      return true;
    }
    if (url.pathname === '/local/sign-in' && request.method === 'POST') {
      // The console's local sign-in: an admin token for the chosen corp, as `npm run token` prints.
      const { corpId, sub } = validate(signInRequest, parsedJson(body));
      json(response, 200, { token: await adminToken(corpId, sub ?? 'console-admin') });
      return true;
    }
    if (url.pathname === '/local/schedules' && request.method === 'GET') {
      const items = [...scheduler.schedules.values()].map(({ nextRunAt, ...schedule }) => ({ ...schedule, nextRunAt: formatInstant(nextRunAt) }));
      json(response, 200, { items, nextCursor: null });
      return true;
    }
    const fired = /^\/local\/schedules\/([A-Za-z0-9]+)$/.exec(url.pathname);
    if (fired && request.method === 'POST') {
      if (!scheduler.schedules.has(fired[1]!)) throw new Problem(404, 'NOT_FOUND', `No schedule ${fired[1]}.`);
      json(response, 200, await scheduler.fire(fired[1]!));
      return true;
    }
    if (url.pathname === '/local/faults' && request.method === 'POST') {
      json(response, 201, faults.add(validate(faultRequest, parsedJson(body))));
      return true;
    }
    if (url.pathname === '/local/faults' && request.method === 'GET') {
      json(response, 200, { items: faults.list(), nextCursor: null });
      return true;
    }
    if (url.pathname === '/local/faults' && request.method === 'DELETE') {
      faults.clear();
      response.writeHead(204).end();
      return true;
    }
    if (url.pathname === '/local/clock' && request.method === 'POST') {
      const request = validate(clockRequest, parsedJson(body));
      if ('advanceBy' in request) {
        const ms = parseDurationMs(request.advanceBy);
        if (ms === null) throw Problem.validation([{ path: '/advanceBy', message: 'Must be an ISO 8601 duration such as P7D or PT36H' }]);
        clock.advance(ms);
      } else {
        clock.set(new Date(request.now));
      }
      json(response, 200, { now: formatInstant(clock.now()) });
      return true;
    }
    if (url.pathname === '/local/executions' && request.method === 'GET') {
      const items = [...stepFunctions.executions.values()]
        .filter((e) => !url.searchParams.get('stateMachine') || e.stateMachine.includes(url.searchParams.get('stateMachine')!))
        .map(({ events, ...e }) => ({
          ...e,
          transitions: events.filter((ev) => ev.type === 'StateEntered').length,
          lambdaInvocations: events.filter((ev) => ev.type === 'StateEntered' && ev.stateType === 'Task').length,
        }));
      json(response, 200, { items, nextCursor: null });
      return true;
    }
    if (url.pathname === '/local/functions' && request.method === 'GET') {
      const items = [...functions.values()].map(({ stats, containerCount }) => ({
        ...stats,
        containers: containerCount,
        meanInitMs: stats.initMs.length ? Math.round((stats.initMs.reduce((a, b) => a + b, 0) / stats.initMs.length) * 10) / 10 : null,
      }));
      json(response, 200, { items, nextCursor: null });
      return true;
    }
    if (url.pathname === '/local/denials' && request.method === 'GET') {
      json(response, 200, { items: denials, nextCursor: null });
      return true;
    }
    if (url.pathname === '/local/alerts' && request.method === 'GET') {
      json(response, 200, { items: alerts.raised, nextCursor: null });
      return true;
    }
    // What CloudWatch would hold: `?namespace=Steward&name=SeatsAllocated` narrows it.
    if (url.pathname === '/local/metrics' && request.method === 'GET') {
      const [namespace, name] = [url.searchParams.get('namespace'), url.searchParams.get('name')];
      const items = metrics.records.filter((r) => (!namespace || r.namespace === namespace) && (!name || r.name === name));
      json(response, 200, { items, nextCursor: null });
      return true;
    }
    return false;
  };
