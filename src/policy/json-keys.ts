import { BadBody } from './errors.ts';

/**
 * Refuses a JSON text in which any object repeats a key (JSON.parse would silently keep the last, and
 * parsers differ). Assumes the text already parsed with JSON.parse.
 */
export function assertNoDuplicateKeys(text: string): void {
  const stack: { keys: Set<string> | null; expectKey: boolean }[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '{') stack.push({ keys: new Set(), expectKey: true });
    else if (ch === '[') stack.push({ keys: null, expectKey: false });
    else if (ch === '}' || ch === ']') stack.pop();
    else if (ch === ',') {
      const top = stack[stack.length - 1];
      if (top?.keys) top.expectKey = true;
    } else if (ch === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const top = stack[stack.length - 1];
      if (top?.keys && top.expectKey) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (top.keys.has(key)) throw BadBody.create({ logMessage: `duplicate JSON key ${JSON.stringify(key.slice(0, 50))}` });
        top.keys.add(key);
        top.expectKey = false;
      }
      i = j;
    }
  }
}
