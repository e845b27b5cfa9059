import { readFileSync } from 'node:fs';
import { nativeImage } from 'electron';
import type { NativeImage } from 'electron';

/** Reads a PNG through fs (works inside app.asar) and makes an image of it; empty if the file is missing. */
export function loadImage(path: string): NativeImage {
  try {
    return nativeImage.createFromBuffer(readFileSync(path));
  } catch (err) {
    console.warn(`[tessera] missing image ${path}:`, err);
    return nativeImage.createEmpty();
  }
}
