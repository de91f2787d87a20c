import { loadedOnFirstCall, provider } from '#commons/provider';
import type { Images } from '#ports/watermarks';

/** sharp (libvips): only the watermark function carries it, and loads it with the first image. */
export const images = provider<Images>(() => loadedOnFirstCall(async () => (await import('#adapters/images/sharp-images')).sharpImages));
