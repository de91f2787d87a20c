/** Who receives a departing member's assets: the nearest active manager up the chain, else the fallback. */
export type ChainMember = { memberId: string; status: 'active' | 'departed'; managerId: string | null };

export type Recipient =
  | { recipientId: string; via: 'manager' | 'fallback' }
  | { recipientId: null; reason: string };

export const resolveRecipient = (
  departingId: string,
  lookup: (memberId: string) => ChainMember | undefined,
  fallbackRecipientId: string | null,
): Recipient => {
  const visited = new Set<string>([departingId]);
  let next = lookup(departingId)?.managerId ?? null;
  // A cycle in the HR data (a manages b manages a) ends the walk instead of looping.
  while (next && !visited.has(next)) {
    visited.add(next);
    const manager = lookup(next);
    if (manager?.status === 'active') return { recipientId: manager.memberId, via: 'manager' };
    next = manager?.managerId ?? null;
  }
  if (fallbackRecipientId && fallbackRecipientId !== departingId) {
    if (lookup(fallbackRecipientId)?.status === 'active') return { recipientId: fallbackRecipientId, via: 'fallback' };
    return { recipientId: null, reason: `No active manager up the chain, and fallback ${fallbackRecipientId} is not an active member.` };
  }
  return { recipientId: null, reason: 'No active manager up the chain and no fallback recipient is set.' };
};
