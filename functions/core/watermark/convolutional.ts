/** Rate-1/2 convolutional code, constraint length 7 (generators 171, 133 octal, as in 802.11), zero-tailed. */
const K = 7;
const STATES = 1 << (K - 1);
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

export const codedLength = (bits: number): number => 2 * (bits + K - 1);

export const encode = (bits: readonly number[]): number[] => {
  const coded: number[] = [];
  let state = 0;
  for (const bit of [...bits, ...new Array<number>(K - 1).fill(0)]) {
    const register = (bit << (K - 1)) | state;
    coded.push(...outputs(register));
    state = register >> 1;
  }
  return coded;
};

/**
 * Soft-decision Viterbi: `soft[i] > 0` leans to coded bit 1, its size is the confidence. Answers
 * the `bits` most likely input bits (the tail forces the end state to 0).
 */
export const decode = (soft: ArrayLike<number>, bits: number): number[] => {
  const steps = bits + K - 1;
  let metric = new Float64Array(STATES).fill(-Infinity);
  metric[0] = 0;
  const decisions: Uint8Array[] = [];
  for (let step = 0; step < steps; step++) {
    const next = new Float64Array(STATES).fill(-Infinity);
    const choice = new Uint8Array(STATES);
    const s1 = soft[2 * step]!;
    const s2 = soft[2 * step + 1]!;
    for (let state = 0; state < STATES; state++) {
      if (metric[state] === -Infinity) continue;
      for (let bit = 0; bit < (step >= bits ? 1 : 2); bit++) {
        const register = (bit << (K - 1)) | state;
        const [o1, o2] = outputs(register);
        const candidate = metric[state]! + (o1 ? s1 : -s1) + (o2 ? s2 : -s2);
        const to = register >> 1;
        if (candidate > next[to]!) {
          next[to] = candidate;
          choice[to] = state & 1; // the bit that left the register identifies the predecessor
        }
      }
    }
    decisions.push(choice);
    metric = next;
  }
  const decoded: number[] = new Array(steps);
  let state = 0;
  for (let step = steps - 1; step >= 0; step--) {
    decoded[step] = (state >> (K - 2)) & 1;
    state = ((state << 1) & (STATES - 1)) | decisions[step]![state]!;
  }
  return decoded.slice(0, bits);
};
