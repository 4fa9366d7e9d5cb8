import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, ConfigHolder, installSighupReload, loadConfig, resolveConfigPath, type ConfigSnapshot } from '../../../src/config/index.ts';
import { VALID, tempDir } from './fixtures.ts';

const tmp = tempDir();
after(() => tmp.cleanup());
const env = { S: 'holder-secret' };
let n = 0;
const fresh = (text = VALID) => tmp.write(`c${++n}/airlock.yaml`, text);

test('loadConfig returns a deep-frozen config; a missing file is a ConfigError naming the path', async () => {
  const cfg = await loadConfig(fresh(), { env });
  assert.ok(Object.isFrozen(cfg) && Object.isFrozen(cfg.idp) && Object.isFrozen(cfg.idp.scopes) && Object.isFrozen(cfg.environments.prod));
  await assert.rejects(loadConfig(`${tmp.dir}/nope.yaml`), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.equal(err.problems[0]!.hint, `tried ${tmp.dir}/nope.yaml; set --config or AIRLOCK_CONFIG`);
    return true;
  });
});

test('resolveConfigPath: --config, then AIRLOCK_CONFIG, then ./airlock.yaml', () => {
  assert.equal(resolveConfigPath('/etc/a.yaml', { AIRLOCK_CONFIG: '/etc/b.yaml' }), '/etc/a.yaml');
  assert.equal(resolveConfigPath(undefined, { AIRLOCK_CONFIG: '/etc/b.yaml' }), '/etc/b.yaml');
  assert.equal(resolveConfigPath(undefined, {}), `${process.cwd()}/airlock.yaml`);
  assert.throws(() => resolveConfigPath('', {}), TypeError);
  assert.throws(() => resolveConfigPath(undefined, { AIRLOCK_CONFIG: '' }), TypeError);
});

test('the snapshot is deep-frozen, built map read-only', async () => {
  const holder = await ConfigHolder.open(fresh(), { env });
  const s = holder.current;
  assert.equal(s.version, 1);
  assert.equal(s.baseDir, `${tmp.dir}/c${n}`);
  assert.ok(Object.isFrozen(s) && Object.isFrozen(s.config) && Object.isFrozen(s.config.roles['airflow-admins']));
  assert.throws(() => {
    (s.config.idp as { client_id: string }).client_id = 'x';
  }, TypeError);
  assert.throws(() => (s.built as Map<string, unknown>).set('x', 1), TypeError);
  assert.throws(() => (s.built as Map<string, unknown>).delete('x'), TypeError);
});

test('addBuilder runs at once on the current snapshot; a failing builder throws and is not registered', async () => {
  const holder = await ConfigHolder.open(fresh(), { env });
  holder.addBuilder('envs', (cfg) => Object.keys(cfg.environments));
  assert.deepEqual(holder.current.built.get('envs'), ['prod', 'dev']);
  assert.equal(holder.current.version, 1);
  await holder.addBuilder('later', async (cfg) => cfg.public_url);
  assert.equal(holder.current.built.get('later'), 'https://airflow.example.com');
  assert.throws(
    () => holder.addBuilder('bad', () => {
      throw new Error('cannot compile');
    }),
    (err: unknown) => err instanceof ConfigError && err.problems[0]!.path === '(builder bad)' && /cannot compile/.test(err.problems[0]!.message),
  );
  assert.equal(holder.current.built.has('bad'), false);
  assert.throws(() => holder.addBuilder('envs', () => 1), TypeError);
  const r = await holder.reload();
  assert.ok(r.ok);
  assert.deepEqual([...r.snapshot.built.keys()], ['envs', 'later']);
});

test('reload swaps on a valid file, rebuilds artefacts and calls listeners', async () => {
  const file = fresh();
  const holder = await ConfigHolder.open(file, { env });
  let builds = 0;
  holder.addBuilder('count', () => ++builds);
  const calls: [number, number][] = [];
  const off = holder.onChange((next: ConfigSnapshot, prev: ConfigSnapshot) => calls.push([prev.version, next.version]));
  tmp.write(`c${n}/airlock.yaml`, VALID.replace('airflow-admins: Admin', 'airflow-admins: Admin\n  viewers: Viewer'));
  const r = await holder.reload();
  assert.ok(r.ok);
  assert.equal(holder.current, r.snapshot);
  assert.equal(r.snapshot.version, 2);
  assert.deepEqual(r.snapshot.config.roles.viewers, ['Viewer']);
  assert.equal(r.snapshot.built.get('count'), 2);
  assert.deepEqual(calls, [[1, 2]]);
  off();
  assert.ok((await holder.reload()).ok);
  assert.deepEqual(calls, [[1, 2]]);
});

