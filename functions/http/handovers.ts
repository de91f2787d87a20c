import { adminCorpId, corpAdmin } from '#commons/auth';
import { httpHandler, idParam, jsonBody, pageRequest, queryParam } from '#commons/http';
import { portsFrom } from '#commons/provider';
import { assetType, handoverRequest, handoverSettings, id } from '#commons/schemas';
import { assets } from '#providers/asset-catalog';
import { clock } from '#providers/clock';
import { documents } from '#providers/documents';
import { events } from '#providers/events';
import { handovers } from '#providers/handover-book';
import { members } from '#providers/member-directory';
import { workflows } from '#providers/workflows';
import { listMemberAssets } from '#use-cases/assets';
import {
  getHandover,
  getHandoverSettings,
  listAudit,
  listHandovers,
  previewHandover,
  putHandoverSettings,
  startManualHandover,
  undoHandover,
} from '#use-cases/handovers';

const ports = portsFrom({ assets, members, handovers, documents, clock, workflows, events });

/** Assets, handover settings and handovers: what an admin sees and does when someone leaves. */
export const handler = httpHandler({
  'GET /corps/{corpId}/members/{memberId}/assets': async (request) => {
    const corpId = adminCorpId(request);
    const type = queryParam(request, 'type', assetType);
    return { status: 200, body: await listMemberAssets(ports, corpId, idParam(request, 'memberId'), type, pageRequest(request)) };
  },

  'GET /corps/{corpId}/settings/handover': async (request) => ({
    status: 200,
    body: await getHandoverSettings(ports, adminCorpId(request)),
  }),

  'PUT /corps/{corpId}/settings/handover': async (request) => {
    const corpId = adminCorpId(request);
    return { status: 200, body: await putHandoverSettings(ports, corpId, jsonBody(request, handoverSettings)) };
  },

  'POST /corps/{corpId}/handovers': async (request) => {
    const { corpId, adminId } = corpAdmin(request);
    const handover = await startManualHandover(ports, corpId, jsonBody(request, handoverRequest), adminId);
    return { status: 202, body: handover, headers: { location: `/corps/${corpId}/handovers/${handover.handoverId}` } };
  },

  'POST /corps/{corpId}/handovers/preview': async (request) => {
    const corpId = adminCorpId(request);
    return { status: 200, body: await previewHandover(ports, corpId, jsonBody(request, handoverRequest)) };
  },

  'POST /corps/{corpId}/handovers/{handoverId}/undo': async (request) => {
    const corpId = adminCorpId(request);
    const undo = await undoHandover(ports, corpId, idParam(request, 'handoverId'));
    return { status: 202, body: undo, headers: { location: `/corps/${corpId}/handovers/${undo.handoverId}` } };
  },

  'GET /corps/{corpId}/handovers': async (request) => {
    const corpId = adminCorpId(request);
    const from = queryParam(request, 'fromMemberId', id);
    return { status: 200, body: await listHandovers(ports, corpId, from, pageRequest(request)) };
  },

  'GET /corps/{corpId}/handovers/{handoverId}': async (request) => {
    const corpId = adminCorpId(request);
    return { status: 200, body: await getHandover(ports, corpId, idParam(request, 'handoverId')) };
  },

  'GET /corps/{corpId}/audit': async (request) => {
    const corpId = adminCorpId(request);
    return { status: 200, body: await listAudit(ports, corpId, pageRequest(request)) };
  },
});
