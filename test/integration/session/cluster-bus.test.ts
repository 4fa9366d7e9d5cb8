import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const dir = mkdtempSync(join(tmpdir(), 'airlock-cluster-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('clusterBus: a revocation in worker A evicts worker B\'s cached session within 100 ms', async () => {
  const script = fileURLToPath(new URL('./fixtures/cluster-revocation.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, join(dir, 'shared.db')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const code = await new Promise<number | null>((r) => child.on('close', r));
  assert.equal(code, 0, `cluster script failed: ${err}`);
  const { held, revoked, observed } = JSON.parse(out.trim());
  assert.equal(held.got, true, 'B found the session (shared store)');
  assert.equal(held.cached, true, 'B holds it in memory: only a bus message can evict it before cache_ttl (10 min)');
  assert.equal(observed.cachedAfter, 'miss', 'B evicted its copy on the message');
  assert.equal(observed.getAfter, 'none', 'B no longer accepts the session');
  const latency = observed.at - revoked.t0;
  assert.ok(latency >= 0 && latency < 100, `B saw the revocation ${latency} ms after A began revoking`);
});
