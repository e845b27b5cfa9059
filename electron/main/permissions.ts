import { isAppOrigin, isAppUrl } from './app-origin.ts';

/**
 * The renderer may ask for one thing: the camera (`media`, video only), to scan a friend's QR code — and only from
 * the app's own origin. Every other permission (notifications from the page, geolocation, clipboard, USB, …) is
 * denied; system notifications are shown by the main process instead.
 */
export interface PermissionRequestInfo {
  permission: string;
  requestingUrl?: string | undefined;
  mediaTypes?: readonly string[] | undefined;
}

export function allowPermissionRequest(info: PermissionRequestInfo): boolean {
  if (info.permission !== 'media') return false;
  if (!isAppUrl(info.requestingUrl)) return false;
  const types = info.mediaTypes ?? [];
  return types.length > 0 && types.every((t) => t === 'video');
}

/** Synchronous permission checks (e.g. enumerating devices) follow the same rule. */
export function allowPermissionCheck(
  permission: string,
  requestingOrigin: string,
  mediaType?: string,
): boolean {
  if (permission !== 'media') return false;
  if (!isAppOrigin(requestingOrigin) && !isAppUrl(requestingOrigin)) return false;
  return mediaType === undefined || mediaType === 'video' || mediaType === 'unknown';
}
