import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** A CPU bandwidth limit read from cgroup files: none, a number of CPUs (may be fractional), or unreadable. */
export type CpuLimit =
  | { readonly kind: 'none' }
  | { readonly kind: 'limit'; readonly cpus: number }
  | { readonly kind: 'invalid'; readonly reason: string };

/** The cgroup files that bound this process, innermost first (the reader collects them; tests build them). */
export interface CgroupCpuFiles {
  /** cgroup v2 `cpu.max` contents, from the process's cgroup up to the root of the mount. */
  readonly cpuMax?: readonly string[];
  /** cgroup v1 `cpu.cfs_quota_us` / `cpu.cfs_period_us` pairs, same order. */
  readonly cfs?: readonly { readonly quota: string; readonly period: string }[];
  /** Files that exist but could not be read. */
  readonly unreadable?: readonly string[];
}

const UINT = /^[0-9]{1,15}$/;

/** cgroup v2 `cpu.max`: "<quota> <period>" in microseconds, or "max <period>" for no limit. */
export function parseCpuMax(text: string): CpuLimit {
  if (typeof text !== 'string') return { kind: 'invalid', reason: 'cpu.max is not text' };
  const parts = text.trim().split(/\s+/);
  if (parts.length !== 2) return { kind: 'invalid', reason: 'cpu.max must be "<quota> <period>"' };
  const [quota = '', period = ''] = parts;
  if (!UINT.test(period) || Number(period) === 0) return { kind: 'invalid', reason: 'cpu.max period must be a positive integer' };
  if (quota === 'max') return { kind: 'none' };
  if (!UINT.test(quota) || Number(quota) === 0) return { kind: 'invalid', reason: 'cpu.max quota must be "max" or a positive integer' };
  return { kind: 'limit', cpus: Number(quota) / Number(period) };
}

/** cgroup v1 CFS bandwidth: quota "-1" means no limit. */
export function parseCfs(quotaText: string, periodText: string): CpuLimit {
  if (typeof quotaText !== 'string' || typeof periodText !== 'string') return { kind: 'invalid', reason: 'cfs files are not text' };
  const quota = quotaText.trim();
  const period = periodText.trim();
  if (!UINT.test(period) || Number(period) === 0) return { kind: 'invalid', reason: 'cpu.cfs_period_us must be a positive integer' };
  if (quota === '-1') return { kind: 'none' };
  if (!UINT.test(quota) || Number(quota) === 0) return { kind: 'invalid', reason: 'cpu.cfs_quota_us must be -1 or a positive integer' };
  return { kind: 'limit', cpus: Number(quota) / Number(period) };
}

/**
 * The binding limit: every level of the hierarchy caps the process, so the smallest one wins. cgroup v2 files are
 * used when there are any (a v1 `cpu` controller then is not the one in charge), else the v1 ones. A file that
 * cannot be parsed makes the result `invalid` unless another level still gives a valid limit.
 */
export function cpuLimitFromCgroup(files: CgroupCpuFiles): CpuLimit {
  const levels: CpuLimit[] =
    files.cpuMax !== undefined && files.cpuMax.length > 0 ? files.cpuMax.map(parseCpuMax) : (files.cfs ?? []).map((f) => parseCfs(f.quota, f.period));
  for (const path of files.unreadable ?? []) levels.push({ kind: 'invalid', reason: `cannot read ${path}` });
  let best: CpuLimit = { kind: 'none' };
  let invalid: CpuLimit | undefined;
  for (const l of levels) {
    if (l.kind === 'invalid') invalid ??= l;
    else if (l.kind === 'limit' && (best.kind !== 'limit' || l.cpus < best.cpus)) best = l;
  }
  return best.kind === 'limit' ? best : (invalid ?? best);
}

/**
 * `workers: auto`: one worker per usable CPU = max(1, min(availableParallelism, ceil(quota / period))).
 * Rounded UP: a quota of 1.5 CPUs gets 2 workers (two event loops can use the 1.5 CPUs; one could use only 1).
 * An invalid limit is ignored here (the caller logs it): the count is then availableParallelism.
 */
