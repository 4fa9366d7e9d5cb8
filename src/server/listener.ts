import http from 'node:http';
import https from 'node:https';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import { ConfigError, type AirlockConfig } from '../config/index.ts';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

const SERVER_OPTIONS = { keepAliveTimeout: 65_000, headersTimeout: 30_000, requestTimeout: 0 } as const;

/** The TLS options of a config's listen_tls (undefined: plain HTTP). createSecureContext() proves they load. */
export function listenerTls(config: AirlockConfig, source: string): SecureContextOptions | undefined {
  const t = config.listen_tls;
  if (!t) return undefined;
  const options: SecureContextOptions = { cert: t.cert, key: t.key.reveal() };
  try {
    createSecureContext(options);
  } catch (err) {
    throw new ConfigError([{ path: 'listen_tls', message: `cannot be served: ${(err as { code?: string }).code ?? 'TLS error'}` }], source);
  }
  return options;
}

/** The gateway's server: https when the config has listen_tls, else http. */
export function createListener(tls: SecureContextOptions | undefined, handler: Handler): http.Server {
  return tls ? https.createServer({ ...SERVER_OPTIONS, ...tls }, handler) : http.createServer(SERVER_OPTIONS, handler);
}

/**
 * A reload's TLS options for a running listener: new certificate and key (served to new connections), or a
 * ConfigError when the reload would switch between http and https (that needs a restart; the old config stays).
 */
export function reloadedTls(running: boolean, config: AirlockConfig, source: string): SecureContextOptions | undefined {
  const next = listenerTls(config, source);
  if ((next !== undefined) !== running) {
    throw new ConfigError([{ path: 'listen_tls', message: `cannot be ${running ? 'removed' : 'added'} by a reload: restart Airlock to switch between http and https` }], source);
  }
  return next;
}
