import type { Endpoint } from '../index.ts';
import { lazyEndpoint } from '../lazy.ts';

const page = () => import('./page.ts');

/** airlock login (RFC 8628): the CLI's two JSON endpoints and the person's approval page (loaded at first use). */
export const DEVICE_ROUTES: Record<string, Partial<Record<string, Endpoint>>> = {
  '/.airlock/device/code': { POST: lazyEndpoint(async () => (await import('./code.ts')).deviceCode) },
  '/.airlock/device/token': { POST: lazyEndpoint(async () => (await import('./token.ts')).deviceToken) },
  '/.airlock/device': { GET: lazyEndpoint(async () => (await page()).devicePage), POST: lazyEndpoint(async () => (await page()).deviceDecision) },
};
