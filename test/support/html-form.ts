/** A form found in an HTML page: its action (resolved against the page URL), method and fields. */
export interface HtmlForm {
  action: string;
  method: string;
  id: string | undefined;
  /** Named inputs with their value attribute (type recorded for password detection). */
  fields: Array<{ name: string; value: string; type: string }>;
}

function attrs(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of tag.matchAll(/([A-Za-z_:][-A-Za-z0-9_:.]*)\s*(?:=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g)) {
    const key = (m[1] ?? '').toLowerCase();
    if (key && !(key in out)) out[key] = decodeEntities(m[2] ?? m[3] ?? m[4] ?? '');
  }
  return out;
}

function decodeEntities(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|#39|#x27);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#x27': "'" })[e] ?? _);
}

/** Every <form> of `html` with its <input> fields (a minimal parser for the pages of our own flows). */
export function parseForms(html: string, pageUrl: string | URL): HtmlForm[] {
  const forms: HtmlForm[] = [];
  for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const a = attrs(m[1] ?? '');
    const fields = [...(m[2] ?? '').matchAll(/<input\b([^>]*)>/gi)]
      .map((i) => attrs(i[1] ?? ''))
      .filter((f) => f.name)
      .map((f) => ({ name: f.name as string, value: f.value ?? '', type: (f.type ?? 'text').toLowerCase() }));
    forms.push({ action: new URL(a.action ?? '', pageUrl).href, method: (a.method ?? 'get').toUpperCase(), id: a.id, fields });
  }
  return forms;
}