test('reload keeps the old snapshot when the file becomes invalid', async () => {
  const file = fresh();
  const holder = await ConfigHolder.open(file, { env });
  const before = holder.current;
  let called = false;
  holder.onChange(() => (called = true));
  tmp.write(`c${n}/airlock.yaml`, VALID.replace('client_id: airlock', 'clientid: airlock'));
  const r = await holder.reload();
  assert.equal(r.ok, false);
  assert.ok(!r.ok && r.problems.some((p) => p.path === 'idp.clientid' && p.hint === 'did you mean `client_id`?'));
  assert.equal(holder.current, before);
  assert.equal(called, false);
});

test('reload keeps the old snapshot when a builder fails on the new config', async () => {
  const file = fresh();
  const holder = await ConfigHolder.open(file, { env });
  holder.addBuilder('policy', (cfg) => {
    if (cfg.roles.forbidden) throw new ConfigError([{ path: 'roles.forbidden', message: 'policy refuses it' }], 'policy');
    return 'compiled';
  });
  const before = holder.current;
  tmp.write(`c${n}/airlock.yaml`, VALID.replace('airflow-admins: Admin', 'airflow-admins: Admin\n  forbidden: Op'));
  const r = await holder.reload();
  assert.ok(!r.ok);
  assert.deepEqual(r.problems, [{ path: 'roles.forbidden', message: 'policy refuses it' }]);
  assert.equal(holder.current, before);
  assert.equal(holder.current.built.get('policy'), 'compiled');
});

test('concurrent reloads run one at a time and versions stay in order', async () => {
  const holder = await ConfigHolder.open(fresh(), { env });
  const results = await Promise.all([holder.reload(), holder.reload(), holder.reload()]);
  assert.deepEqual(results.map((r) => (r.ok ? r.snapshot.version : 0)), [2, 3, 4]);
});

test('SIGHUP reloads and logs the outcome without secrets', async () => {
  const file = fresh();
  const holder = await ConfigHolder.open(file, { env });
  const logs: { level: string; obj: Record<string, unknown>; msg: string }[] = [];
  let wake: () => void = () => {};
  const log = {
    info: (obj: Record<string, unknown>, msg: string) => (logs.push({ level: 'info', obj, msg }), wake()),
    error: (obj: Record<string, unknown>, msg: string) => (logs.push({ level: 'error', obj, msg }), wake()),
  };
  const uninstall = installSighupReload(holder, log);
  try {
    // Signal handles do not keep the event loop alive: a timer does (and fails the test if nothing is logged).
    const next = () =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no log after SIGHUP')), 5000);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    tmp.write(`c${n}/airlock.yaml`, VALID.replace('airflow-admins: Admin', 'ops: Op'));
    let logged = next();
    process.kill(process.pid, 'SIGHUP');
    await logged;
    assert.equal(holder.current.version, 2);
    assert.deepEqual(holder.current.config.roles, { ops: ['Op'] });
    assert.equal(logs[0]!.level, 'info');
    assert.equal(logs[0]!.obj.version, 2);

    tmp.write(`c${n}/airlock.yaml`, VALID.replace('${env:S}', 'inline-literal'));
    logged = next();
    process.kill(process.pid, 'SIGHUP');
    await logged;
    assert.equal(holder.current.version, 2);
    assert.equal(logs[1]!.level, 'error');
    assert.match(logs[1]!.msg, /keeping version 2/);
    const text = JSON.stringify(logs);
    assert.ok(!text.includes('holder-secret') && !text.includes('inline-literal'), text);
  } finally {
    uninstall();
  }
  assert.equal(process.listenerCount('SIGHUP'), 0);
});

test('a throwing onChange listener does not undo the swap or stop other listeners', async () => {
  const seen: unknown[] = [];
  const holder = await ConfigHolder.open(fresh(), { env, onListenerError: (err) => seen.push(err) });
  let second = 0;
  holder.onChange(() => {
    throw new Error('listener broke');
  });
  holder.onChange((next) => (second = next.version));
  const r = await holder.reload();
  assert.ok(r.ok);
  assert.equal(holder.current.version, 2);
  assert.equal(second, 2);
  assert.equal(seen.length, 1);
  assert.match((seen[0] as Error).message, /listener broke/);
});
