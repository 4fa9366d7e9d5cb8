import { LineCounter, parseDocument, type Document } from 'yaml';
import type { ConfigProblem } from './errors.ts';

export interface ParsedYaml {
  readonly doc: Document.Parsed;
  readonly lines: LineCounter;
  /** Syntax errors and warnings (unresolved tags, ...); empty when the text is well-formed YAML. */
  readonly problems: ConfigProblem[];
}

/**
 * Parses YAML text into a Document with source ranges. Error messages are the parser's short message
 * only (no excerpt of the file, which could contain a secret someone pasted inline).
 */
export function parseYaml(text: string): ParsedYaml {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, strict: true });
  const problems: ConfigProblem[] = [];
  const linesSeen = new Set<number>();
  for (const e of [...doc.errors, ...doc.warnings]) {
    const { line, col } = lines.linePos(e.pos[0]);
    // After one syntax error the parser often reports every later token on the line; keep the first.
    if (linesSeen.has(line)) continue;
    linesSeen.add(line);
    if (problems.length === MAX_REPORTED) {
      problems.push({ path: '(yaml)', message: 'more YAML errors follow; fix the ones above first' });
      break;
    }
    problems.push({
      path: '(yaml)',
      message: `YAML ${e.name === 'YAMLWarning' ? 'problem' : 'syntax error'}: ${firstLine(e.message)}`,
      hint: `YAML code ${e.code}`,
      line,
      column: col,
    });
  }
  return { doc, lines, problems };
}

const MAX_REPORTED = 20;

/** The parser's message without any quoted source text (it may quote a token, which may be a secret). */
function firstLine(message: string): string {
  const cut = message.split('\n')[0] ?? message;
  return cut.replace(/:\s*".*$/, '').replace(/:$/, '');
}
