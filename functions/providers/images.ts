import { sharpImages } from '#adapters/images/sharp-images';
import { provider } from '#commons/provider';
import type { Images } from '#ports/watermarks';

/** sharp (libvips): only the watermark function carries it. */
export const images = provider<Images>(() => sharpImages);
