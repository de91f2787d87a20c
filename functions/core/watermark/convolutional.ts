/**
 * Rate-1/2 convolutional code, constraint length 7 (generators 171, 133 octal, as in 802.11),
 * tail-biting: the register starts with the message's last six bits, so it ends where it began and
 * no tail is sent. n bits code to exactly 2n.
 */
const K = 7;
const MEMORY = K - 1;
const STATES = 1 << MEMORY;
const G1 = 0o171;
const G2 = 0o133;

const parity = (value: number): number => {
  let v = value;
  v ^= v >> 4;
  v ^= v >> 2;
  v ^= v >> 1;
  return v & 1;
};

/** Output pair of the encoder for register contents (newest bit highest). */
const outputs = (register: number): [number, number] => [parity(register & G1), parity(register & G2)];
const OUTPUT_1 = Uint8Array.from({ length: 2 * STATES }, (_, register) => outputs(register)[0]);
const OUTPUT_2 = Uint8Array.from({ length: 2 * STATES }, (_, register) => outputs(register)[1]);

/** The correlation gained by taking input `bit` from `state`. */
const branchGain = (bit: number, state: number, s1: number, s2: number): number => {
  const register = (bit << MEMORY) | state;
  return (OUTPUT_1[register] ? s1 : -s1) + (OUTPUT_2[register] ? s2 : -s2);
};

export const codedLength = (bits: number): number => 2 * bits;

export const encode = (bits: readonly number[]): number[] => {
  const coded: number[] = [];
  // The state holds the previous six bits, newest highest: for the first bit, the message's last six.
  let state = 0;
  for (const bit of bits.slice(-MEMORY)) state = ((bit << MEMORY) | state) >> 1;
  for (const bit of bits) {
    const register = (bit << MEMORY) | state;
    coded.push(...outputs(register));
    state = register >> 1;
  }
  return coded;
};

/** How many steps the decoder runs on past each end of the circle, so the paths settle (~6 constraint lengths). */
const WRAP = 6 * K;

/**
 * Soft-decision Viterbi for the tail-biting code: `soft[i] > 0` leans to coded bit 1, its size is
 * the confidence. The most likely message: the head of the list below.
 */
export const decode = (soft: ArrayLike<number>, bits: number): number[] => decodeList(soft, bits, 1)[0]!;

/**
 * List Viterbi (parallel: the `size` best paths into every state): the `size` most likely distinct
 * messages, best first. A CRC then picks among them, which recovers messages whose best path is
 * off by a few bits. The circle of steps is unrolled with WRAP steps of it before and after, every
 * start state equally likely; the middle of a path is its message. `known` gives message bits the
 * caller is sure of (0 or 1; -1 where not): no path contradicts them.
 */
export const decodeList = (soft: ArrayLike<number>, bits: number, size: number, known?: ArrayLike<number>): number[][] => {
  const steps = bits + 2 * WRAP;
  const at = (step: number) => (((step - WRAP) % bits) + bits) % bits;
  // metric[state * size + rank], each state's ranks best first; two buffers, swapped each step.
  const width = STATES * size;
  let metric = new Float64Array(width).fill(-Infinity);
  let next = new Float64Array(width);
  for (let state = 0; state < STATES; state++) metric[state * size] = 0;
  // Per step, for each (state, rank): whether its path came from the odd predecessor, and that path's rank there.
  const fromLow = new Uint8Array(steps * width);
  const fromRank = new Uint8Array(steps * width);
  for (let step = 0; step < steps; step++) {
    next.fill(-Infinity);
    const stepBase = step * width;
    const s1 = soft[2 * at(step)]!;
    const s2 = soft[2 * at(step) + 1]!;
    const knownBit = known ? known[at(step)]! : -1;
    for (let to = 0; to < STATES; to++) {
      const bit = to >> (MEMORY - 1);
      if (knownBit >= 0 && bit !== knownBit) continue;
      const stateA = (to << 1) & (STATES - 1);
      const stateB = stateA | 1;
      const gainA = branchGain(bit, stateA, s1, s2);
      const gainB = branchGain(bit, stateB, s1, s2);
      // Merge the two predecessors' ranked lists.
      let a = 0;
      let b = 0;
      for (let rank = 0; rank < size; rank++) {
        const va = a < size ? metric[stateA * size + a]! + gainA : -Infinity;
        const vb = b < size ? metric[stateB * size + b]! + gainB : -Infinity;
        if (va === -Infinity && vb === -Infinity) break;
        const index = to * size + rank;
        if (va >= vb) {
          next[index] = va;
          fromRank[stepBase + index] = a++;
        } else {
          next[index] = vb;
          fromLow[stepBase + index] = 1;
          fromRank[stepBase + index] = b++;
        }
      }
    }
    const previous = metric;
    metric = next;
    next = previous;
  }
  const ends = Array.from(metric.keys()).filter((i) => metric[i]! > -Infinity).sort((i, j) => metric[j]! - metric[i]!);
  const messages: number[][] = [];
  const seen = new Set<string>();
  const decoded = new Uint8Array(steps);
  // A path's message is fixed by its node at the message's last step: an end whose path meets one
  // already walked carries a message already seen, and many do (most differ only in the unrolled tail).
  const lastMessageStep = WRAP + bits - 1;
  const walked = new Uint8Array(width);
  const chunks = new Array<number>(Math.ceil(bits / 16));
  for (const end of ends) {
    let state = Math.floor(end / size);
    let rank = end % size;
    for (let step = steps - 1; step > lastMessageStep; step--) {
      const index = step * width + state * size + rank;
      rank = fromRank[index]!;
      state = ((state << 1) & (STATES - 1)) | fromLow[index]!;
    }
    if (walked[state * size + rank]) continue;
    walked[state * size + rank] = 1;
    chunks.fill(0);
    for (let step = lastMessageStep; step >= WRAP; step--) {
      const bit = (state >> (MEMORY - 1)) & 1;
      decoded[step] = bit;
      chunks[(step - WRAP) >> 4] = chunks[(step - WRAP) >> 4]! | (bit << ((step - WRAP) & 15));
      const index = step * width + state * size + rank;
      rank = fromRank[index]!;
      state = ((state << 1) & (STATES - 1)) | fromLow[index]!;
    }
    // Paths that differ only in the unrolled ends carry the same message; 16 bits per character name it.
    const id = String.fromCharCode(...chunks);
    if (seen.has(id)) continue;
    seen.add(id);
    messages.push(Array.from(decoded.subarray(WRAP, WRAP + bits)));
    if (messages.length === size) break;
  }
  return messages;
};
