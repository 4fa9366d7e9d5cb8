const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** A complete, self-contained page (no external assets, works under a strict CSP). */
export function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Airlock</title>
<style>
:root{color-scheme:light dark;--fg:#1d2433;--muted:#5b6475;--bg:#f5f7fb;--card:#fff;--accent:#0b6bcb;--bad:#b42318}
@media (prefers-color-scheme:dark){:root{--fg:#e7eaf0;--muted:#a0a8b8;--bg:#10141c;--card:#1a202b;--accent:#5aa9ff;--bad:#ff7a6e}}
body{margin:0;font:16px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;background:var(--bg);color:var(--fg)}
main{max-width:40rem;margin:8vh auto;padding:2rem;background:var(--card);border-radius:12px;box-shadow:0 2px 12px #0002}
h1{font-size:1.4rem;margin:0 0 .75rem}.brand{font-weight:700;color:var(--accent);letter-spacing:.02em;margin-bottom:1rem}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.9em}
.muted{color:var(--muted)}.code{color:var(--bad)}ul{padding-left:1.2rem}
a.button,button{display:inline-block;background:var(--accent);color:#fff;border:0;border-radius:8px;padding:.55rem 1rem;font:inherit;text-decoration:none;cursor:pointer}
</style></head><body><main><div class="brand">Airlock</div>${body}</main></body></html>`;
}
