import { AirlockError, defineError } from '../errors/index.ts';

/** One thing wrong with a config file. `path` is the YAML path ("idp.client_secret"); line/column are 1-based. */
export interface ConfigProblem {
  path: string;
  message: string;
  hint?: string;
  line?: number;
  column?: number;
}

export const ConfigInvalid = defineError('AIRLOCK_CONFIG_INVALID', 500, 'The gateway configuration is invalid.');

/**
 * Thrown when a config file cannot be used. Carries every problem found (never a secret value);
 * the log message lists them, the public message says only that the configuration is invalid.
 */
export class ConfigError extends AirlockError {
  readonly problems: ConfigProblem[];
  readonly source: string;
  constructor(problems: ConfigProblem[], source: string) {
    const list = problems.map((p) => Object.freeze({ ...p }));
    super(ConfigInvalid.code, ConfigInvalid.status, ConfigInvalid.message, {
      logMessage: `invalid config ${source}: ${list.length} problem${list.length === 1 ? '' : 's'}\n${formatProblems(list)}`,
    });
    this.name = 'ConfigError';
    this.problems = list;
    this.source = source;
  }
}

/** One problem a line: `path (line:col): message — hint`. */
export function formatProblems(problems: readonly ConfigProblem[]): string {
  return problems.map(formatProblem).join('\n');
}

function formatProblem(p: ConfigProblem): string {
  const where = p.line === undefined ? '' : ` (${p.line}:${p.column ?? 1})`;
  return `${p.path}${where}: ${p.message}${p.hint ? ` — ${p.hint}` : ''}`;
}
