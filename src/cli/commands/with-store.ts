import { ConfigError, formatProblems, loadConfig, resolveConfigPath, type AirlockConfig } from '../../config/index.ts';
import { openStore, type Store } from '../../store/index.ts';

/** Loads the config (--config, $AIRLOCK_CONFIG, ./airlock.yaml); on problems prints every one and sets exit code 2. */
export async function loadConfigOrReport(configOption: string | undefined): Promise<AirlockConfig | undefined> {
  try {
    return await loadConfig(resolveConfigPath(configOption));
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.problems.length} config problem(s)\n${formatProblems(err.problems)}\n`);
    process.exitCode = 2;
    return undefined;
  }
}

/** Runs `fn` with the store the config names, closing it afterwards; undefined when the config is refused. */
export async function withStore<T>(configOption: string | undefined, fn: (store: Store, cfg: AirlockConfig) => Promise<T>): Promise<T | undefined> {
  const cfg = await loadConfigOrReport(configOption);
  if (!cfg) return undefined;
  const store = await openStore(cfg.store);
  try {
    return await fn(store, cfg);
  } finally {
    await store.close();
  }
}
