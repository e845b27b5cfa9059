import { CHROMIUM_ARGS, CHROMIUM_PATH, chromiumLaunchOptions } from '../../helpers/chromium.ts';

/** Debian's Chromium, never a browser downloaded by Playwright (see tests/helpers/chromium.ts). */
export const CHROMIUM = CHROMIUM_PATH;
export const BASE_ARGS = CHROMIUM_ARGS;

/** The launch arguments (throws with the install command when Chromium is missing). */
export function browserArgs(extra: string[] = []): string[] {
  return chromiumLaunchOptions(extra).args ?? [];
}

/** Chromium's fake camera, showing the still image in a .y4m file to getUserMedia. */
export function fakeCameraArgs(y4mPath: string): string[] {
  return [
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    `--use-file-for-fake-video-capture=${y4mPath}`,
  ];
}
