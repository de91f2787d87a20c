import type { IncomingMessage, ServerResponse } from 'node:http';
import { formatInstant, parseDurationMs } from '#core/time';
import { Problem } from '#commons/problem';
import { clockRequest } from '#commons/schemas';
import { validate } from '#commons/http';
import type { ControllableClock } from './clock.ts';
import type { LocalStepFunctions } from './step-functions.ts';
import type { RecordingAlerts } from './alerts.ts';
import type { LocalFunction } from './lambda-runtime.ts';

const json = (response: ServerResponse, status: number, body: unknown) => {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
};

/** `/local/*`: the movable clock, the executions' event logs, the alerts raised and the functions' cold starts. Absent on AWS. */
export const localRoutes =
  ({ clock, stepFunctions, alerts, functions, denials }: {
    clock: ControllableClock;
    stepFunctions: LocalStepFunctions;
    alerts: RecordingAlerts;
    functions: Map<string, LocalFunction>;
    denials: { caller: string; action: string; resource: string; at: string }[];
  }) =>
  async (request: IncomingMessage, response: ServerResponse, url: URL, body: Buffer): Promise<boolean> => {
    if (url.pathname === '/local/clock' && request.method === 'GET') {
      json(response, 200, { now: formatInstant(clock.now()) });
      return true;
    }
    if (url.pathname === '/local/clock' && request.method === 'POST') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        throw Problem.validation([{ path: '', message: 'Body is not valid JSON' }]);
      }
      const request = validate(clockRequest, parsed);
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
    return false;
  };
