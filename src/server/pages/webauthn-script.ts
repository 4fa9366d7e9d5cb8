/**
 * The browser side of the security-key pages (served as /.airlock/webauthn/page.js, same origin, no inline
 * script). Uses the global SimpleWebAuthnBrowser from /.airlock/webauthn/browser.js.
 */
export const WEBAUTHN_PAGE_SCRIPT = String.raw`(function () {
  'use strict';
  var root = document.getElementById('wa');
  if (!root) return;
  var mode = root.getAttribute('data-mode');
  var rd = root.getAttribute('data-rd') || '/';
  var statusEl = document.getElementById('wa-status');
  var W = window.SimpleWebAuthnBrowser;
  var MANAGE = 'AIRLOCK_WEBAUTHN_MANAGE_VERIFICATION_REQUIRED';

  function show(text, kind) {
    if (!statusEl) return;
    statusEl.textContent = text;
    statusEl.className = 'wa-status' + (kind ? ' ' + kind : '');
  }
  function fail(err) {
    var airlock = err && typeof err.code === 'string' && err.code.indexOf('AIRLOCK_') === 0;
    var msg = err && err.message ? err.message : String(err);
    if (!airlock && err && err.name === 'NotAllowedError') msg = 'The security key prompt was cancelled, timed out, or no registered key answered.';
    else if (!airlock && err && err.name === 'InvalidStateError') msg = 'This security key is already registered.';
    else if (!airlock) msg = 'Your browser could not use the security key: ' + msg;
    show(msg + (airlock ? ' (' + err.code + ')' : ''), 'bad');
    document.body.setAttribute('data-wa-result', 'error');
    document.body.setAttribute('data-wa-code', airlock ? err.code : (err && err.name) || 'error');
  }
  function post(path, body) {
    return fetch(path, { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body || {}) })
      .then(function (r) {
        return r.text().then(function (t) {
          var j = {};
          try { j = t ? JSON.parse(t) : {}; } catch (e) { j = {}; }
          if (!r.ok) { var e2 = new Error(j.message || ('Request failed (' + r.status + ')')); e2.code = j.error; e2.details = j; throw e2; }
          return j;
        });
      });
  }
  function assertWith(purpose, extra) {
    var body = { purpose: purpose };
    if (extra && extra.exclude) body.exclude = extra.exclude;
    return post('/.airlock/webauthn/authenticate/options', body)
      .then(function (opts) { show('Touch your security key…'); return W.startAuthentication({ optionsJSON: opts }); })
      .then(function (resp) { return post('/.airlock/webauthn/authenticate/verify', { purpose: purpose, response: resp, rd: rd }); });
  }
  function register(name) {
    return post('/.airlock/webauthn/register/options', {})
      .then(function (opts) { show('Touch your security key…'); return W.startRegistration({ optionsJSON: opts }); })
      .then(function (resp) { return post('/.airlock/webauthn/register/verify', { response: resp, name: name || undefined, rd: rd }); });
  }
  function withManage(fn, exclude) {
    return fn().catch(function (err) {
      if (err.code !== MANAGE) throw err;
      if (err.details && err.details.verify_with === 'idp_login') throw err;
      show('First confirm with ' + (exclude ? 'another' : 'a') + ' registered key…');
      return assertWith('manage', { exclude: exclude }).then(fn);
    });
  }
  function done(text, target) {
    show(text, 'ok');
    document.body.setAttribute('data-wa-result', 'ok');
    if (target) setTimeout(function () { window.location.assign(target); }, 250);
  }
  function go() {
    show('Waiting for your security key…');
    if (mode === 'login' || mode === 'step_up') {
      return assertWith(mode).then(function () { done('Confirmed.', rd); }, fail);
    }
    if (mode === 'enroll' || mode === 'add') {
      var nameEl = document.getElementById('wa-name');
      var name = nameEl && nameEl.value ? nameEl.value : '';
      return withManage(function () { return register(name); }).then(function () { done('Key registered.', rd); }, fail);
    }
    if (mode === 'passwordless') {
      return post('/.airlock/webauthn/passwordless/options', {})
        .then(function (opts) { show('Touch your security key…'); return W.startAuthentication({ optionsJSON: opts }); })
        .then(function (resp) { return post('/.airlock/webauthn/passwordless/verify', { response: resp, rd: rd }); })
        .then(function (r) { done('Signed in.', r.redirect || '/'); }, fail);
    }
  }
  var btn = document.getElementById('wa-go');
  if (btn) btn.addEventListener('click', function () { btn.disabled = true; Promise.resolve(go()).then(function () { btn.disabled = false; }); });

  if (mode === 'keys') {
    document.addEventListener('click', function (ev) {
      var t = ev.target;
      if (!t || !t.getAttribute) return;
      var action = t.getAttribute('data-action');
      var id = t.getAttribute('data-id');
      if (!action || !id) return;
      if (action === 'rename') {
        var row = t.closest('tr');
        var current = row ? row.querySelector('.key-name').textContent : '';
        var name = window.prompt('New name for this key', current);
        if (!name) return;
        post('/.airlock/webauthn/keys/rename', { id: id, name: name }).then(function () { done('Renamed.', rd); }, fail);
      }
      if (action === 'remove') {
        if (!window.confirm('Remove this security key? It will no longer sign you in.')) return;
        withManage(function () { return post('/.airlock/webauthn/keys/remove', { id: id }); }, id).then(function () { done('Key removed.', rd); }, fail);
      }
    });
  }
})();
`;
