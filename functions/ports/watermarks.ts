import type { Instant } from '#core/time';
import type { Page, PageRequest } from './stores.ts';
import type { RgbaImage } from '#core/watermark/codec';

/** A corp's watermark key; the version travels in every mark so keys can be rotated. */
export type WatermarkKey = { version: number; secret: Uint8Array };

export type TraceRecord = {
  traceId: string;
  adminId: string;
  at: Instant;
  found: boolean;
  memberId: string | null;
  markedAt: Instant | null;
  confidence: number | null;
  imageBytes: number;
};

export interface WatermarkBook {
  /** The key marks are made with now; the first call creates it. */
  currentKey(corpId: string): Promise<WatermarkKey>;
  /** Every key the corp has had, newest first: old marks stay readable. */
  keys(corpId: string): Promise<WatermarkKey[]>;
  /** The member's serial in the corp (from 1), assigned on first use and never reassigned. */
  serialOf(corpId: string, memberId: string): Promise<number>;
  memberOfSerial(corpId: string, serial: number): Promise<string | null>;
  /** The highest serial handed out so far (0 before the first): no mark carries a higher one. */
  lastSerial(corpId: string): Promise<number>;
  recordTrace(corpId: string, trace: TraceRecord): Promise<void>;
  /** The audit trail of traces, newest first. */
  traces(corpId: string, page: PageRequest): Promise<Page<TraceRecord>>;
}

/** Protects key material at rest (KMS on AWS). */
export interface SecretSealer {
  seal(corpId: string, secret: Uint8Array): Promise<string>;
  open(corpId: string, sealed: string): Promise<Uint8Array>;
}

export type ImageFormat = 'png' | 'jpeg' | 'webp';

/** Decoded pixels, perhaps downscaled (see `fitPixels`). */
export type DecodedImage = { format: ImageFormat; image: RgbaImage };

export type DecodeLimits = {
  /** More pixels than this is refused from the header, before anything is decoded. */
  maxPixels: number;
  /** An image with more pixels than this is downscaled to fit while it is decoded (`traceSize`). */
  fitPixels?: number;
};

export interface Images {
  /** RGBA pixels and the format; null when the bytes are not a PNG, JPEG or WebP image; `oversized` past `maxPixels`. */
  decode(bytes: Uint8Array, limits: DecodeLimits): Promise<DecodedImage | { oversized: { width: number; height: number } } | null>;
  encode(image: RgbaImage, format: ImageFormat): Promise<Uint8Array>;
}
