/** Who receives a departing member's assets: the nearest active manager up the chain, else the fallback. */
export type ChainMember = { memberId: string; status: 'active' | 'departed'; managerId: string | null };

/** A manager the walk looked at, and what it found: `unknown` is a manager id HR never reported. */
export type ChainStep = { memberId: string; status: 'active' | 'departed' | 'unknown' };

/** `chain`: the managers walked, in order, so a preview can say why this recipient (or nobody). */
export type Recipient =
  | { recipientId: string; via: 'manager' | 'fallback'; chain: ChainStep[] }
  | { recipientId: null; reason: string; chain: ChainStep[] };

export const resolveRecipient = (
  departingId: string,
  lookup: (memberId: string) => ChainMember | undefined,
  fallbackRecipientId: string | null,
): Recipient => {
  const visited = new Set<string>([departingId]);
  const chain: ChainStep[] = [];
  let next = lookup(departingId)?.managerId ?? null;
  // A cycle in the HR data (a manages b manages a) ends the walk instead of looping.
  while (next && !visited.has(next)) {
    visited.add(next);
    const manager = lookup(next);
    chain.push({ memberId: next, status: manager?.status ?? 'unknown' });
    if (manager?.status === 'active') return { recipientId: manager.memberId, via: 'manager', chain };
    next = manager?.managerId ?? null;
  }
  if (fallbackRecipientId && fallbackRecipientId !== departingId) {
    if (lookup(fallbackRecipientId)?.status === 'active') return { recipientId: fallbackRecipientId, via: 'fallback', chain };
    return { recipientId: null, reason: `No active manager up the chain, and fallback ${fallbackRecipientId} is not an active member.`, chain };
  }
  return { recipientId: null, reason: 'No active manager up the chain and no fallback recipient is set.', chain };
};
