import { adminOrEnforcerCorpId, enforcerCorpId } from '#commons/auth';
import { httpHandler, idParam, jsonBody, queryParam, type HttpResult } from '#commons/http';
import { Problem } from '#commons/problem';
import { portsFrom } from '#commons/provider';
import { decisionsRequest, platformQuery } from '#commons/schemas';
import { clock } from '#providers/clock';
import { devices } from '#providers/device-registry';
import { members } from '#providers/member-directory';
import { policies } from '#providers/policy-book';
import { clientPolicyOf, decide } from '#use-cases/decisions';

const ports = portsFrom({ policies, members, devices, clock });

/** The suite's enforcement points ask here: decisions, and the bundle a client applies by itself. */
export const handler = httpHandler({
  'POST /corps/{corpId}/decisions': async (request) => {
    const corpId = enforcerCorpId(request);
    const { requests } = jsonBody(request, decisionsRequest);
    return { status: 200, body: { results: await decide(ports, corpId, requests) } };
  },

  'GET /corps/{corpId}/members/{memberId}/client-policy': async (request): Promise<HttpResult> => {
    const corpId = adminOrEnforcerCorpId(request);
    const memberId = idParam(request, 'memberId');
    const platform = queryParam(request, 'platform', platformQuery);
    if (!platform) throw Problem.validation([{ path: '/platform', message: 'platform is required' }]);
    const bundle = await clientPolicyOf(ports, corpId, memberId, platform);
    const etag = `"${bundle.version}"`;
    // Clients poll: an unchanged bundle costs a 304 and no body.
    const cached = request.headers['if-none-match']?.split(',').map((tag) => tag.trim().replace(/^W\//, ''));
    if (cached?.includes(etag) || cached?.includes('*')) return { status: 304, headers: { etag, 'cache-control': 'private, no-cache' } };
    return { status: 200, body: bundle, headers: { etag, 'cache-control': 'private, no-cache' } };
  },
});
