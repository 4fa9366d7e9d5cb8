import { escapeHtml } from '../idp/pages.ts';
import { DEMO_DAGS } from './response-body.ts';

export interface WhoAmI {
  airflow: 2 | 3;
  /** The path this page was requested at (the gateway may have removed an environment prefix). */
  requestPath: string;
  username: string | undefined;
  email: string | undefined;
  name: string | undefined;
  roles: string[];
  groups: string[];
  rawUserHeader: string | undefined;
  rawRolesHeader: string | undefined;
  /** Verified assertion claims; undefined when assertions are not checked or none was sent. */
  claims: Record<string, unknown> | undefined;
  assertionChecked: boolean;
  /** Airflow 2 /home: the DAGs Airflow lists to this person (after its DAG filter); omitted elsewhere. */
  dags?: readonly string[];
  /** Airflow's own sign-out control for the navbar (logout-form.ts); none when absent. */
  logoutForm?: string;
  /** Airflow 2: the navbar links the caller's menu_access permissions show (flask-ui.ts navbarHtml). */
  navbar?: string;
}

const STYLE = `
  body { font-family: system-ui, -apple-system, Segoe UI, sans-serif; margin: 0; background: #f4f5f7; color: #1f2933; }
  header { background: #017cee; color: #fff; padding: 14px 28px; font-weight: 600; }
  header .logout { float: right; margin: -4px 0 0; color: #fff; } header form.logout button { padding: 4px 10px; }
  nav#navbar ul { display: flex; flex-wrap: wrap; gap: 2px 14px; list-style: none; margin: 0; padding: 8px 28px; background: #fff; font-size: .88rem; }
  main { max-width: 920px; margin: 24px auto; padding: 0 20px; }
  section { background: #fff; border-radius: 10px; padding: 18px 24px; margin-bottom: 18px; box-shadow: 0 1px 6px rgba(0,0,0,.06); }
  h2 { font-size: 1.05rem; margin: 0 0 12px; } table { border-collapse: collapse; width: 100%; }
  td, th { text-align: left; padding: 5px 8px; border-bottom: 1px solid #eef0f2; vertical-align: top; font-size: .92rem; }
  th { width: 180px; color: #52606d; font-weight: 500; } code, pre { font-family: ui-monospace, Menlo, monospace; font-size: .85rem; }
  pre { background: #f8f9fa; padding: 10px; border-radius: 6px; overflow: auto; max-height: 260px; margin: 0; }
  .role { display: inline-block; background: #e3f0ff; color: #0b4f9c; border-radius: 10px; padding: 1px 9px; margin-right: 4px; }
  .none { color: #9aa5b1; } .actions button { margin: 0 8px 8px 0; padding: 7px 12px; border: 1px solid #cbd2d9; border-radius: 6px;
  background: #fff; cursor: pointer; } .actions button:hover { background: #f0f4f8; }
  .ok { color: #0e7c3a; font-weight: 600; } .denied { color: #b42318; font-weight: 600; }
  form.trigger select, form.trigger button { padding: 6px 10px; }
`;

function row(label: string, value: string | undefined): string {
  return `<tr><th>${escapeHtml(label)}</th><td>${value === undefined || value === '' ? '<span class="none">(none)</span>' : escapeHtml(value)}</td></tr>`;
}

function actionsFor(airflow: 2 | 3): Array<{ label: string; method: string; path: string; body?: unknown }> {
  const api = airflow === 2 ? 'api/v1' : 'api/v2';
  const list = [
    { label: 'List DAGs', method: 'GET', path: `${api}/dags` },
    { label: 'Read DAG finance_daily', method: 'GET', path: `${api}/dags/finance_daily` },
    { label: 'List runs of example_etl', method: 'GET', path: `${api}/dags/example_etl/dagRuns` },
    { label: 'Pause ml_training', method: 'PATCH', path: `${api}/dags/ml_training?update_mask=is_paused`, body: { is_paused: true } },
    { label: 'Delete DAG reporting_hourly', method: 'DELETE', path: `${api}/dags/reporting_hourly` },
    { label: 'List connections', method: 'GET', path: `${api}/connections` },
  ];
  if (airflow === 2) list.push({ label: 'List users (admin)', method: 'GET', path: `${api}/users` });
  else list.push({ label: 'Read config (admin)', method: 'GET', path: `${api}/config` });
  return list;
}

/** Airflow 2's DAG list (the "All" badge counts what Airflow lists, after its filter). */
function dagListSection(dags: readonly string[]): string {
  const rows = dags.map((d) => `<tr data-dag-id="${escapeHtml(d)}"><td><a href="dags/${encodeURIComponent(d)}/grid">${escapeHtml(d)}</a></td></tr>`).join('');
  return `<section id="dag-list"><h2>DAGs <span class="role" id="dag-count">All ${dags.length}</span></h2><table>${rows || '<tr><td class="none">(no DAGs)</td></tr>'}</table></section>`;
}

