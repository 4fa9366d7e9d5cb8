import { dirname, resolve } from 'node:path';
import type { AirlockConfig } from './schema/index.ts';
import { ConfigError, type ConfigProblem } from './errors.ts';
import { loadConfig } from './load-config.ts';
import { createSnapshot, type ConfigSnapshot } from './snapshot.ts';

export type Builder = (cfg: AirlockConfig, snapshot: { baseDir: string }) => unknown | Promise<unknown>;
export type ReloadResult = { ok: true; snapshot: ConfigSnapshot } | { ok: false; problems: ConfigProblem[] };
type Listener = (next: ConfigSnapshot, prev: ConfigSnapshot) => void;

export interface HolderOptions {
  env?: NodeJS.ProcessEnv;
  /** Called when an onChange listener throws (the swap has already happened). Default: process.emitWarning. */
  onListenerError?: (err: unknown) => void;
}

/**
 * Keeps the current config snapshot. reload() re-reads the same file and swaps in a new snapshot only when the
 * file is valid AND every builder succeeds; otherwise the old snapshot stays and the problems are returned.
 * Reloads run one at a time, in the order they were asked for.
 */
export class ConfigHolder {
  readonly #path: string;
  readonly #opts: HolderOptions;
  #current: ConfigSnapshot;
  readonly #builders = new Map<string, Builder>();
  readonly #listeners = new Set<Listener>();
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(path: string, opts: HolderOptions, first: ConfigSnapshot) {
    this.#path = path;
    this.#opts = opts;
    this.#current = first;
  }

  /** Loads the file (throws ConfigError when invalid) and returns a holder with snapshot version 1. */
  static async open(path: string, opts: HolderOptions = {}): Promise<ConfigHolder> {
    const full = resolve(path);
    const config = await loadConfig(full, opts.env ? { env: opts.env } : {});
    return new ConfigHolder(full, opts, createSnapshot({ config, source: full, baseDir: dirname(full), loadedAt: Date.now(), version: 1, built: [] }));
  }

  get current(): ConfigSnapshot {
    return this.#current;
  }

  /**
   * Registers a builder and runs it on the current snapshot at once; the current snapshot is replaced by one
   * (same config and version) that also carries the artefact. Throws ConfigError when the builder fails
   * (nothing is registered then). A builder that returns a promise makes addBuilder return a promise.
   */
  addBuilder(name: string, build: (cfg: AirlockConfig, snapshot: { baseDir: string }) => Promise<unknown>): Promise<void>;
  addBuilder(name: string, build: Builder): void;
  addBuilder(name: string, build: Builder): void | Promise<void> {
    if (typeof name !== 'string' || name === '') throw new TypeError('addBuilder: name must be a non-empty string');
    if (typeof build !== 'function') throw new TypeError('addBuilder: build must be a function');
    if (this.#builders.has(name)) throw new TypeError(`addBuilder: a builder named "${name}" is already registered`);
    const base = this.#current;
    const install = (artefact: unknown): void => {
      if (this.#builders.has(name)) throw new TypeError(`addBuilder: a builder named "${name}" is already registered`);
      if (this.#current !== base) {
        // A reload swapped snapshots while an async builder ran: run it again on the newer one.
        throw new ConfigError([{ path: `(builder ${name})`, message: 'the config was reloaded while the builder ran; register it again' }], this.#path);
      }
      this.#builders.set(name, build);
      this.#current = createSnapshot({ ...base, built: [...base.built, [name, artefact]] });
    };
    let result: unknown;
    try {
      result = build(base.config, { baseDir: base.baseDir });
    } catch (err) {
      throw new ConfigError(builderProblems(name, err), this.#path);
    }
    if (isThenable(result)) {
      return Promise.resolve(result).then(install, (err: unknown) => {
        throw new ConfigError(builderProblems(name, err), this.#path);
      });
    }
    install(result);
  }

  /** Re-reads the file; swaps only if it validates and every builder succeeds. Never throws for a bad file. */
  reload(): Promise<ReloadResult> {
    const run = this.#queue.then(() => this.#reloadNow());
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Called after every swap (not for a failed reload). Returns a function that removes the listener. */
  onChange(fn: Listener): () => void {
    if (typeof fn !== 'function') throw new TypeError('onChange: fn must be a function');
    const entry: Listener = (next, prev) => fn(next, prev);
    this.#listeners.add(entry);
    return () => {
      this.#listeners.delete(entry);
    };
  }

  async #reloadNow(): Promise<ReloadResult> {
    const prev = this.#current;
    let config: AirlockConfig;
    try {
      config = await loadConfig(this.#path, this.#opts.env ? { env: this.#opts.env } : {});
    } catch (err) {
      return { ok: false, problems: toProblems(err) };
    }
    const built: [string, unknown][] = [];
    const problems: ConfigProblem[] = [];
    for (const [name, build] of this.#builders) {
      try {
        built.push([name, await build(config, { baseDir: prev.baseDir })]);
      } catch (err) {
        problems.push(...builderProblems(name, err));
      }
    }
    if (problems.length > 0) return { ok: false, problems };
    const next = createSnapshot({ config, source: prev.source, baseDir: prev.baseDir, loadedAt: Date.now(), version: prev.version + 1, built });
    this.#current = next;
    for (const listener of [...this.#listeners]) {
      try {
        listener(next, prev);
      } catch (err) {
        (this.#opts.onListenerError ?? defaultListenerError)(err);
      }
    }
    return { ok: true, snapshot: next };
  }
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (typeof v === 'object' || typeof v === 'function') && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

function toProblems(err: unknown): ConfigProblem[] {
  if (err instanceof ConfigError) return err.problems;
  return [{ path: '(file)', message: `cannot load the config: ${err instanceof Error ? err.name : 'unknown error'}` }];
}

/** A builder's ConfigError keeps its problems; any other error becomes one problem naming the builder. */
function builderProblems(name: string, err: unknown): ConfigProblem[] {
  if (err instanceof ConfigError) return err.problems;
  const message = err instanceof Error ? err.message : String(err);
  return [{ path: `(builder ${name})`, message: `failed: ${message}` }];
}

function defaultListenerError(err: unknown): void {
  process.emitWarning(`config onChange listener failed: ${err instanceof Error ? err.message : String(err)}`, 'AirlockConfigWarning');
}
