/**
 * A minimal cookie jar for driving browser flows over fetch: one bag of cookies per origin
 * (scheme://host:port). Path, Domain and Secure are ignored; expiry (Max-Age / Expires) is honoured.
 */
export class CookieJar {
  readonly #byOrigin = new Map<string, Map<string, string>>();

  /** Stores the Set-Cookie headers of a response received from `url`. */
  store(url: string | URL, response: Response): void {
    for (const line of response.headers.getSetCookie()) this.storeLine(url, line);
  }

  /** Stores one Set-Cookie header value as received from `url`. */
  storeLine(url: string | URL, setCookie: string): void {
    const [pair = '', ...attrs] = setCookie.split(';');
    const eq = pair.indexOf('=');
    if (eq <= 0) return;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    let expired = false;
    for (const attr of attrs) {
      const [k = '', v = ''] = attr.split('=').map((s) => s.trim());
      const key = k.toLowerCase();
      if (key === 'max-age' && Number(v) <= 0) expired = true;
      if (key === 'expires' && Date.parse(v) <= Date.now()) expired = true;
    }
    if (expired) this.delete(url, name);
    else this.set(url, name, value);
  }

  set(url: string | URL, name: string, value: string): void {
    const origin = new URL(url).origin;
    const bag = this.#byOrigin.get(origin) ?? new Map<string, string>();
    bag.set(name, value);
    this.#byOrigin.set(origin, bag);
  }

  get(url: string | URL, name: string): string | undefined {
    return this.#byOrigin.get(new URL(url).origin)?.get(name);
  }

  delete(url: string | URL, name: string): void {
    this.#byOrigin.get(new URL(url).origin)?.delete(name);
  }

  /** All cookies of the origin of `url`, name -> value. */
  cookies(url: string | URL): Record<string, string> {
    return Object.fromEntries(this.#byOrigin.get(new URL(url).origin) ?? []);
  }

  /** The Cookie header a browser would send to `url` (empty string when there are none). */
  header(url: string | URL): string {
    return [...(this.#byOrigin.get(new URL(url).origin) ?? [])].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}
