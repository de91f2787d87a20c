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
 * the confidence. The circle of steps is unrolled with WRAP steps of it before and after, every
 * start state equally likely; the middle of the best path is the message.
 */
export const decode = (soft: ArrayLike<number>, bits: number): number[] => {
  const steps = bits + 2 * WRAP;
  const at = (step: number) => (((step - WRAP) % bits) + bits) % bits;
  let metric = new Float64Array(STATES);
  const decisions: Uint8Array[] = [];
  for (let step = 0; step < steps; step++) {
    const next = new Float64Array(STATES).fill(-Infinity);
    const choice = new Uint8Array(STATES);
    const s1 = soft[2 * at(step)]!;
    const s2 = soft[2 * at(step) + 1]!;
    for (let state = 0; state < STATES; state++) {
      for (let bit = 0; bit < 2; bit++) {
        const register = (bit << MEMORY) | state;
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
  let state = metric.indexOf(Math.max(...metric));
  const decoded: number[] = new Array(steps);
  for (let step = steps - 1; step >= 0; step--) {
    decoded[step] = (state >> (MEMORY - 1)) & 1;
    state = ((state << 1) & (STATES - 1)) | decisions[step]![state]!;
  }
  return decoded.slice(WRAP, WRAP + bits);
};
