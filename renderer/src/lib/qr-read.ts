import decodeQR from '@paulmillr/qr/decode.js';
import jsQR from 'jsqr';

/** One camera frame as RGBA bytes (the shape of a canvas ImageData). */
export interface RgbaFrame {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

/**
 * Reads the QR code in a frame, or null when none can be read.
 *
 * Two decoders, fastest first: @paulmillr/qr misplaces the finder patterns of some perfectly drawn codes (a few of
 * our invite and recovery codes: tests/unit/renderer/qr-read.test.ts; it then throws), and jsQR (slower, and far
 * slower on a busy frame with no code) reads those. A camera held on such a code would otherwise never read
 * it. `fallback: false` skips jsQR, for a scanner that runs it only on some frames. Tessera draws its codes dark on
 * light, so jsQR does not also try the inverted image.
 */
export function readQr(frame: RgbaFrame, options: { fallback?: boolean } = {}): string | null {
  try {
    const text = decodeQR(frame);
    if (text) return text;
  } catch {
    // no code found, or this decoder could not read it: try the other one
  }
  if (options.fallback === false) return null;
  const found = jsQR(frame.data, frame.width, frame.height, { inversionAttempts: 'dontInvert' });
  return found?.data ? found.data : null;
}
