/**
 * multipart/form-data bodies (the Airflow 2 UI posts every FAB add/edit form and the variable import that way):
 * the DAG ids and the list action are read from text fields; anything malformed or ambiguous is refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAirlockError } from '../../../src/errors/index.ts';
import { canonicalizeTarget, classify, compilePolicy, decide, readBodyDagIds, type Classification } from '../../../src/policy/index.ts';
import { MAX_PART_HEADERS, MAX_PARTS } from '../../../src/policy/multipart.ts';
import { makeConfig, person } from './helpers.ts';

const policy = compilePolicy(makeConfig({ dags: [{ id: 'no-secret', dag_ids: ['secret'], deny: { '*': ['*'] } }] }));
const admin = person('root', ['admins'], ['Admin']);
const B = '----airlockBoundary7MA4YWxkTrZu0gW';
const TYPE = `multipart/form-data; boundary=${B}`;

/** A body the way a browser encodes a form (fetch's FormData encoder). */
async function browserForm(fields: Array<[string, string | Blob, string?]>): Promise<{ type: string; body: Buffer }> {
  const fd = new FormData();
  for (const [k, v, filename] of fields) if (typeof v === 'string') fd.append(k, v); else fd.append(k, v, filename);
  const req = new Request('http://localhost/', { method: 'POST', body: fd });
  return { type: req.headers.get('content-type')!, body: Buffer.from(await req.arrayBuffer()) };
}

/** A hand-made body: parts are [headers, content]. */
function raw(parts: Array<[string, string]>, opts: { preamble?: string; epilogue?: string; close?: string } = {}): Buffer {
  let s = opts.preamble ?? '';
  for (const [h, c] of parts) s += `--${B}\r\n${h}\r\n\r\n${c}\r\n`;
  s += opts.close ?? `--${B}--\r\n`;
  return Buffer.from(s + (opts.epilogue ?? ''), 'latin1');
}
const field = (name: string, value: string): [string, string] => [`Content-Disposition: form-data; name="${name}"`, value];

function classified(method: string, target: string): Classification {
  return classify(policy, 2, canonicalizeTarget(method, target));
}

function outcome(method: string, target: string, type: string, body: Buffer): string {
  try {
    const c = readBodyDagIds(classified(method, target), type, body);
    const d = decide(policy, admin, 'prod', c, { now: 0 });
    return `${d.effect} [${c.dagIds.join(',')}]`;
  } catch (err) {
    if (isAirlockError(err)) return err.code;
    throw err;
  }
}

test('browser-encoded multipart forms pass with their DAG ids read', async () => {
  const trig = await browserForm([['csrf_token', 'x'], ['dag_id', 'etl'], ['conf', '{"a": 1}'], ['unpause', 'on']]);
  assert.equal(outcome('POST', '/dags/etl/trigger', trig.type, trig.body), 'allow [etl]');
  const other = await browserForm([['dag_id', 'secret']]);
  assert.equal(outcome('POST', '/dags/etl/trigger', other.type, other.body), 'AIRLOCK_POLICY_DAG_MISMATCH');
  const clear = await browserForm([['dag_id', 'secret'], ['task_id', 't'], ['dag_run_id', 'r']]);
  assert.equal(outcome('POST', '/clear', clear.type, clear.body), 'deny [secret]');
  const ok = await browserForm([['dag_id', 'etl'], ['task_id', 't']]);
  assert.equal(outcome('POST', '/clear', ok.type, ok.body), 'allow [etl]');
  // a FAB edit form of a DAG run can move it to another DAG: that DAG is checked too
  const edit = await browserForm([['csrf_token', 'x'], ['state', 'success'], ['dag_id', 'secret'], ['run_id', 'r']]);
  assert.equal(outcome('POST', '/dagrun/edit/12', edit.type, edit.body), 'deny [secret]');
  // list actions posted as multipart still name their action
  const act = await browserForm([['action', 'clear'], ['rowid', '1'], ['rowid', '2']]);
  const c = readBodyDagIds(classified('POST', '/taskinstance/action_post'), act.type, act.body);
  assert.equal(c.action, 'clear');
  assert.equal(c.route!.id, 'flask:POST:/taskinstance/action_post#clear');
  // files and non-UTF-8 content of other fields are not read
  const withFile = await browserForm([['dag_id', 'etl'], ['file', new Blob([Buffer.from([0xff, 0xfe, 0x00])]), 'vars.json'], ['blob', new Blob(['\r\n--x'])]]);
  assert.equal(outcome('POST', '/clear', withFile.type, withFile.body), 'allow [etl]');
});

