import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AirlockConfig } from '../../../src/config/schema/index.ts';
import { checkWebSocketOrigin, compileEnvironments } from '../../../src/proxy/index.ts';
import { code } from '../../support/error-code.ts';

type Envs = AirlockConfig['environments'];
const base = { airflow: 2 as const, timeout: 30_000, connect_timeout: 5_000, connections: 4, upstream: 'http://up:8080' };

test("allowed WebSocket origins: public_url's, and each environment host's under public_url's scheme", () => {
  const envs: Envs = {
    a: { ...base, path_prefix: '/a' },
    b: { ...base, host: 'Airflow-B.Example.com' },
    c: { ...base, host: 'c.example.com:8443' },
    d: { ...base, host: 'd.example.com:443' },
    v6: { ...base, host: '[::1]' },
  };
  assert.deepEqual([...compileEnvironments(envs, 'https://gw.example.com').webSocketOrigins].sort(), [
    'https://[::1]', 'https://airflow-b.example.com', 'https://c.example.com:8443', 'https://d.example.com', 'https://gw.example.com',
  ]);
  // public_url with a port: hosts without a port get it too
  assert.deepEqual([...compileEnvironments(envs, 'http://GW.example.com:8080/').webSocketOrigins].sort(), [
    'http://[::1]:8080', 'http://airflow-b.example.com:8080', 'http://c.example.com:8443', 'http://d.example.com:443', 'http://gw.example.com:8080',
  ]);
});

test('checkWebSocketOrigin: none passes, one allowed passes, anything else is AIRLOCK_PROXY_WEBSOCKET_ORIGIN', () => {
  const allowed = compileEnvironments({ a: { ...base, host: 'b.example.com' } }, 'https://gw.example.com').webSocketOrigins;
  const check = (raw: string[]) => code(() => checkWebSocketOrigin(allowed, ['Host', 'gw.example.com', ...raw]));
  assert.equal(check([]), undefined);
  assert.equal(check(['Origin', 'https://gw.example.com']), undefined);
  assert.equal(check(['origin', 'https://b.example.com']), undefined);
  for (const bad of ['https://evil.example', 'http://gw.example.com', 'https://gw.example.com:444', 'https://GW.example.com', 'https://gw.example.com/', 'null', '', 'https://gw.example.com.evil.example']) {
    assert.equal(check(['Origin', bad]), 'AIRLOCK_PROXY_WEBSOCKET_ORIGIN', JSON.stringify(bad));
  }
  assert.equal(check(['Origin', 'https://gw.example.com', 'ORIGIN', 'https://gw.example.com']), 'AIRLOCK_PROXY_WEBSOCKET_ORIGIN');
  // Sec-WebSocket-Origin (pre-RFC 6455 drafts) is not Origin
  assert.equal(check(['Sec-WebSocket-Origin', 'https://evil.example']), undefined);
});
