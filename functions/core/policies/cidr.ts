/**
 * IP allowlists without BigInt: an IPv4 address is one unsigned 32-bit number, an IPv6 address four
 * of them (most significant first). A list compiles to sorted, disjoint ranges per family, so a
 * lookup is a binary search (about 7 comparisons for 100 CIDRs).
 */
export type IpAddress = { family: 4; value: number } | { family: 6; words: [number, number, number, number] };

const parseIpv4 = (text: string): number | null => {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    // Decimal only: a leading zero reads as octal in some parsers, so it is refused.
    if (!/^(?:0|[1-9]\d{0,2})$/.test(part)) return null;
    const octet = Number(part);
    if (octet > 255) return null;
    value = value * 256 + octet;
  }
  return value;
};

const parseIpv6 = (text: string): [number, number, number, number] | null => {
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const groupsOf = (part: string): number[] | null => {
    if (part === '') return [];
    const groups: number[] = [];
    const pieces = part.split(':');
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i]!;
      if (i === pieces.length - 1 && piece.includes('.')) {
        const v4 = parseIpv4(piece);
        if (v4 === null) return null;
        groups.push(Math.floor(v4 / 65536), v4 % 65536);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(piece)) {
        groups.push(parseInt(piece, 16));
      } else {
        return null;
      }
    }
    return groups;
  };
  const head = groupsOf(halves[0]!);
  const tail = halves.length === 2 ? groupsOf(halves[1]!) : [];
  if (!head || !tail) return null;
  // An embedded IPv4 address may only end the address.
  if (halves.length === 2 && halves[0]!.includes('.')) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const groups = [...head, ...Array<number>(missing).fill(0), ...tail];
  return [0, 1, 2, 3].map((i) => groups[2 * i]! * 65536 + groups[2 * i + 1]!) as [number, number, number, number];
};

/** An IPv4 or IPv6 address; an IPv4-mapped IPv6 address (`::ffff:10.1.2.3`) reads as the IPv4 one. */
export const parseIp = (text: string): IpAddress | null => {
  if (!text.includes(':')) {
    const value = parseIpv4(text);
    return value === null ? null : { family: 4, value };
  }
  const words = parseIpv6(text);
  if (!words) return null;
  if (words[0] === 0 && words[1] === 0 && words[2] === 0xffff) return { family: 4, value: words[3] };
  return { family: 6, words };
};

type Range4 = { start: number; end: number };
type Words = [number, number, number, number];
type Range6 = { start: Words; end: Words };

const compareWords = (a: readonly number[], b: readonly number[]): number => {
  for (let i = 0; i < 4; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
};

const ipv4Range = (start: number, prefix: number): { family: 4; range: Range4 } | null => {
  if (prefix > 32) return null;
  const size = 2 ** (32 - prefix);
  return start % size === 0 ? { family: 4, range: { start, end: start + size - 1 } } : null;
};

/**
 * A CIDR with its host bits zero (`10.0.0.0/8`, `2001:db8::/32`); `10.0.0.1/8` is refused as a
 * likely mistake. A mapped IPv4 prefix (`::ffff:10.0.0.0/104`) is the IPv4 prefix it names, since
 * mapped addresses are matched as IPv4: kept as IPv6 it would match nothing.
 */
const parseCidr = (text: string): { family: 4; range: Range4 } | { family: 6; range: Range6 } | null => {
  const match = /^([^/]+)\/(\d{1,3})$/.exec(text);
  if (!match) return null;
  const prefix = Number(match[2]);
  if (!match[1]!.includes(':')) {
    const start = parseIpv4(match[1]!);
    return start === null ? null : ipv4Range(start, prefix);
  }
  const start = parseIpv6(match[1]!);
  if (!start || prefix > 128) return null;
  if (start[0] === 0 && start[1] === 0 && start[2] === 0xffff && prefix >= 96) return ipv4Range(start[3], prefix - 96);
  const end = [...start] as Words;
  for (let i = 0; i < 4; i++) {
    const hostBits = Math.min(32, Math.max(0, 32 * (i + 1) - prefix));
    if (hostBits === 0) continue;
    const size = 2 ** hostBits;
    if (start[i]! % size !== 0) return null;
    end[i] = start[i]! + size - 1;
  }
  return { family: 6, range: { start, end } };
};

export const isCidr = (text: string): boolean => parseCidr(text) !== null;

/** A compiled allowlist; `contains` answers without allocating for IPv4. */
export class CidrSet {
  private readonly starts4: Float64Array;
  private readonly ends4: Float64Array;
  private readonly ranges6: Range6[];

  constructor(cidrs: readonly string[]) {
    const v4: Range4[] = [];
    const v6: Range6[] = [];
    for (const cidr of cidrs) {
      const parsed = parseCidr(cidr);
      if (!parsed) throw new Error(`Not a CIDR: ${cidr}`);
      if (parsed.family === 4) v4.push(parsed.range);
      else v6.push(parsed.range);
    }
    v4.sort((a, b) => a.start - b.start);
    const merged4: Range4[] = [];
    for (const range of v4) {
      const last = merged4.at(-1);
      if (last && range.start <= last.end + 1) last.end = Math.max(last.end, range.end);
      else merged4.push({ ...range });
    }
    this.starts4 = Float64Array.from(merged4, (r) => r.start);
    this.ends4 = Float64Array.from(merged4, (r) => r.end);
    v6.sort((a, b) => compareWords(a.start, b.start));
    const merged6: Range6[] = [];
    for (const range of v6) {
      const last = merged6.at(-1);
      if (last && compareWords(range.start, last.end) <= 0) {
        if (compareWords(range.end, last.end) > 0) last.end = range.end;
      } else merged6.push({ start: range.start, end: range.end });
    }
    this.ranges6 = merged6;
  }

  contains(address: IpAddress): boolean {
    if (address.family === 4) {
      const { starts4, ends4 } = this;
      let lo = 0;
      let hi = starts4.length - 1;
      // The last range starting at or before the address.
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (starts4[mid]! <= address.value) lo = mid + 1;
        else hi = mid - 1;
      }
      return hi >= 0 && address.value <= ends4[hi]!;
    }
    const ranges = this.ranges6;
    let lo = 0;
    let hi = ranges.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (compareWords(ranges[mid]!.start, address.words) <= 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return hi >= 0 && compareWords(address.words, ranges[hi]!.end) <= 0;
  }
}
