import type { Endpoint } from '../index.ts';
import { deviceCode } from './code.ts';
import { deviceDecision, devicePage } from './page.ts';
import { deviceToken } from './token.ts';

/** airlock login (RFC 8628): the CLI's two JSON endpoints and the person's approval page. */
export const DEVICE_ROUTES: Record<string, Partial<Record<string, Endpoint>>> = {
  '/.airlock/device/code': { POST: deviceCode },
  '/.airlock/device/token': { POST: deviceToken },
  '/.airlock/device': { GET: devicePage, POST: deviceDecision },
};
