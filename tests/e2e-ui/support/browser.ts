import { existsSync } from 'node:fs';

/** Debian's Chromium, never a browser downloaded by Playwright. */
export const CHROMIUM = process.env.TESSERA_CHROMIUM ?? '/usr/bin/chromium';

export const BASE_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export function browserArgs(extra: string[] = []): string[] {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}. Install it: apt-get update && apt-get install -y chromium`,
    );
  }
  return [...BASE_ARGS, ...extra];
}

/** Chromium's fake camera, showing the still image in a .y4m file to getUserMedia. */
export function fakeCameraArgs(y4mPath: string): string[] {
  return [
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    `--use-file-for-fake-video-capture=${y4mPath}`,
  ];
}
