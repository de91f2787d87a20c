import { adminCorpId } from '#commons/auth';
import { httpHandler, idParam, jsonBody, pageRequest } from '#commons/http';
import { portsFrom } from '#commons/provider';
import { allocationRequest } from '#commons/schemas';
import { clock } from '#providers/clock';
import { members } from '#providers/member-directory';
import { orders } from '#providers/order-book';
import { seats } from '#providers/seat-ledger';
import { workflows } from '#providers/workflows';
import { allocateSeats, getAllocation, listAllocations, revokeSeat } from '#use-cases/allocations';
import { listOrders } from '#use-cases/orders';
import { getMemberView } from '#use-cases/members';
import { currentPool, recountPool } from '#use-cases/pool';

const ports = portsFrom({ orders, members, seats, clock, workflows });

export const handler = httpHandler({
  'GET /corps/{corpId}/seats': async (request) => ({ status: 200, body: await currentPool(ports, adminCorpId(request)) }),

  'GET /corps/{corpId}/orders': async (request) => {
    const corpId = adminCorpId(request);
    return { status: 200, body: await listOrders(ports, corpId, pageRequest(request)) };
  },

  'POST /corps/{corpId}/seats/allocations': async (request) => {
    const corpId = adminCorpId(request);
    const { memberIds } = jsonBody(request, allocationRequest);
    return { status: 201, body: { allocations: await allocateSeats(ports, corpId, memberIds) } };
  },

  'GET /corps/{corpId}/seats/allocations': async (request) => {
    const corpId = adminCorpId(request);
    return { status: 200, body: await listAllocations(ports, corpId, pageRequest(request)) };
  },

  'GET /corps/{corpId}/seats/allocations/{memberId}': async (request) => {
    const corpId = adminCorpId(request);
    return { status: 200, body: await getAllocation(ports, corpId, idParam(request, 'memberId')) };
  },

  'DELETE /corps/{corpId}/seats/allocations/{memberId}': async (request) => {
    const corpId = adminCorpId(request);
    await revokeSeat(ports, corpId, idParam(request, 'memberId'));
    return { status: 204 };
  },

  'POST /corps/{corpId}/seats/recount': async (request) => ({ status: 200, body: await recountPool(ports, adminCorpId(request)) }),

  'GET /corps/{corpId}/members/{memberId}': async (request) => {
    const corpId = adminCorpId(request);
    return { status: 200, body: await getMemberView(ports, corpId, idParam(request, 'memberId')) };
  },
});
