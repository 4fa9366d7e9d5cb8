import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { AirlockConfig } from './schema/index.ts';
import { ConfigError } from './errors.ts';
import { parseConfig } from './parse-config.ts';

const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/** Reads and validates a config file (deep-frozen result). Throws ConfigError with every problem. */
export async function loadConfig(path: string, opts: { env?: NodeJS.ProcessEnv } = {}): Promise<AirlockConfig> {
  if (typeof path !== 'string' || path === '') throw new TypeError('loadConfig: path must be a non-empty string');
  const full = resolve(path);
  let text: string;
  try {
    const buf = await readFile(full);
    if (buf.length > MAX_CONFIG_BYTES) {
      throw new ConfigError([{ path: '(file)', message: `the config file is larger than ${MAX_CONFIG_BYTES} bytes`, hint: `tried ${full}` }], full);
    }
    text = buf.toString('utf8');
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? 'unknown error';
    const message = code === 'ENOENT' ? 'config file not found' : code === 'EACCES' ? 'config file is not readable' : `cannot read the config file (${code})`;
    throw new ConfigError([{ path: '(file)', message, hint: `tried ${full}; set --config or AIRLOCK_CONFIG` }], full);
  }
  return parseConfig(text, { source: full, baseDir: dirname(full), ...(opts.env ? { env: opts.env } : {}) });
}

/** The config file to use: --config, then AIRLOCK_CONFIG, then ./airlock.yaml; always an absolute path. */
export function resolveConfigPath(cliValue: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (cliValue !== undefined) {
    if (cliValue.trim() === '') throw new TypeError('--config must not be empty');
    return resolve(cliValue);
  }
  const fromEnv = env.AIRLOCK_CONFIG;
  if (fromEnv !== undefined) {
    if (fromEnv.trim() === '') throw new TypeError('AIRLOCK_CONFIG is set but empty');
    return resolve(fromEnv);
  }
  return resolve('airlock.yaml');
}