/** "Who Airflow thinks you are", with buttons that call API routes through the gateway. */
export function whoAmIPage(w: WhoAmI): string {
  const api = w.airflow === 2 ? 'api/v1' : 'api/v2';
  const roles = w.roles.length ? w.roles.map((r) => `<span class="role">${escapeHtml(r)}</span>`).join('') : '<span class="none">(no role)</span>';
  const actions = actionsFor(w.airflow)
    .map((a) => `<button type="button" data-method="${a.method}" data-path="${escapeHtml(a.path)}"${a.body ? ` data-body="${escapeHtml(JSON.stringify(a.body))}"` : ''}>${escapeHtml(`${a.method} ${a.label}`)}</button>`)
    .join('');
  const dagOptions = DEMO_DAGS.map((d) => `<option>${escapeHtml(d)}</option>`).join('');
  const triggerBody = w.airflow === 2 ? '{"conf":{}}' : '{"logical_date":null,"conf":{}}';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Airflow ${w.airflow} stand-in</title><style>${STYLE}</style></head>
<body><header>Airflow ${w.airflow} (Airlock demo stand-in)${w.logoutForm ?? ''}</header>${w.navbar ?? ''}<main>
<section><h2>Who Airflow thinks you are</h2><table>
${row('Username', w.username)}${row('Name', w.name)}${row('Email', w.email)}
<tr><th>Roles</th><td>${roles}</td></tr>
${row('Groups', w.groups.join(', '))}
${row('X-Airlock-User', w.rawUserHeader)}${row('X-Airlock-Roles', w.rawRolesHeader)}
<tr><th>Assertion</th><td>${w.assertionChecked ? (w.claims ? '<span class="ok">verified (ES256, iss and aud checked)</span>' : '<span class="denied">missing</span>') : '<span class="none">not checked by this stand-in</span>'}</td></tr>
</table></section>
${w.dags ? dagListSection(w.dags) : ''}
<section><h2>Assertion claims</h2><pre>${w.claims ? escapeHtml(JSON.stringify(w.claims, null, 2)) : '(none)'}</pre></section>
<section class="actions"><h2>Try the API</h2>${actions}
<form class="trigger" id="trigger"><label>Trigger a DAG run of <select name="dag">${dagOptions}</select></label> <button type="submit">POST Trigger</button></form>
<h2 style="margin-top:14px">Result</h2><pre id="result">Click a button: allowed calls answer 2xx, denied ones 403 from Airlock.</pre></section>
</main>
<script>
(() => {
  const received = ${JSON.stringify(w.requestPath).replace(/</g, '\\u003c')};
  const here = location.pathname;
  let prefix = '';
  if (received === '/' && !here.endsWith('/')) prefix = here;
  else if (here.endsWith(received)) prefix = here.slice(0, here.length - received.length);
  const base = prefix.replace(/\\/+$/, '') + '/';
  const out = document.getElementById('result');
  async function call(method, path, body) {
    out.textContent = method + ' ' + base + path + ' ...';
    try {
      const res = await fetch(base + path, { method, credentials: 'same-origin',
        headers: body ? { 'content-type': 'application/json', accept: 'application/json' } : { accept: 'application/json' },
        body: body ? JSON.stringify(body) : undefined });
      const text = await res.text();
      out.innerHTML = '';
      const status = document.createElement('div');
      status.className = res.ok ? 'ok' : 'denied';
      status.textContent = method + ' /' + path + ' -> ' + res.status + ' ' + (res.ok ? 'allowed' : 'refused');
      const pre = document.createElement('div');
      pre.textContent = text.length > 4000 ? text.slice(0, 4000) + '...' : text;
      out.append(status, pre);
    } catch (e) { out.textContent = 'request failed: ' + e; }
  }
  document.querySelectorAll('button[data-method]').forEach((b) => b.addEventListener('click', () =>
    call(b.dataset.method, b.dataset.path, b.dataset.body ? JSON.parse(b.dataset.body) : undefined)));
  document.getElementById('trigger').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const dag = new FormData(ev.target).get('dag');
    call('POST', '${api}/dags/' + encodeURIComponent(dag) + '/dagRuns', ${triggerBody});
  });
})();
</script></body></html>`;
}

export function unauthorizedPage(airflow: 2 | 3, reason: 'missing' | 'invalid'): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>401 Unauthorized</title><style>${STYLE}</style></head>
<body><header>Airflow ${airflow} (Airlock demo stand-in)</header><main><section>
<h2>401 Unauthorized</h2>
<p>Airflow accepts only requests that come through Airlock with a valid <code>X-Airlock-Assertion</code>
(${reason === 'missing' ? 'none was sent' : 'the one sent was not valid'}).</p>
</section></main></body></html>`;
}
