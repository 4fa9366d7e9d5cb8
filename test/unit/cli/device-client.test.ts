import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { defaultTokenPath } from '../../../src/cli/commands/login.ts';
import { buildProgram } from '../../../src/cli/main.ts';
import { gatewayBase, LoginFailed } from '../../../src/cli/commands/device-client.ts';

describe('airlock login: where the token may go', () => {
  test('https, or http on localhost only; trailing slashes dropped', () => {
    assert.equal(gatewayBase('https://airflow.example.com/'), 'https://airflow.example.com');
    assert.equal(gatewayBase('https://airflow.example.com/gw//'), 'https://airflow.example.com/gw');
    assert.equal(gatewayBase('http://localhost:8080'), 'http://localhost:8080');
    assert.equal(gatewayBase('http://127.0.0.1:8080'), 'http://127.0.0.1:8080');
  });

  test('refused: plain http elsewhere, credentials, query, not a URL', () => {
    for (const bad of ['http://airflow.example.com', 'ftp://localhost', 'https://u:p@airflow.example.com', 'https://airflow.example.com/?x=1', 'https://airflow.example.com/#f', 'airflow.example.com', 'http://localhost.evil.example']) {
      assert.throws(() => gatewayBase(bad), (e: unknown) => e instanceof LoginFailed && e.reason === 'url', bad);
    }
  });

  test('the token file: $XDG_CONFIG_HOME/airlock/token, else ~/.config/airlock/token (a relative XDG_CONFIG_HOME is ignored)', () => {
    assert.equal(defaultTokenPath({ XDG_CONFIG_HOME: '/tmp/cfg' }), '/tmp/cfg/airlock/token');
    assert.match(defaultTokenPath({}), /\/\.config\/airlock\/token$/);
    assert.match(defaultTokenPath({ XDG_CONFIG_HOME: 'rel' }), /\/\.config\/airlock\/token$/);
  });
});

test('the program lists login and logout once each (every command module loaded, as for --help)', async () => {
  const names = (await buildProgram()).commands.map((c) => c.name());
  assert.deepEqual(names.filter((n) => n === 'login' || n === 'logout'), ['login', 'logout']);
});
