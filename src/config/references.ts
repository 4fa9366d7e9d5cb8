import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { Secret } from './secret.ts';

/** Result of resolving one scalar string: a plain string, a Secret, or a problem (message + hint, never the value). */
export type Resolved =
  | { kind: 'plain'; value: string }
  | { kind: 'secret'; value: Secret }
  | { kind: 'problem'; message: string; hint?: string };

const WHOLE = /^\$\{([A-Za-z][A-Za-z0-9_-]*):([^{}]*)\}$/;
const ANY_REF = /\$\{[A-Za-z][A-Za-z0-9_-]*:/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_SECRET_FILE = 64 * 1024;

/**
 * `${env:NAME}` -> Secret from the environment; `${file:/path}` -> Secret from a file (relative paths against
 * baseDir, one trailing newline trimmed). A reference must be the whole value: "abc${env:X}" is refused.
 */
export function resolveReference(text: string, baseDir: string, env: NodeJS.ProcessEnv): Resolved {
  const m = WHOLE.exec(text);
  if (!m) {
    if (ANY_REF.test(text)) {
      return {
        kind: 'problem',
        message: 'a ${env:…} or ${file:…} reference must be the whole value; partial interpolation such as "abc${env:X}" is not supported',
        hint: 'put the complete value in the environment variable or file and reference only that',
      };
    }
    return { kind: 'plain', value: text };
  }
  const [, scheme, arg] = m as unknown as [string, string, string];
  if (scheme === 'env') return fromEnv(arg.trim(), env);
  if (scheme === 'file') return fromFile(arg.trim(), baseDir);
  return { kind: 'problem', message: `unknown reference type "${scheme}"`, hint: 'use ${env:NAME} or ${file:/path/to/secret}' };
}

function fromEnv(name: string, env: NodeJS.ProcessEnv): Resolved {
  if (!ENV_NAME.test(name)) {
    return { kind: 'problem', message: 'invalid environment variable name in ${env:…}', hint: 'names are letters, digits and "_", not starting with a digit' };
  }
  const value = env[name];
  if (value === undefined) return { kind: 'problem', message: `environment variable ${name} is not set`, hint: `set ${name} in the gateway's environment` };
  if (value === '') return { kind: 'problem', message: `environment variable ${name} is empty`, hint: `set ${name} to a non-empty value` };
  return { kind: 'secret', value: new Secret(value, `env:${name}`) };
}

function fromFile(path: string, baseDir: string): Resolved {
  if (path === '') return { kind: 'problem', message: 'empty path in ${file:}', hint: 'write ${file:/path/to/secret}' };
  if (path.includes('\0')) return { kind: 'problem', message: 'invalid path in ${file:…}' };
  const full = isAbsolute(path) ? path : resolve(baseDir, path);
  let content: string;
  try {
    const st = statSync(full);
    if (!st.isFile()) return { kind: 'problem', message: 'secret file is not a regular file', hint: `tried ${full}` };
    if (st.size > MAX_SECRET_FILE) return { kind: 'problem', message: `secret file is larger than ${MAX_SECRET_FILE} bytes`, hint: `tried ${full}` };
    content = readFileSync(full, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unknown error';
    const what = code === 'ENOENT' ? 'secret file not found' : code === 'EACCES' ? 'secret file is not readable' : `cannot read secret file (${code})`;
    return { kind: 'problem', message: what, hint: `tried ${full}` };
  }
  const value = content.replace(/\r?\n$/, '');
  if (value === '') return { kind: 'problem', message: 'secret file is empty', hint: `tried ${full}` };
  return { kind: 'secret', value: new Secret(value, `file:${full}`) };
}