export function autoWorkerCount(available: number, limit: CpuLimit): number {
  if (!Number.isSafeInteger(available) || available < 1) throw new TypeError('autoWorkerCount: available must be a positive integer');
  if (limit.kind !== 'limit') return available;
  return Math.max(1, Math.min(available, Math.ceil(limit.cpus)));
}

export interface CgroupPaths {
  /** Where the cgroup filesystems are mounted (default /sys/fs/cgroup). */
  readonly root?: string;
  /** The process's cgroup membership (default /proc/self/cgroup). */
  readonly procSelfCgroup?: string;
}

/**
 * Collects the cgroup CPU files that bound this process: for v2, `cpu.max` of the process's cgroup (from
 * /proc/self/cgroup) and of each ancestor up to the mount root; for v1, the `cpu` controller's CFS files the same
 * way under `cpu/` and `cpu,cpuacct/`. In a container with its own cgroup namespace the process's cgroup is the
 * mount root, so `<root>/cpu.max` is the one read. Missing files are skipped (no cgroup limit there).
 */
export function readCgroupCpuFiles(paths: CgroupPaths = {}): CgroupCpuFiles {
  const root = (paths.root ?? '/sys/fs/cgroup').replace(/\/+$/, '');
  const self = read(paths.procSelfCgroup ?? '/proc/self/cgroup');
  const membership = typeof self === 'object' ? self.text : '';
  const unreadable: string[] = [];
  const v2Path = /^0::(\/[^\n]*)$/m.exec(membership)?.[1] ?? '/';
  const v1Path = /^\d+:([^:\n]*):(\/[^\n]*)$/gm;
  let cpuPath = '/';
  for (const m of membership.matchAll(v1Path)) {
    if (m[1]!.split(',').includes('cpu')) cpuPath = m[2]!;
  }
  const cpuMax: string[] = [];
  for (const dir of chain(root, v2Path)) {
    const t = read(`${dir}/cpu.max`);
    if (typeof t === 'object') cpuMax.push(t.text);
    else if (t === 'unreadable') unreadable.push(`${dir}/cpu.max`);
  }
  const cfs: { quota: string; period: string }[] = [];
  if (cpuMax.length === 0) {
    for (const mount of [`${root}/cpu`, `${root}/cpu,cpuacct`]) {
      for (const dir of chain(mount, cpuPath)) {
        const quota = read(`${dir}/cpu.cfs_quota_us`);
        const period = read(`${dir}/cpu.cfs_period_us`);
        if (typeof quota === 'object' && typeof period === 'object') cfs.push({ quota: quota.text, period: period.text });
        else if (quota === 'unreadable' || period === 'unreadable') unreadable.push(`${dir}/cpu.cfs_*`);
      }
    }
  }
  return { cpuMax, cfs, unreadable };
}

/** What `workers: auto` resolves to on this machine, and why. */
export function detectAutoWorkers(paths: CgroupPaths = {}): { workers: number; available: number; limit: CpuLimit } {
  const available = availableParallelism();
  const limit = cpuLimitFromCgroup(readCgroupCpuFiles(paths));
  return { workers: autoWorkerCount(available, limit), available, limit };
}

/** `<mount><path>`, then each parent directory up to `<mount>` (at most 64 levels; `..` segments refused). */
function chain(mount: string, path: string): string[] {
  const segs = path.split('/').filter((s) => s !== '' && s !== '.');
  if (segs.includes('..') || segs.length > 64) return [mount];
  const out: string[] = [];
  for (let i = segs.length; i >= 0; i--) out.push(i === 0 ? mount : `${mount}/${segs.slice(0, i).join('/')}`);
  return out;
}

/** File text, 'absent' (no such file: no limit at that level) or 'unreadable'. */
function read(path: string): { text: string } | 'absent' | 'unreadable' {
  try {
    return { text: readFileSync(path, 'utf8') };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? 'absent' : 'unreadable';
  }
}
