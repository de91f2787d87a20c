import type { Lang } from './i18n.ts';

/** A problem+json answer (contract: every error), as the API sends it. */
export type Problem = { type?: string; title?: string; status?: number; detail?: string; code?: string; errors?: { path: string; message: string }[]; [extra: string]: unknown };

type Explain = (p: Problem) => string;
const explanations: Record<string, { 'zh-CN': Explain; en: Explain }> = {
  SEATS_EXHAUSTED: {
    'zh-CN': (p) => `席位不足：当前仅剩 ${p.available ?? 0} 个可用席位，本次一个都没有分配。请减少成员或续购席位。`,
    en: (p) => `Not enough seats: only ${p.available ?? 0} available, so nobody was allocated. Allocate fewer members or buy more seats.`,
  },
  MEMBER_NOT_FOUND: {
    'zh-CN': () => '找不到该成员：HR 系统尚未同步此成员，请检查成员 ID。',
    en: () => 'No such member: the HR system has not reported this member. Check the member ID.',
  },
  MEMBER_DEPARTED: {
    'zh-CN': () => '该成员已离职，不能分配席位。',
    en: () => 'This member has left the corp and cannot be given a seat.',
  },
  ALLOCATION_NOT_FOUND: {
    'zh-CN': () => '该成员当前没有席位。',
    en: () => 'This member holds no seat.',
  },
  REVOCATION_LOCKED: {
    'zh-CN': (p) => `无法撤销：席位分配满 7 天后锁定，该席位的可撤销期已于 ${p.revocableUntil ?? ''} 结束。成员离职时席位会自动释放。`,
    en: (p) => `Cannot revoke: a seat locks 7 days after allocation, and this one could be revoked only until ${p.revocableUntil ?? ''}. It is released when the member leaves.`,
  },
  ORDER_NOT_PAID: { 'zh-CN': () => '订单尚未支付，不能开票。', en: () => 'The order is not paid yet, so it cannot be invoiced.' },
  ORDER_REFUNDED: { 'zh-CN': () => '订单已退款，不能开票。', en: () => 'The order was refunded, so it cannot be invoiced.' },
  INVOICE_EXISTS: {
    'zh-CN': (p) => `该订单已申请过发票（${p.invoiceId ?? ''}），每个订单只能开一张。`,
    en: (p) => `An invoice was already requested for this order (${p.invoiceId ?? ''}); an order takes one invoice.`,
  },
  HANDOVER_RUNNING: {
    'zh-CN': (p) => `该成员已有一个交接正在进行（${p.handoverId ?? ''}），请等待其完成。`,
    en: (p) => `A handover of this member is already running (${p.handoverId ?? ''}); wait for it to finish.`,
  },
  RECIPIENT_NOT_ACTIVE: { 'zh-CN': () => '接收人已离职或不可用，请换一个接收人。', en: () => 'The recipient has left or is not active; choose another one.' },
  NO_RECIPIENT: {
    'zh-CN': (p) => `无法确定接收人（${p.reason ?? ''}）：汇报链上没有在职的上级，也没有兜底接收人。请指定接收人。`,
    en: (p) => `No recipient could be found (${p.reason ?? ''}): nobody active up the reporting chain and no fallback. Name a recipient.`,
  },
  VERSION_MISMATCH: { 'zh-CN': () => '策略已被他人修改，请刷新后再保存。', en: () => 'Someone else changed this policy; refresh and save again.' },
  POLICY_TYPE_NOT_FOUND: { 'zh-CN': () => '没有这种策略类型。', en: () => 'No such policy type.' },
  DEVICE_NOT_FOUND: { 'zh-CN': () => '本企业从未见过该设备。', en: () => 'This corp has never seen this device.' },
  NOT_ENTITLED: { 'zh-CN': () => '该成员没有席位或不在暗水印策略范围内。', en: () => 'The member holds no seat or is outside the dark-watermark policy.' },
  UNAUTHENTICATED: { 'zh-CN': () => '登录已失效，请重新登录。', en: () => 'Your sign-in has expired; sign in again.' },
  FORBIDDEN: { 'zh-CN': () => '当前账号无权访问该企业。', en: () => 'This account may not act on this corp.' },
  PAYLOAD_TOO_LARGE: { 'zh-CN': () => '文件过大（上限 10 MB）。', en: () => 'The file is too large (10 MB at most).' },
  UNSUPPORTED_MEDIA_TYPE: { 'zh-CN': () => '只支持 PNG、JPEG 或 WebP 图片。', en: () => 'Only PNG, JPEG or WebP images are accepted.' },
  CONFLICT: { 'zh-CN': () => '数据正在被同时修改，请重试。', en: () => 'The data changed at the same time; try again.' },
  VALIDATION_FAILED: {
    'zh-CN': (p) => `输入有误：${(p.errors ?? []).map((e) => `${e.path || '/'} ${e.message}`).join('；') || p.detail || ''}`,
    en: (p) => `Some input is not valid: ${(p.errors ?? []).map((e) => `${e.path || '/'} ${e.message}`).join('; ') || p.detail || ''}`,
  },
};

/** An error answer in words: the code's explanation, or the API's own detail for codes the console does not know. */
export const explain = (lang: Lang, problem: unknown): string => {
  const p: Problem = typeof problem === 'object' && problem !== null ? (problem as Problem) : { detail: String(problem) };
  const known = p.code ? explanations[p.code] : undefined;
  if (known) return `${known[lang](p)} (${p.code})`;
  return [p.detail ?? p.title ?? (typeof p.message === 'string' ? p.message : ''), p.code && `(${p.code})`].filter(Boolean).join(' ');
};
