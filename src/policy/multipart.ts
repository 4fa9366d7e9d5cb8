import { BadMultipart } from './errors.ts';

/** One part of a multipart/form-data body. */
export interface MultipartPart {
  readonly name: string;
  /** A `filename` parameter was given: Werkzeug puts the part in request.files, not request.form. */
  readonly file: boolean;
  /** The part's Content-Type, if any. */
  readonly type?: string | undefined;
  /** Raw content (a view into the body). */
  readonly content: Buffer;
}

/** Werkzeug's default max_form_parts. */
export const MAX_PARTS = 1000;
/** Header block of one part. */
export const MAX_PART_HEADERS = 8 * 1024;

const CRLF = Buffer.from('\r\n');
const utf8 = new TextDecoder('utf-8', { fatal: true });
/** RFC 2046 bcharsnospace plus space (not last), 1..70 characters. */
const BOUNDARY = /^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function bad(what: string): never {
  throw BadMultipart.create({ logMessage: `multipart body refused: ${what}` });
}

/**
 * Parses `; key=value` parameters strictly: token or quoted-string values without backslash escapes (readers
 * unescape them differently), lower-cased keys, no key twice.
 */
function parseParams(text: string, where: string): Map<string, string> {
  const out = new Map<string, string>();
  let rest = text;
  while (rest.length > 0) {
    const m = /^;[ \t]*([!#$%&'*+\-.^_`|~0-9A-Za-z]+)=("([^"\\\r\n]*)"|[!#$%&'*+\-.^_`|~0-9A-Za-z]+)[ \t]*/.exec(rest);
    if (!m) bad(`${where}: malformed parameters`);
    const key = m[1]!.toLowerCase();
    if (out.has(key)) bad(`${where}: parameter ${key} twice`);
    out.set(key, m[3] ?? m[2]!);
    rest = rest.slice(m[0].length);
  }
  return out;
}

/** The boundary of a multipart/form-data Content-Type; refuses a missing, repeated or invalid one. */
export function multipartBoundary(contentType: string): string {
  const semi = contentType.indexOf(';');
  if (semi < 0) bad('no boundary');
  const params = parseParams(contentType.slice(semi).trimEnd(), 'Content-Type');
  const b = params.get('boundary');
  if (b === undefined) bad('no boundary');
  if (!BOUNDARY.test(b)) bad('invalid boundary');
  return b;
}

function parseHeaders(block: Buffer, index: number): { name: string; file: boolean; type: string | undefined } {
  if (block.length > MAX_PART_HEADERS) bad(`part ${index}: headers too large`);
  let text: string;
  try {
    text = utf8.decode(block);
  } catch {
    bad(`part ${index}: headers are not UTF-8`);
  }
  let disposition: string | undefined;
  let type: string | undefined;
  for (const line of text.split('\r\n')) {
    // bare CR/LF, folding and control characters are read differently by different parsers
    if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(line) || /^[ \t]/.test(line)) bad(`part ${index}: malformed header line`);
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).toLowerCase();
    if (colon < 1 || !TOKEN.test(name)) bad(`part ${index}: malformed header line`);
    const value = line.slice(colon + 1).trim();
    if (name === 'content-disposition') {
      if (disposition !== undefined) bad(`part ${index}: Content-Disposition twice`);
      disposition = value;
    } else if (name === 'content-type') {
      if (type !== undefined) bad(`part ${index}: Content-Type twice`);
      type = value;
    } else bad(`part ${index}: unexpected header ${name}`);
  }
  if (disposition === undefined) bad(`part ${index}: no Content-Disposition`);
  const m = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+)[ \t]*(;.*)?$/.exec(disposition);
  if (!m || m[1]!.toLowerCase() !== 'form-data') bad(`part ${index}: not form-data`);
  const params = parseParams(m[2] ?? '', `part ${index} Content-Disposition`);
  for (const k of params.keys()) if (k !== 'name' && k !== 'filename') bad(`part ${index}: Content-Disposition parameter ${k}`);
  const name = params.get('name');
  if (name === undefined) bad(`part ${index}: no name`);
  if (type !== undefined && /^multipart\//i.test(type)) bad(`part ${index}: nested multipart`);
  return { name, file: params.has('filename'), type };
}

/**
 * Splits a multipart/form-data body (RFC 7578) into parts, strictly: no preamble, CRLF line ends, no transport
 * padding after a delimiter, nothing after the close delimiter but one CRLF, at most MAX_PARTS parts, only
 * Content-Disposition (form-data, name, filename) and Content-Type part headers, no nested multipart.
 * Throws AIRLOCK_POLICY_BAD_MULTIPART on anything else. The body is not copied.
 */
export function parseMultipart(contentType: string, body: Buffer): MultipartPart[] {
  const boundary = multipartBoundary(contentType);
  const dash = Buffer.from(`--${boundary}`);
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  if (!body.subarray(0, dash.length).equals(dash) || !body.subarray(dash.length, dash.length + 2).equals(CRLF)) bad('does not start with the boundary');
  const parts: MultipartPart[] = [];
  let pos = dash.length + 2;
  for (;;) {
    if (parts.length >= MAX_PARTS) bad(`more than ${MAX_PARTS} parts`);
    const headEnd = body.indexOf('\r\n\r\n', pos);
    if (headEnd < 0) bad(`part ${parts.length}: no end of headers`);
    const head = parseHeaders(body.subarray(pos, headEnd), parts.length);
    const start = headEnd + 4;
    const end = body.indexOf(delimiter, start);
    if (end < 0) bad(`part ${parts.length}: no closing boundary`);
    parts.push({ name: head.name, file: head.file, type: head.type, content: body.subarray(start, end) });
    pos = end + delimiter.length;
    const next = body.subarray(pos, pos + 2).toString('latin1');
    if (next === '\r\n') {
      pos += 2;
      continue;
    }
    if (next !== '--') bad('boundary followed by something else');
    const tail = body.subarray(pos + 2);
    if (tail.length !== 0 && !tail.equals(CRLF)) bad('data after the closing boundary');
    return parts;
  }
}

/** The UTF-8 text of a field part that Airlock reads (dag_id, dag_ids, action); refuses a file or another charset. */
export function fieldText(part: MultipartPart): string {
  if (part.file) bad(`field ${part.name} sent as a file`);
  if (part.type !== undefined) {
    const m = /^text\/plain[ \t]*(;.*)?$/i.exec(part.type);
    if (!m) bad(`field ${part.name} has Content-Type ${part.type}`);
    const charset = parseParams(m[1] ?? '', `field ${part.name}`).get('charset');
    if (charset !== undefined && !/^(utf-8|us-ascii)$/i.test(charset)) bad(`field ${part.name} has charset ${charset}`);
  }
  try {
    return utf8.decode(part.content);
  } catch {
    bad(`field ${part.name} is not UTF-8`);
  }
}
