import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type CDPSession, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const SHOTS = join(import.meta.dirname, '..', '..', '..', 'test-output', 'webauthn');

/** Debian's Chromium, headless. Missing -> a clear failure naming the command to run (never a skip). */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run "bash scripts/ensure-chromium.sh" (as root it installs it with apt)`);
  mkdirSync(SHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export interface AuthenticatorOptions {
  hasUserVerification?: boolean;
  isUserVerified?: boolean;
}

export interface VirtualCredential {
  credentialId: string;
  isResidentCredential: boolean;
  rpId?: string;
  privateKey: string;
  userHandle?: string;
  signCount: number;
}

/** One browser profile (context) with a CDP session and at most one virtual authenticator at a time. */
export class Person {
  authenticatorId: string | undefined;
  private constructor(
    readonly context: BrowserContext,
    readonly page: Page,
    readonly cdp: CDPSession,
  ) {}

  static async open(browser: Browser): Promise<Person> {
    const context = await browser.newContext({ viewport: { width: 1000, height: 760 } });
    const page = await context.newPage();
    page.on('dialog', (d) => void d.accept());
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    return new Person(context, page, cdp);
  }

  /** Replaces the authenticator: ctap2 over USB, resident keys, UV as given (default: verified). */
  async useAuthenticator(opts: AuthenticatorOptions = {}, credentials: readonly VirtualCredential[] = []): Promise<void> {
    if (this.authenticatorId) await this.cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: this.authenticatorId });
    const r = await this.cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'usb', hasResidentKey: true, hasUserVerification: opts.hasUserVerification ?? true, isUserVerified: opts.isUserVerified ?? true, automaticPresenceSimulation: true },
    });
    this.authenticatorId = r.authenticatorId;
    for (const c of credentials) await this.cdp.send('WebAuthn.addCredential', { authenticatorId: r.authenticatorId, credential: c });
  }

  async credentials(): Promise<VirtualCredential[]> {
    if (!this.authenticatorId) return [];
    const r = await this.cdp.send('WebAuthn.getCredentials', { authenticatorId: this.authenticatorId });
    return r.credentials as VirtualCredential[];
  }

  /** Signs in at the dev IdP through the gateway's login; resolves on the first gateway page after the callback. */
  async idpLogin(gatewayUrl: string, username: string, password: string, rd: string): Promise<void> {
    await this.page.goto(`${gatewayUrl}/.airlock/login?rd=${encodeURIComponent(rd)}`);
    await this.page.fill('#username', username);
    await this.page.fill('#password', password);
    await Promise.all([this.page.waitForURL((u) => u.origin === gatewayUrl && !u.pathname.startsWith('/.airlock/callback')), this.page.click('button[type=submit]')]);
  }

  async shot(name: string): Promise<void> {
    await this.page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  }

  async close(): Promise<void> {
    await this.context.close();
  }
}

/** Waits until the page script reports its result (data-wa-result on <body>). */
export async function waResult(page: Page): Promise<{ result: string; code: string | null; status: string }> {
  await page.waitForFunction(() => document.body.hasAttribute('data-wa-result'), undefined, { timeout: 15_000 });
  return page.evaluate(() => ({
    result: document.body.getAttribute('data-wa-result') ?? '',
    code: document.body.getAttribute('data-wa-code'),
    status: document.getElementById('wa-status')?.textContent ?? '',
  }));
}

/**
 * From a WebAuthn page: asks the server for options of `kind`, lets the browser's authenticator answer with
 * `mutate` applied to the options first (e.g. an empty allowCredentials list, so a key the server did not
 * ask for answers), posts the response, and returns the server's status and JSON.
 */
export async function ceremonyBypassingOptions(page: Page, kind: 'authenticate' | 'register', mutate: 'empty_allow_list' | 'uv_discouraged'): Promise<{ status: number; body: Record<string, unknown> }> {
  // Page code as a string: tsx's helpers (__name) must not leak into the browser.
  const script = `(async () => {
    const W = window.SimpleWebAuthnBrowser;
    const kind = ${JSON.stringify(kind)};
    const mutate = ${JSON.stringify(mutate)};
    const post = async (path, body) => {
      const r = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: r.status, body: await r.json() };
    };
    const opts = await post('/.airlock/webauthn/' + kind + '/options', kind === 'authenticate' ? { purpose: 'login' } : {});
    if (opts.status !== 200) return opts;
    const o = opts.body;
    if (mutate === 'empty_allow_list') o.allowCredentials = [];
    if (mutate === 'uv_discouraged') {
      if (o.authenticatorSelection) o.authenticatorSelection.userVerification = 'discouraged';
      o.userVerification = 'discouraged';
      if (o.authenticatorSelection) { o.authenticatorSelection.residentKey = 'discouraged'; o.authenticatorSelection.requireResidentKey = false; }
    }
    const response = kind === 'authenticate' ? await W.startAuthentication({ optionsJSON: o }) : await W.startRegistration({ optionsJSON: o });
    return post('/.airlock/webauthn/' + kind + '/verify', kind === 'authenticate' ? { purpose: 'login', response } : { response });
  })()`;
  return page.evaluate(script) as Promise<{ status: number; body: Record<string, unknown> }>;
}
