import { writeFileSync } from 'node:fs';
import encodeQR from '@paulmillr/qr';

/**
 * Writes a .y4m video (a text header plus raw YUV 4:2:0 frames) showing `text` as a QR code, black on white, for
 * Chromium's `--use-file-for-fake-video-capture`.
 */
export function writeQrY4m(path: string, text: string, width = 640, height = 480): void {
  const grid = encodeQR(text, 'raw', { ecc: 'medium', border: 4 });
  const scale = Math.max(1, Math.floor((Math.min(width, height) - 16) / grid.length));
  const size = grid.length * scale;
  const left = Math.floor((width - size) / 2);
  const top = Math.floor((height - size) / 2);
  const luma = Buffer.alloc(width * height, 235);
  for (let y = 0; y < size; y++) {
    const row = grid[Math.floor(y / scale)]!;
    for (let x = 0; x < size; x++) {
      if (row[Math.floor(x / scale)]) luma[(top + y) * width + left + x] = 16;
    }
  }
  const chroma = Buffer.alloc((width / 2) * (height / 2), 128);
  const frame = Buffer.concat([Buffer.from('FRAME\n'), luma, chroma, chroma]);
  const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F10:1 Ip A1:1 C420jpeg\n`);
  writeFileSync(path, Buffer.concat([header, frame, frame]));
}
