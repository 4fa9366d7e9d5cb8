import type { AirlockConfig } from './schema/index.ts';

/** One immutable, validated view of the config plus what builders compiled from it. */
export interface ConfigSnapshot {
  readonly config: AirlockConfig;
  /** Absolute path of the config file. */
  readonly source: string;
  /** Folder of the config file. */
  readonly baseDir: string;
  /** Epoch ms when this config was loaded. */
  readonly loadedAt: number;
  /** 1 for the first load, +1 for every successful reload. */
  readonly version: number;
  /** Artefacts from registered builders, by builder name. */
  readonly built: ReadonlyMap<string, unknown>;
}

/** A Map that cannot be changed after construction (Object.freeze does not protect a Map's entries). */
class FrozenMap<K, V> extends Map<K, V> {
  constructor(entries: Iterable<readonly [K, V]>) {
    super();
    for (const [k, v] of entries) super.set(k, v);
    Object.freeze(this);
  }
  override set(): this {
    throw new TypeError('snapshot.built is read-only');
  }
  override delete(): boolean {
    throw new TypeError('snapshot.built is read-only');
  }
  override clear(): void {
    throw new TypeError('snapshot.built is read-only');
  }
}

export function createSnapshot(fields: Omit<ConfigSnapshot, 'built'> & { built: Iterable<readonly [string, unknown]> }): ConfigSnapshot {
  return Object.freeze({
    config: fields.config,
    source: fields.source,
    baseDir: fields.baseDir,
    loadedAt: fields.loadedAt,
    version: fields.version,
    built: new FrozenMap<string, unknown>(fields.built),
  });
}
