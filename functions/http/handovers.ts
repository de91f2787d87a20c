import { adminCorpId } from '#commons/auth';
import { deps } from '#commons/deps';
import { httpHandler, idParam, jsonBody, pageRequest, queryParam } from '#commons/http';
import { assetType, handoverRequest, handoverSettings, id } from '#commons/schemas';
import { listMemberAssets } from '#use-cases/assets';
import {
  getHandover,
  getHandoverSettings,
  listHandovers,
  putHandoverSettings,
  startManualHandover,
} from '#use-cases/handovers';

/** Assets, handover settings and handovers: what an admin sees and does when someone leaves. */
export const handler = httpHandler({
  'GET /corps/{corpId}/members/{memberId}/assets': async (request) => {
    const corpId = adminCorpId(request);
    const type = queryParam(request, 'type', assetType);
    return { status: 200, body: await listMemberAssets(deps(), corpId, idParam(request, 'memberId'), type, pageRequest(request)) };
  },

  'GET /corps/{corpId}/settings/handover': async (request) => ({
    status: 200,
    body: await getHandoverSettings(deps(), adminCorpId(request)),
  }),

  'PUT /corps/{corpId}/settings/handover': async (request) => {
    const corpId = adminCorpId(request);
    return { status: 200, body: await putHandoverSettings(deps(), corpId, jsonBody(request, handoverSettings)) };
  },

  'POST /corps/{corpId}/handovers': async (request) => {
    const corpId = adminCorpId(request);
    const handover = await startManualHandover(deps(), corpId, jsonBody(request, handoverRequest));
    return { status: 202, body: handover, headers: { location: `/corps/${corpId}/handovers/${handover.handoverId}` } };
  },

  'GET /corps/{corpId}/handovers': async (request) => {
    const corpId = adminCorpId(request);
    const from = queryParam(request, 'fromMemberId', id);
    return { status: 200, body: await listHandovers(deps(), corpId, from, pageRequest(request)) };
  },

  'GET /corps/{corpId}/handovers/{handoverId}': async (request) => {
    const corpId = adminCorpId(request);
    return { status: 200, body: await getHandover(deps(), corpId, idParam(request, 'handoverId')) };
  },
});
