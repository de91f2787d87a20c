/**
 * The 64-bit mark: member serial (24 bits, per corp, from 1) | minute of embedding since
 * 2024-01-01T00:00Z (32 bits, good for 8,000 years) | key version (8 bits). Followed on the wire by
 * a CRC-32 of those 8 bytes, so a damaged or foreign mark reads as nothing rather than as a member.
 */
export type MarkPayload = { memberSerial: number; minute: number; keyVersion: number };

export const EPOCH_MS = Date.UTC(2024, 0, 1);
export const MAX_MEMBER_SERIAL = 2 ** 24 - 1;
export const PAYLOAD_BITS = 64;
export const PROTECTED_BITS = PAYLOAD_BITS + 32;

export const minuteOf = (at: Date): number => Math.floor((at.getTime() - EPOCH_MS) / 60_000);
export const instantOfMinute = (minute: number): Date => new Date(EPOCH_MS + minute * 60_000);

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

export const crc32 = (bytes: Uint8Array): number => {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
};

const payloadBytes = ({ memberSerial, minute, keyVersion }: MarkPayload): Uint8Array => {
  const bytes = new Uint8Array(8);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, ((memberSerial & 0xffffff) << 8) | ((minute >>> 24) & 0xff));
  view.setUint32(4, ((minute & 0xffffff) << 8) | (keyVersion & 0xff));
  return bytes;
};

const toBits = (bytes: Uint8Array): number[] => [...bytes].flatMap((byte) => Array.from({ length: 8 }, (_, i) => (byte >> (7 - i)) & 1));
const toBytes = (bits: readonly number[]): Uint8Array =>
  Uint8Array.from({ length: bits.length / 8 }, (_, i) => bits.slice(i * 8, i * 8 + 8).reduce((byte, bit) => (byte << 1) | bit, 0));

/** Payload and CRC as 96 bits. */
export const protectPayload = (payload: MarkPayload): number[] => {
  if (!Number.isInteger(payload.memberSerial) || payload.memberSerial < 0 || payload.memberSerial > MAX_MEMBER_SERIAL) {
    throw new RangeError(`memberSerial must fit in 24 bits, got ${payload.memberSerial}`);
  }
  const bytes = payloadBytes(payload);
  const crc = new Uint8Array(4);
  new DataView(crc.buffer).setUint32(0, crc32(bytes));
  return [...toBits(bytes), ...toBits(crc)];
};

/** The payload, or null when the CRC does not match. */
export const checkPayload = (bits: readonly number[]): MarkPayload | null => {
  const bytes = toBytes(bits.slice(0, PAYLOAD_BITS));
  const crc = new DataView(toBytes(bits.slice(PAYLOAD_BITS, PROTECTED_BITS)).buffer).getUint32(0);
  if (crc32(bytes) !== crc) return null;
  const view = new DataView(bytes.buffer);
  const high = view.getUint32(0);
  const low = view.getUint32(4);
  return { memberSerial: high >>> 8, minute: (((high & 0xff) << 24) | (low >>> 8)) >>> 0, keyVersion: low & 0xff };
};

/**
 * What a tracer knows of any mark it could find with one key: the key's version, the corp's highest
 * member serial so far, and the current minute. Marks outside these bounds were never made.
 */
export type MarkBounds = { keyVersion: number; maxSerial: number; maxMinute: number };

export const withinBounds = (payload: MarkPayload, bounds: MarkBounds): boolean =>
  payload.keyVersion === bounds.keyVersion && payload.memberSerial <= bounds.maxSerial && payload.minute <= bounds.maxMinute;

/**
 * The protected bits the bounds fix (1 or 0; -1 where unknown): the key version, and the leading
 * zeros of serial and minute above their maxima. The decoder need not guess them.
 */
export const knownBits = ({ keyVersion, maxSerial, maxMinute }: MarkBounds): Int8Array => {
  const known = new Int8Array(PROTECTED_BITS).fill(-1);
  // Both maxima are under 2^32: the bits they need are 32 less their leading zeros.
  known.fill(0, 0, Math.max(0, Math.clz32(maxSerial) - 8));
  known.fill(0, 24, 24 + Math.clz32(maxMinute));
  for (let i = 0; i < 8; i++) known[56 + i] = (keyVersion >> (7 - i)) & 1;
  return known;
};
