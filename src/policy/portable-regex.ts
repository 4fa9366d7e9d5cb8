/**
 * The regular-expression dialect a per-DAG rule may use when Airflow evaluates the rules too
 * (environments.<name>.airflow_filters_dags): the subset where JavaScript (`new RegExp(src, 'u').test`) and
 * Python (`re.search`) agree on every valid dag_id (`^[\w.-]+$`, no line terminators). See docs/policy.md.
 *
 * Allowed: literal characters; `.` `^` `$` `|`; groups `( )` and `(?: )`; quantifiers `* + ? {n} {n,} {n,m}`,
 * each optionally lazy (`?`); character classes `[...]` / `[^...]` of literals, escapes and ranges; escapes of
 * the syntax characters `\^ \$ \\ \. \* \+ \? \( \) \[ \] \{ \} \| \/` (and `\-` inside a class).
 * Refused: `\d \w \s \b` and other escape classes (Unicode-aware in Python, ASCII in JavaScript), backreferences,
 * lookarounds, named groups, inline flags, possessive quantifiers, `{,m}`, nested `[`, set operators.
 */

const SYNTAX = new Set(['^', '$', '\\', '.', '*', '+', '?', '(', ')', '[', ']', '{', '}', '|', '/']);
export const MAX_PORTABLE_REGEX_LENGTH = 500;

function fail(src: string, at: number, why: string): never {
  throw new TypeError(`regex "${src}" is outside the dialect JavaScript and Python share (at ${at}: ${why})`);
}

/** Throws TypeError when `src` uses anything outside the portable subset. */
export function assertPortableRegex(src: string): void {
  if (src.length === 0 || src.length > MAX_PORTABLE_REGEX_LENGTH) fail(src, 0, `length must be 1..${MAX_PORTABLE_REGEX_LENGTH}`);
  const chars = [...src];
  let i = 0;
  let depth = 0;
  /** Whether the previous token can take a quantifier. */
  let atom = false;
  const control = (c: string) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f || c === '\u2028' || c === '\u2029';
  /** One class member (literal or escape); returns its code point. */
  const classAtom = (): number => {
    const c = chars[i];
    if (c === undefined) fail(src, i, 'unterminated class');
    if (c === '\\') {
      const e = chars[i + 1];
      if (e === undefined || !(SYNTAX.has(e) || e === '-')) fail(src, i, `escape \\${e ?? ''} is not portable`);
      i += 2;
      return e.codePointAt(0)!;
    }
    if (c === '[') fail(src, i, '"[" inside a class');
    if (control(c)) fail(src, i, 'control character');
    i += 1;
    return c.codePointAt(0)!;
  };
  while (i < chars.length) {
    const c = chars[i]!;
    if (c === '\\') {
      const e = chars[i + 1];
      if (e === undefined || !SYNTAX.has(e)) fail(src, i, `escape \\${e ?? ''} is not portable`);
      i += 2;
      atom = true;
    } else if (c === '(') {
      if (chars[i + 1] === '?') {
        if (chars[i + 2] !== ':') fail(src, i, 'only (?: ) groups are portable');
        i += 3;
      } else i += 1;
      depth++;
      atom = false;
    } else if (c === ')') {
      if (depth === 0) fail(src, i, 'unbalanced ")"');
      depth--;
      i += 1;
      atom = true;
    } else if (c === '|') {
      i += 1;
      atom = false;
    } else if (c === '^' || c === '$') {
      i += 1;
      atom = false;
    } else if (c === '*' || c === '+' || c === '?' || c === '{') {
      if (!atom) fail(src, i, 'quantifier without something to repeat');
      if (c === '{') {
        const m = /^\{(\d{1,4})(,(\d{1,4})?)?\}/.exec(chars.slice(i, i + 12).join(''));
        if (!m) fail(src, i, 'only {n}, {n,} and {n,m} are portable');
        if (m[3] !== undefined && Number(m[3]) < Number(m[1])) fail(src, i, 'quantifier range out of order');
        i += m[0].length;
      } else i += 1;
      if (chars[i] === '?') i += 1; // lazy
      if (chars[i] === '*' || chars[i] === '+' || chars[i] === '?' || chars[i] === '{') fail(src, i, 'quantifier after a quantifier');
      atom = false;
    } else if (c === '[') {
      i += 1;
      if (chars[i] === '^') i += 1;
      let members = 0;
      while (chars[i] !== ']') {
        if (chars[i] === undefined) fail(src, i, 'unterminated class');
        const pair = (chars[i] ?? '') + (chars[i + 1] ?? '');
        if (pair === '--' || pair === '&&' || pair === '~~' || pair === '||') fail(src, i, `"${pair}" in a class`);
        const lo = classAtom();
        if (chars[i] === '-' && chars[i + 1] !== ']' && chars[i + 1] !== undefined) {
          i += 1;
          const hi = classAtom();
          if (hi < lo) fail(src, i, 'class range out of order');
          if (chars[i] === '-' && chars[i + 1] !== ']') fail(src, i, '"-" right after a range');
        }
        members++;
      }
      if (members === 0) fail(src, i, 'empty class');
      i += 1;
      atom = true;
    } else if (c === ']' || c === '}') {
      fail(src, i, `unescaped "${c}"`);
    } else if (control(c)) {
      fail(src, i, 'control character');
    } else {
      i += 1;
      atom = true;
    }
  }
  if (depth !== 0) fail(src, i, 'unbalanced "("');
  try {
    new RegExp(src, 'u');
  } catch (cause) {
    throw new TypeError(`regex "${src}" is not a valid regular expression`, { cause });
  }
}
