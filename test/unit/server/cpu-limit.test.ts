import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { autoWorkerCount, cpuLimitFromCgroup, detectAutoWorkers, parseCfs, parseCpuMax, readCgroupCpuFiles } from '../../../src/server/cpu-limit.ts';

describe('cgroup CPU limit (pure)', () => {
  test('cgroup v2 cpu.max', () => {
    assert.deepEqual(parseCpuMax('max 100000\n'), { kind: 'none' });
    assert.deepEqual(parseCpuMax('200000 100000\n'), { kind: 'limit', cpus: 2 });
    assert.deepEqual(parseCpuMax('150000 100000'), { kind: 'limit', cpus: 1.5 });
    assert.deepEqual(parseCpuMax('50000 100000'), { kind: 'limit', cpus: 0.5 });
  });

  test('cgroup v1 cfs quota/period', () => {
    assert.deepEqual(parseCfs('-1\n', '100000\n'), { kind: 'none' });
    assert.deepEqual(parseCfs('300000\n', '100000\n'), { kind: 'limit', cpus: 3 });
    assert.deepEqual(parseCfs('25000', '100000'), { kind: 'limit', cpus: 0.25 });
  });

  test('garbage is invalid, never a limit', () => {
    for (const bad of ['', '\n', 'max', '100000', 'max max', '0 100000', '100000 0', '-5 100000', '1e5 100000', '100000 100000 1', 'abc def', '0x10 100000', '99999999999999999999 100000', '1.5 100000']) {
      assert.equal(parseCpuMax(bad).kind, 'invalid', JSON.stringify(bad));
    }
    for (const [q, p] of [['', '100000'], ['-2', '100000'], ['0', '100000'], ['100000', '0'], ['100000', ''], ['max', '100000'], ['1000', '-1'], ['12abc', '100000']] as const) {
      assert.equal(parseCfs(q, p).kind, 'invalid', `${q} ${p}`);
    }
    assert.equal(parseCpuMax(undefined as never).kind, 'invalid');
  });

  test('the tightest level wins; v2 files take precedence over v1; an invalid level alone makes the result invalid', () => {
    assert.deepEqual(cpuLimitFromCgroup({}), { kind: 'none' });
    assert.deepEqual(cpuLimitFromCgroup({ cpuMax: ['max 100000', '400000 100000', '250000 100000'] }), { kind: 'limit', cpus: 2.5 });
    assert.deepEqual(cpuLimitFromCgroup({ cpuMax: ['max 100000'], cfs: [{ quota: '100000', period: '100000' }] }), { kind: 'none' });
    assert.deepEqual(cpuLimitFromCgroup({ cpuMax: [], cfs: [{ quota: '-1', period: '100000' }, { quota: '200000', period: '100000' }] }), { kind: 'limit', cpus: 2 });
    assert.equal(cpuLimitFromCgroup({ cpuMax: ['garbage'] }).kind, 'invalid');
    assert.deepEqual(cpuLimitFromCgroup({ cpuMax: ['garbage', '100000 100000'] }), { kind: 'limit', cpus: 1 });
    assert.equal(cpuLimitFromCgroup({ unreadable: ['/sys/fs/cgroup/cpu.max'] }).kind, 'invalid');
  });

  test('workers = max(1, min(availableParallelism, ceil(quota / period)))', () => {
    assert.equal(autoWorkerCount(8, { kind: 'none' }), 8);
    assert.equal(autoWorkerCount(8, { kind: 'limit', cpus: 2 }), 2);
    assert.equal(autoWorkerCount(8, { kind: 'limit', cpus: 1.5 }), 2, 'rounded up');
    assert.equal(autoWorkerCount(8, { kind: 'limit', cpus: 0.25 }), 1, 'never below 1');
    assert.equal(autoWorkerCount(2, { kind: 'limit', cpus: 16 }), 2, 'never above the CPUs the process may run on');
    assert.equal(autoWorkerCount(4, { kind: 'invalid', reason: 'x' }), 4);
    assert.throws(() => autoWorkerCount(0, { kind: 'none' }), TypeError);
    assert.throws(() => autoWorkerCount(1.5, { kind: 'none' }), TypeError);
  });
});

describe('cgroup reader', () => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-cgroup-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  /** A fake /sys/fs/cgroup tree (real files) and /proc/self/cgroup. */
  const tree = (files: Record<string, string>, self: string) => {
    const root = join(dir, `t${++n}`);
    for (const [p, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, p)), { recursive: true });
      writeFileSync(join(root, p), text);
    }
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, 'self-cgroup'), self);
    return { root, procSelfCgroup: join(root, 'self-cgroup') };
  };

  test('v2 in a container (own cgroup namespace): <root>/cpu.max', () => {
    const files = readCgroupCpuFiles(tree({ 'cpu.max': '150000 100000\n' }, '0::/\n'));
    assert.deepEqual(files.cpuMax, ['150000 100000\n']);
    assert.deepEqual(cpuLimitFromCgroup(files), { kind: 'limit', cpus: 1.5 });
  });

  test('v2 without a cgroup namespace: the process\'s cgroup and its ancestors', () => {
    const p = tree({ 'kubepods/cpu.max': '400000 100000\n', 'kubepods/pod1/cpu.max': 'max 100000\n', 'kubepods/pod1/c1/cpu.max': '200000 100000\n' }, '0::/kubepods/pod1/c1\n');
    assert.deepEqual(cpuLimitFromCgroup(readCgroupCpuFiles(p)), { kind: 'limit', cpus: 2 });
  });

  test('v1 (and hybrid: a v2 line without cpu.max): the cpu controller\'s cfs files', () => {
    const p = tree({ 'cpu/cpu.cfs_quota_us': '-1\n', 'cpu/cpu.cfs_period_us': '100000\n', 'cpu/docker/x/cpu.cfs_quota_us': '50000\n', 'cpu/docker/x/cpu.cfs_period_us': '100000\n' }, '2:cpuacct,cpu:/docker/x\n1:memory:/docker/x\n0::/\n');
    assert.deepEqual(cpuLimitFromCgroup(readCgroupCpuFiles(p)), { kind: 'limit', cpus: 0.5 });
    assert.equal(autoWorkerCount(4, cpuLimitFromCgroup(readCgroupCpuFiles(p))), 1);
  });

  test('no cgroup files: no limit; garbage files: invalid', () => {
    assert.deepEqual(cpuLimitFromCgroup(readCgroupCpuFiles(tree({}, '0::/\n'))), { kind: 'none' });
    assert.deepEqual(cpuLimitFromCgroup(readCgroupCpuFiles({ root: join(dir, 'missing'), procSelfCgroup: join(dir, 'missing', 'x') })), { kind: 'none' });
    assert.equal(cpuLimitFromCgroup(readCgroupCpuFiles(tree({ 'cpu.max': 'lots\n' }, '0::/\n'))).kind, 'invalid');
    assert.deepEqual(readCgroupCpuFiles(tree({ 'cpu.max': '100000 100000' }, '0::/../../etc\n')).cpuMax, ['100000 100000'], 'a path with .. reads only the mount root');
  });

  test('on this machine: a whole number between 1 and availableParallelism', () => {
    const r = detectAutoWorkers();
    assert.ok(Number.isSafeInteger(r.workers) && r.workers >= 1 && r.workers <= availableParallelism());
    assert.equal(r.available, availableParallelism());
  });
});
