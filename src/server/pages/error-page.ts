import { escapeHtml, layout } from './html.ts';

export interface ErrorPageInput {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly requestId: string;
  /** What the person can do next. */
  readonly next?: { readonly href: string; readonly label: string };
}

const TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Sign-in failed',
  403: 'Access denied',
  404: 'Not found',
  413: 'Request too large',
  421: 'Unknown site',
  502: 'Airflow is not reachable',
  503: 'Temporarily unavailable',
  504: 'Airflow did not answer in time',
};

export function errorPage(input: ErrorPageInput): string {
  const title = TITLES[input.status] ?? 'Something went wrong';
  const next = input.next ? `<p><a class="button" href="${escapeHtml(input.next.href)}">${escapeHtml(input.next.label)}</a></p>` : '';
  return layout(
    title,
    `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(input.message)}</p>${next}
<p class="muted">Error <span class="code mono">${escapeHtml(input.code)}</span> · request <span class="mono">${escapeHtml(input.requestId)}</span></p>`,
  );
}
