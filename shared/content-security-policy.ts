/**
 * The one Content-Security-Policy of the UI, sent by both the Electron `app://` protocol and the headless host. The
 * renderer needs no network of its own (libp2p runs in the main process; the host's API is same-origin), so
 * everything is limited to the app's own origin: no inline scripts or styles, no eval, no plugins, nobody may frame
 * the app. `media-src mediastream:` and `blob:` are for the camera preview when scanning a QR code.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob: mediastream:",
  "font-src 'self'",
  "connect-src 'self'",
  "worker-src 'none'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-src 'none'",
  "frame-ancestors 'none'",
].join('; ');
