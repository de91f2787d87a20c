import { adminCorpId } from '#commons/auth';
import { deps } from '#commons/deps';
import { httpHandler, idParam, jsonBody, pageRequest } from '#commons/http';
import { allocationRequest } from '#commons/schemas';
import { allocateSeats, getAllocation, listAllocations, revokeSeat } from '#use-cases/allocations';
import { listOrders } from '#use-cases/orders';
import { currentPool } from '#use-cases/pool';

export const handler = httpHandler({
  'GET /corps/{corpId}/seats': async (request) => ({ status: 200, body: await currentPool(deps(), adminCorpId(request)) }),

  'GET /corps/{corpId}/orders': async (request) => {
    const corpId = adminCorpId(request);
    return { status: 200, body: await listOrders(deps(), corpId, pageRequest(request)) };
  },

  'POST /corps/{corpId}/seats/allocations': async (request) => {
    const corpId = adminCorpId(request);
    const { memberIds } = jsonBody(request, allocationRequest);
    return { status: 201, body: { allocations: await allocateSeats(deps(), corpId, memberIds) } };
  },

  'GET /corps/{corpId}/seats/allocations': async (request) => {
    const corpId = adminCorpId(request);
    return { status: 200, body: await listAllocations(deps(), corpId, pageRequest(request)) };
  },

  'GET /corps/{corpId}/seats/allocations/{memberId}': async (request) => {
    const corpId = adminCorpId(request);
    return { status: 200, body: await getAllocation(deps(), corpId, idParam(request, 'memberId')) };
  },

  'DELETE /corps/{corpId}/seats/allocations/{memberId}': async (request) => {
    const corpId = adminCorpId(request);
    await revokeSeat(deps(), corpId, idParam(request, 'memberId'));
    return { status: 204 };
  },
});
