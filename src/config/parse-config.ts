import { isAbsolute, resolve } from 'node:path';
import { configSchema, type AirlockConfig } from './schema/index.ts';
import { ConfigError, type ConfigProblem } from './errors.ts';
import { parseYaml } from './yaml-document.ts';
import { walkYaml, type WalkProblem } from './walk-yaml.ts';
import { issuesToProblems } from './zod-issues.ts';
import { locate } from './locate.ts';
import { formatPath, startsWith } from './yaml-path.ts';
import { deepFreeze } from './deep-freeze.ts';

export interface ParseOptions {
  /** Where the text came from (a file path), for messages. */
  source: string;
  /** Folder that relative ${file:} references and sqlite paths resolve against. */
  baseDir: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Parses and validates config text. Returns a deep-frozen AirlockConfig or throws a ConfigError with every
 * problem found (YAML syntax, references, schema), each with its YAML path and line:column when known.
 */
export function parseConfig(text: string, opts: ParseOptions): AirlockConfig {
  if (typeof text !== 'string') throw new TypeError('parseConfig: text must be a string');
  if (!opts || typeof opts.source !== 'string' || typeof opts.baseDir !== 'string' || !isAbsolute(opts.baseDir)) {
    throw new TypeError('parseConfig: opts.source and an absolute opts.baseDir are required');
  }
  const env = opts.env ?? process.env;
  const yaml = parseYaml(text);
  if (yaml.problems.length > 0) throw new ConfigError(yaml.problems, opts.source);
  if (yaml.doc.contents === null) throw new ConfigError([{ path: '(root)', message: 'the config file is empty' }], opts.source);

  const walked = walkYaml(yaml.doc, opts.baseDir, env);
  const result = configSchema.safeParse(walked.value);
  const schemaProblems = result.success ? [] : issuesToProblems(result.error.issues, walked.value, configSchema);
  const all: WalkProblem[] = [
    ...walked.problems,
    // A failed reference already has its problem; drop schema noise about the missing value.
    ...schemaProblems.filter((p) => !walked.failed.some((f) => startsWith(p.path, f))),
  ];
  if (all.length > 0 || !result.success) {
    const problems = all.map((p): ConfigProblem => {
      const pos = locate(yaml.doc, yaml.lines, p.path, p.atKey);
      return { path: formatPath(p.path), message: p.message, ...(p.hint ? { hint: p.hint } : {}), ...(pos ? { line: pos.line, column: pos.column } : {}) };
    });
    problems.sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity) || (a.column ?? 0) - (b.column ?? 0));
    throw new ConfigError(problems, opts.source);
  }
  return deepFreeze(resolvePaths(result.data, opts.baseDir));
}

/** sqlite store paths are relative to the config file's folder; ":memory:" stays as it is. */
function resolvePaths(cfg: AirlockConfig, baseDir: string): AirlockConfig {
  if (cfg.store.kind !== 'sqlite' || cfg.store.path === ':memory:') return cfg;
  return { ...cfg, store: { ...cfg.store, path: resolve(baseDir, cfg.store.path) } };
}
