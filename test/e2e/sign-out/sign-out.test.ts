import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startStack, type TestStack } from '../../integration/gateway/harness.ts';
import { launchChromium, Person } from '../webauthn/browser.ts';

/**
 * Sign-out in real Chromium (http://localhost) against the whole stack: the dev IdP, the Airflow stand-ins (which
 * verify assertions) and the gateway. Each test uses its own browser profile, so IdP and gateway sessions start fresh.
 */
describe('sign-out in a real browser', () => {
  let stack: TestStack;
  let browser: Browser;
  const people: Person[] = [];

  before(async () => {
    stack = await startStack();
    browser = await launchChromium();
  });
  after(async () => {
    for (const p of people) await p.close();
    await browser?.close();
    await stack?.close();
  });

  const signedIn = async (): Promise<Person> => {
    const p = await Person.open(browser);
    people.push(p);
    await p.idpLogin(stack.gatewayUrl, 'carol', 'carol-demo', '/home');
    assert.equal(new URL(p.page.url()).pathname, '/home');
    assert.equal(await whoami(p.page), 200, 'signed in');
    return p;
  };
  const whoami = async (page: Page) => (await page.request.get(`${stack.gatewayUrl}/.airlock/whoami`)).status();
  const logoutUrl = () => `${stack.gatewayUrl}/.airlock/logout`;

  /**
   * The headers Chromium really put on the wire for its POSTs to /.airlock/logout, from the DevTools protocol
   * (Playwright's own view of a navigation leaves out Sec-Fetch-* and Cookie). Lower-case names, in order.
   */
  const recordLogoutPosts = async (p: Person): Promise<Array<Record<string, string>>> => {
    const ids = new Set<string>();
    const firstHop = new Map<string, Record<string, string>>(); // requestId -> headers of its first hop (the POST)
    const out: Array<Record<string, string>> = [];
    const flush = (id: string) => {
      const h = firstHop.get(id);
      if (h && ids.has(id) && !out.includes(h)) out.push(h);
    };
    await p.cdp.send('Network.enable');
    p.cdp.on('Network.requestWillBeSent', (e) => {
      if (e.request.method === 'POST' && e.request.url === logoutUrl() && !e.redirectResponse) {
        ids.add(e.requestId);
        flush(e.requestId);
      }
    });
    p.cdp.on('Network.requestWillBeSentExtraInfo', (e) => {
      if (firstHop.has(e.requestId)) return;
      firstHop.set(e.requestId, Object.fromEntries(Object.entries(e.headers).map(([k, v]) => [k.toLowerCase(), String(v)])));
      flush(e.requestId);
    });
    return out;
  };
  const lastPost = async (posts: Array<Record<string, string>>): Promise<Record<string, string>> => {
    for (let i = 0; i < 100 && posts.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    const h = posts.at(-1);
    assert.ok(h, 'the browser posted to /.airlock/logout');
    return h;
  };
  const isLogoutPost = (r: { url(): string; method(): string }) => r.url() === logoutUrl() && r.method() === 'POST';

  /** From the IdP's "Sign out?" page to the gateway's "You are signed out". */
  const confirmAtIdp = async (page: Page) => {
    await page.waitForURL((u) => u.origin === new URL(stack.idp.issuer).origin);
    await Promise.all([page.waitForURL(`${stack.gatewayUrl}/.airlock/logged-out`), page.click('button[name="logout"][value="yes"]')]);
    assert.match((await page.textContent('h1')) ?? '', /You are signed out/);
  };

  /** The next request is signed out: whoami 401, and Airflow's /home sends the browser to the gateway's login. */
  const assertSignedOut = async (page: Page) => {
    assert.equal(await whoami(page), 401);
    const home = await page.request.get(`${stack.gatewayUrl}/home`, { maxRedirects: 0, headers: { accept: 'text/html' } });
    assert.equal(home.status(), 302);
    assert.match(home.headers().location ?? '', /^\/\.airlock\/login\?rd=/);
  };

  test("Airlock's Sign out button ends the session; the form posts its real Origin (Referrer-Policy same-origin)", async () => {
    const p = await signedIn();
    const posts = await recordLogoutPosts(p);
    await p.page.goto(`${stack.gatewayUrl}/.airlock/logout`);
    await p.page.click('form[action="/.airlock/logout"] button[type=submit]');
    const headers = await lastPost(posts);
    assert.equal(headers.origin, stack.publicUrl);
    assert.equal(headers['sec-fetch-site'], 'same-origin');
    await confirmAtIdp(p.page);
    await p.shot('sign-out-01-airlock');
    await assertSignedOut(p.page);
  });

  test('from a page with Referrer-Policy: no-referrer (as an Airflow page may send): Origin null, same-origin, and the sign-out works', async () => {
    const p = await signedIn();
    const posts = await recordLogoutPosts(p);
    await p.page.route(`${stack.gatewayUrl}/a-no-referrer-page`, (route) =>
      route.fulfill({
        status: 200,
        headers: { 'content-type': 'text/html; charset=utf-8', 'referrer-policy': 'no-referrer' },
        body: '<!doctype html><form method="post" action="/.airlock/logout"><button id="out" type="submit">Sign out</button></form>',
      }),
    );
    await p.page.goto(`${stack.gatewayUrl}/a-no-referrer-page`);
    await p.page.click('#out');
    const headers = await lastPost(posts);
    assert.equal(headers.origin, 'null', 'Chromium posts Origin: null from a no-referrer page');
    assert.equal(headers['sec-fetch-site'], 'same-origin');
    await confirmAtIdp(p.page);
    await assertSignedOut(p.page);
  });

  test("Airflow 2's own Log Out (the navbar form, POST /logout/ with csrf_token) leads to the confirmation, whose button ends the session", async () => {
    const p = await signedIn();
    const before = stack.prod.received.length;
    const form = p.page.locator('form[method="POST"][action="/logout/"]');
    assert.equal(await form.locator('input[type=hidden][name=csrf_token]').count(), 1, 'the real form: a hidden csrf_token');
    await p.shot('sign-out-00-airflow-home');
    await Promise.all([p.page.waitForURL(`${stack.gatewayUrl}/.airlock/logout`), form.locator('button[type=submit]').click()]);
    assert.match((await p.page.textContent('h1')) ?? '', /Sign out/);
    assert.ok(!stack.prod.received.slice(before).some((r) => r.url.startsWith('/logout')), 'Airflow never saw the POST');
    await p.shot('sign-out-02-airflow-confirmation');
    await p.page.click('form[action="/.airlock/logout"] button[type=submit]');
    await confirmAtIdp(p.page);
    await assertSignedOut(p.page);
  });

  test("Airflow 3's Log out (GET /api/v2/auth/logout under the environment's prefix) leads to the same confirmation", async () => {
    const p = await signedIn();
    await p.page.goto(`${stack.gatewayUrl}/dev/`); // the Airflow 3 UI
    await Promise.all([p.page.waitForURL(`${stack.gatewayUrl}/.airlock/logout`), p.page.click('a.logout')]);
    await p.page.click('form[action="/.airlock/logout"] button[type=submit]');
    await confirmAtIdp(p.page);
    await assertSignedOut(p.page);
  });

  test('refused, the session surviving: a sandboxed document on the same origin (Origin null, cross-site), a sandboxed iframe, another site', async () => {
    const p = await signedIn();
    const posts = await recordLogoutPosts(p);
    const autoPost = `<form method="post" action="${logoutUrl()}"></form><script>document.forms[0].submit()</script>`;
    const page = (path: string, body: string, headers: Record<string, string> = {}) =>
      p.page.route(`${stack.gatewayUrl}${path}`, (route) => route.fulfill({ status: 200, headers: { 'content-type': 'text/html; charset=utf-8', ...headers }, body: `<!doctype html>${body}` }));

    // a sandboxed browsing context (CSP sandbox, as a frame's sandbox attribute makes it): an opaque origin
    await page('/a-sandboxed-page', autoPost, { 'content-security-policy': 'sandbox allow-forms allow-scripts' });
    const sandboxed = p.page.waitForResponse((r) => isLogoutPost(r.request()));
    await p.page.goto(`${stack.gatewayUrl}/a-sandboxed-page`);
    const fromSandbox = await sandboxed;
    const sandboxHeaders = await lastPost(posts);
    assert.equal(sandboxHeaders.origin, 'null');
    assert.equal(sandboxHeaders['sec-fetch-site'], 'cross-site', 'an opaque origin is cross-site');
    assert.equal(fromSandbox.status(), 403);
    assert.match(await fromSandbox.text(), /AIRLOCK_SERVER_CROSS_ORIGIN/);
    assert.equal(await whoami(p.page), 200, 'still signed in');

    // the same from a sandboxed iframe of a same-origin page (its frame runs out of process; the session is what counts)
    await page('/a-page-with-a-sandboxed-frame', `<iframe sandbox="allow-forms allow-scripts" srcdoc="${autoPost.replace(/"/g, '&quot;')}"></iframe>`);
    const frameDone = p.page.waitForEvent('framenavigated', (f) => f !== p.page.mainFrame() && f.url() !== 'about:srcdoc');
    await p.page.goto(`${stack.gatewayUrl}/a-page-with-a-sandboxed-frame`);
    await frameDone;
    assert.equal(await whoami(p.page), 200, 'still signed in');

    // another site (127.0.0.1 is not localhost's site) posting the same form
    const otherOrigin = `http://127.0.0.1:${new URL(stack.gatewayUrl).port}`;
    await p.page.route(`${otherOrigin}/evil`, (route) => route.fulfill({ status: 200, headers: { 'content-type': 'text/html' }, body: `<!doctype html>${autoPost}` }));
    const crossSite = p.page.waitForResponse((r) => isLogoutPost(r.request()));
    await p.page.goto(`${otherOrigin}/evil`);
    const fromOther = await crossSite;
    const otherHeaders = await lastPost(posts);
    assert.equal(otherHeaders.origin, otherOrigin);
    assert.equal(otherHeaders['sec-fetch-site'], 'cross-site');
    assert.equal(fromOther.status(), 403);
    assert.equal(await whoami(p.page), 200, 'still signed in');
  });
});
