/**
 * A DAG glob ("*" any run of characters, "?" exactly one) as an anchored, Unicode-aware regular expression.
 * Every other character is literal. Only the characters that are special in a `u` pattern are escaped: a `u`
 * pattern refuses needless escapes such as "\-" or "\/" (so "etl-*" must not become /^etl\-.*$/u).
 */
export function globToRegExp(glob: string): RegExp {
  let src = '';
  for (const ch of glob) src += ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${src}$`, 'u');
}
