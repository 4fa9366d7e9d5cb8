import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { isAirlockError } from '../errors/index.ts';
import { decide } from '../policy/index.ts';
import type { RevocationBus, RevocationMessage } from '../session/index.ts';
import { gateFor, webauthnFor } from '../webauthn/index.ts';
import { authenticate } from './authenticate.ts';
import type { GatewayServices } from './context.ts';
import type { Logger } from './logger.ts';
import { routeOf } from './route-cache.ts';

/** Every open tunnel is re-checked this often too (its session's claims may be refreshed, its rules reloaded). */
export const UPGRADE_RECHECK_MS = 30_000;

interface Tunnel {
  readonly socket: Duplex;
  /** True while the session may still use this tunnel. */
  readonly allowed: () => Promise<boolean>;
  checking: boolean;
}

/**
 * The WebSocket tunnels open in this worker, by session (id hash). When the revocation bus (or the store poll)
 * names a session, or a flush drops every cached session, its tunnels are re-checked against the store a moment
 * later (after the session cache dropped its copy): a revoked or expired session, one whose refreshed groups no
 * longer allow the route, or one that must re-authenticate has its tunnels closed at once (the client sees the
 * TCP connection end: WebSocket close code 1006). All tunnels are re-checked every UPGRADE_RECHECK_MS as well.
 */
export class LiveUpgrades {
  readonly #bySession = new Map<string, Set<Tunnel>>();
  readonly #log: Logger;
  #timer: NodeJS.Timeout | undefined;

  constructor(log: Logger) {
    this.#log = log;
  }

  /** Tunnels open in this worker. */
  get size(): number {
    let n = 0;
    for (const set of this.#bySession.values()) n += set.size;
    return n;
  }

  track(idHash: string, socket: Duplex, allowed: () => Promise<boolean>): void {
    if (socket.destroyed) return;
    const t: Tunnel = { socket, allowed, checking: false };
    let set = this.#bySession.get(idHash);
    if (set === undefined) this.#bySession.set(idHash, (set = new Set()));
    set.add(t);
    socket.once('close', () => {
      set.delete(t);
      if (set.size === 0 && this.#bySession.get(idHash) === set) this.#bySession.delete(idHash);
    });
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => this.recheckAll(), UPGRADE_RECHECK_MS);
      this.#timer.unref();
    }
  }

  /** A revocation message: re-check the tunnels of the sessions it names (every tunnel on a flush). */
  onRevocation(msg: RevocationMessage): void {
    if (this.#bySession.size === 0) return;
    // on the next turn: the session cache drops its copy first (subscribers run in order, this may run before it)
    setImmediate(() => {
      if (msg.type === 'flush') return this.recheckAll();
      for (const h of msg.idHashes) for (const t of this.#bySession.get(h) ?? []) this.#recheck(t);
    });
  }

  recheckAll(): void {
    for (const set of this.#bySession.values()) for (const t of set) this.#recheck(t);
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #recheck(t: Tunnel): void {
    if (t.checking || t.socket.destroyed) return;
    t.checking = true;
    t.allowed().then(
      (ok) => {
        t.checking = false;
        if (!ok) {
          this.#log.info({ upgrade: 'websocket' }, 'websocket tunnel closed: its session ended or no longer allows the route');
          t.socket.destroy();
        }
      },
      (err: unknown) => {
        t.checking = false;
        // the store is down: keep the tunnel (the next message or sweep re-checks it)
        this.#log.warn({ err: { message: (err as Error).message, code: (err as { code?: unknown }).code } }, 'websocket tunnel re-check failed; kept open');
      },
    );
  }
}

const installed = new WeakMap<GatewayServices, LiveUpgrades>();

/** The worker's tunnel registry, subscribed to its revocation bus. */
export function installLiveUpgrades(svc: GatewayServices, bus: RevocationBus, log: Logger): LiveUpgrades {
  const u = new LiveUpgrades(log);
  installed.set(svc, u);
  bus.subscribe((msg) => u.onRevocation(msg));
  return u;
}

export function upgradesOf(svc: GatewayServices): LiveUpgrades | undefined {
  return installed.get(svc);
}

/**
 * Whether the upgrade `req` may still be tunnelled, judged now: its session live (claims refreshed when due),
 * security key verified where required, and the policy of the current config still allowing the route.
 * The store being unavailable throws (the tunnel is kept); every session error means no.
 */
export async function upgradeStillAllowed(req: IncomingMessage, svc: GatewayServices): Promise<boolean> {
  const rt = svc.runtime();
  let auth;
  try {
    auth = await authenticate(req, rt, svc);
  } catch (err) {
    if (isAirlockError(err) && err.code === 'AIRLOCK_STORE_UNAVAILABLE') throw err;
    return false;
  }
  if (!auth) return false;
  if (gateFor(webauthnFor(rt.config), auth.identity)) return false;
  const { sel, cls } = routeOf(rt, req.headers.host, req.method ?? 'GET', req.url ?? '/');
  const d = decide(rt.policy, auth.identity, sel.name, cls, { now: svc.now(), dagMetadata: svc.dagMetadata(sel.name) });
  return d.effect === 'allow' && !('upstreamFilter' in d && d.upstreamFilter === true);
}