test('the variable import and FAB add forms (no DAG ids) are forwarded without their body being read', async () => {
  for (const [target, ops] of [['/variable/varimport', 'VariableModelView.varimport'], ['/connection/add', 'ConnectionModelView.add'], ['/pool/add', 'PoolModelView.add'], ['/users/add', 'CustomUserDBModelView.add']] as const) {
    const c = classified('POST', target);
    assert.equal(c.route!.operationId, ops);
    assert.equal(c.body, 'none', `${target}: nothing to read`);
    assert.equal(decide(policy, admin, 'prod', c, { now: 0 }).effect, 'allow', target);
    assert.equal(decide(policy, person('v', ['viewers'], ['Viewer']), 'prod', c, { now: 0 }).effect, 'deny', target);
  }
});

test('a multipart body is left byte-identical', async () => {
  const f = await browserForm([['dag_id', 'etl'], ['x', 'é']]);
  const copy = Buffer.from(f.body);
  readBodyDagIds(classified('POST', '/clear'), f.type, f.body);
  assert.ok(f.body.equals(copy));
});

test('hostile multipart bodies are refused with a clear code', () => {
  const clear = (type: string, body: Buffer) => outcome('POST', '/clear', type, body);
  const BAD = 'AIRLOCK_POLICY_BAD_MULTIPART';
  const good = raw([field('dag_id', 'etl')]);
  assert.equal(clear(TYPE, good), 'allow [etl]', 'the hand-made baseline is accepted');
  const cases: Array<[string, string, Buffer, string]> = [
    ['missing boundary', 'multipart/form-data', good, BAD],
    ['empty boundary', 'multipart/form-data; boundary=', good, BAD],
    ['boundary twice', `${TYPE}; boundary=other`, good, BAD],
    ['boundary too long', `multipart/form-data; boundary=${'b'.repeat(71)}`, good, BAD],
    ['boundary with a bad character', 'multipart/form-data; boundary=a{b', good, BAD],
    ['quoted boundary with an escape', 'multipart/form-data; boundary="a\\"b"', good, BAD],
    ['body not starting with the boundary', TYPE, raw([field('dag_id', 'etl')], { preamble: 'hello\r\n' }), BAD],
    ['data after the close delimiter', TYPE, raw([field('dag_id', 'etl')], { epilogue: 'dag_id=secret' }), BAD],
    ['no close delimiter', TYPE, Buffer.from(`--${B}\r\nContent-Disposition: form-data; name="dag_id"\r\n\r\netl`), BAD],
    ['transport padding after a delimiter', TYPE, Buffer.from(`--${B}\r\nContent-Disposition: form-data; name="dag_id"\r\n\r\netl\r\n--${B}  \r\n`), BAD],
    ['bare LF line ends', TYPE, Buffer.from(`--${B}\nContent-Disposition: form-data; name="dag_id"\n\netl\n--${B}--\n`), BAD],
    ['bare LF inside the headers', TYPE, raw([['Content-Disposition: form-data; name="x"\nContent-Disposition: form-data; name="dag_id"', 'secret']]), BAD],
    ['folded header', TYPE, raw([['Content-Disposition: form-data;\r\n name="dag_id"', 'secret']]), BAD],
    ['no Content-Disposition', TYPE, raw([['Content-Type: text/plain', 'secret']]), BAD],
    ['Content-Disposition twice', TYPE, raw([['Content-Disposition: form-data; name="x"\r\nContent-Disposition: form-data; name="dag_id"', 'secret']]), BAD],
    ['not form-data', TYPE, raw([['Content-Disposition: attachment; name="dag_id"', 'secret']]), BAD],
    ['no name', TYPE, raw([['Content-Disposition: form-data', 'secret']]), BAD],
    ['name twice', TYPE, raw([['Content-Disposition: form-data; name="x"; name="dag_id"', 'secret']]), BAD],
    ['RFC 5987 name*', TYPE, raw([["Content-Disposition: form-data; name=\"x\"; name*=UTF-8''dag_id", 'secret']]), BAD],
    ['escaped quote in a name', TYPE, raw([['Content-Disposition: form-data; name="dag\\_id"', 'secret']]), BAD],
    ['unexpected part header', TYPE, raw([['Content-Disposition: form-data; name="dag_id"\r\nContent-Transfer-Encoding: base64', 'c2VjcmV0']]), BAD],
    ['nested multipart', TYPE, raw([['Content-Disposition: form-data; name="more"\r\nContent-Type: multipart/mixed; boundary=inner', `--inner\r\nContent-Disposition: form-data; name="dag_id"\r\n\r\nsecret\r\n--inner--`]]), BAD],
    ['dag_id sent as a file', TYPE, raw([['Content-Disposition: form-data; name="dag_id"; filename="x.txt"', 'secret']]), BAD],
    ['dag_id in another charset', TYPE, raw([['Content-Disposition: form-data; name="dag_id"\r\nContent-Type: text/plain; charset=iso-8859-1', 'secr\xe9t']]), BAD],
    ['dag_id with a non-text type', TYPE, raw([['Content-Disposition: form-data; name="dag_id"\r\nContent-Type: application/json', '"secret"']]), BAD],
    ['dag_id not UTF-8', TYPE, raw([field('dag_id', 'secr\xe9t')]), BAD],
    ['header block too large', TYPE, raw([[`Content-Disposition: form-data; name="dag_id"; filename="${'a'.repeat(MAX_PART_HEADERS)}"`, 'x']]), BAD],
    ['too many parts', TYPE, raw(Array.from({ length: MAX_PARTS + 1 }, (_, i) => field(`f${i}`, 'x'))), BAD],
    ['duplicate dag_id fields', TYPE, raw([field('dag_id', 'etl'), field('dag_id', 'secret')]), 'AIRLOCK_POLICY_PARAM_POLLUTION'],
    ['duplicate dag_id, one of them unquoted', TYPE, raw([field('dag_id', 'etl'), ['Content-Disposition: form-data; name=dag_id', 'secret']]), 'AIRLOCK_POLICY_PARAM_POLLUTION'],
    ['duplicate dag_id, name in another case of the parameter', TYPE, raw([field('dag_id', 'etl'), ['content-disposition: FORM-DATA; NAME="dag_id"', 'secret']]), 'AIRLOCK_POLICY_PARAM_POLLUTION'],
    ['a bad dag_id', TYPE, raw([field('dag_id', '../secret')]), 'AIRLOCK_POLICY_BAD_DAG_ID'],
  ];
  for (const [what, type, body, code] of cases) assert.equal(clear(type, body), code, what);
  // oversized: larger than max_inspected_body
  const big = raw([field('dag_id', 'etl'), field('pad', 'x'.repeat(policy.maxBody))]);
  assert.equal(clear(TYPE, big), 'AIRLOCK_POLICY_BODY_TOO_LARGE');
  // a repeated action in a multipart list-action form
  assert.equal(outcome('POST', '/dagrun/action_post', TYPE, raw([field('action', 'clear'), field('action', 'muldelete')])), 'AIRLOCK_POLICY_PARAM_POLLUTION');
});
