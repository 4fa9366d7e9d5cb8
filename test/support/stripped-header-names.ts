import { STRIPPED_REQUEST_HEADERS } from '../../src/proxy/index.ts';

/**
 * Every name the table of headers removed by name stands for (src/proxy/stripped-headers.ts): its exact names,
 * the names listed under each prefix, and a made-up name under each prefix.
 */
export function strippedHeaderNames(): string[] {
  const names: string[] = [];
  for (const e of STRIPPED_REQUEST_HEADERS) {
    if (e.pattern.endsWith('*')) names.push(...e.examples, `${e.pattern.slice(0, -1)}${e.pattern.endsWith('-*') ? '' : '-'}Made-Up-Name`);
    else names.push(e.pattern);
  }
  return names;
}
