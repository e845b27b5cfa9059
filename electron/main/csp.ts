import { CONTENT_SECURITY_POLICY } from '../../shared/content-security-policy.ts';

export { CONTENT_SECURITY_POLICY };

/** Headers added to every app:// response. */
export function securityHeaders(): Record<string, string> {
  return {
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-content-type-options': 'nosniff',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  };
}
