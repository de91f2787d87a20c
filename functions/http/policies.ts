import { adminCorpId, corpAdmin } from '#commons/auth';
import { httpHandler, idParam, jsonBody, pageRequest, queryParam, type HttpRequest } from '#commons/http';
import { portsFrom } from '#commons/provider';
import { deviceRequest, id, policyRequest } from '#commons/schemas';
import type { PolicyState } from '#core/policies/model';
import { clock } from '#providers/clock';
import { devices } from '#providers/device-registry';
import { members } from '#providers/member-directory';
import { policies } from '#providers/policy-book';
import { effectivePolicyOf, getPolicy, listDevices, listPolicies, listPolicyVersions, policyTypeOf, putPolicy, setDevice } from '#use-cases/policies';

const ports = portsFrom({ policies, members, devices, clock });

/** No policy has this version: an If-Match naming none can match none, and is answered as stale. */
const NO_VERSION = -1;

/**
 * `If-Match: "3"` (or `W/"3"`, or `3`): the version the admin read. Null when the header is absent,
 * or `*`: every type has a current policy (its defaults until first set), so `*` always matches.
 */
const ifMatchOf = (request: HttpRequest): number | null => {
  const header = request.headers['if-match'];
  if (header === undefined || header.trim() === '*') return null;
  const version = /^\s*(?:W\/)?"?(\d{1,10})"?\s*$/.exec(header)?.[1];
  return version === undefined ? NO_VERSION : Number(version);
};

/** Security policies and the device registry (admin). */
export const handler = httpHandler({
  // Eight types at most: one page, in the list convention's shape.
  'GET /corps/{corpId}/policies': async (request) => ({ status: 200, body: { items: await listPolicies(ports, adminCorpId(request)), nextCursor: null } }),

  'GET /corps/{corpId}/policies/{type}': async (request) => {
    const corpId = adminCorpId(request);
    const policy = await getPolicy(ports, corpId, policyTypeOf(request.params.type ?? ''));
    return { status: 200, body: policy, headers: { etag: `"${policy.version}"` } };
  },

  'PUT /corps/{corpId}/policies/{type}': async (request) => {
    const { corpId, adminId } = corpAdmin(request);
    const type = policyTypeOf(request.params.type ?? '');
    const body = jsonBody(request, policyRequest(type));
    const policy = await putPolicy(ports, corpId, { type, ...body } as PolicyState, adminId, ifMatchOf(request));
    return { status: 200, body: policy, headers: { etag: `"${policy.version}"` } };
  },

  'GET /corps/{corpId}/policies/{type}/versions': async (request) => {
    const corpId = adminCorpId(request);
    const type = policyTypeOf(request.params.type ?? '');
    return { status: 200, body: await listPolicyVersions(ports, corpId, type, pageRequest(request)) };
  },

  'GET /corps/{corpId}/members/{memberId}/effective-policy': async (request) => {
    const corpId = adminCorpId(request);
    return { status: 200, body: await effectivePolicyOf(ports, corpId, idParam(request, 'memberId')) };
  },

  'GET /corps/{corpId}/devices': async (request) => {
    const corpId = adminCorpId(request);
    return { status: 200, body: await listDevices(ports, corpId, queryParam(request, 'memberId', id), pageRequest(request)) };
  },

  'PUT /corps/{corpId}/devices/{deviceId}': async (request) => {
    const corpId = adminCorpId(request);
    const deviceId = idParam(request, 'deviceId');
    return { status: 200, body: await setDevice(ports, corpId, deviceId, jsonBody(request, deviceRequest)) };
  },
});
