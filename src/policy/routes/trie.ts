import type { RouteInfo } from '../catalogue/index.ts';

interface Node {
  readonly literal: Map<string, Node>;
  param: { readonly name: string; readonly node: Node } | undefined;
  tail: { readonly name: string; readonly routes: Map<string, RouteInfo> } | undefined;
  readonly routes: Map<string, RouteInfo>;
}

export interface RouteMatch {
  readonly route: RouteInfo;
  readonly params: Readonly<Record<string, string>>;
}

const newNode = (): Node => ({ literal: new Map(), param: undefined, tail: undefined, routes: new Map() });

/** A segment trie per catalogue: literal segments beat parameters, which beat a trailing {name:path}. */
export class RouteTrie {
  readonly #root = newNode();

  constructor(routes: readonly RouteInfo[]) {
    for (const r of routes) this.#insert(r);
  }

  #insert(r: RouteInfo): void {
    const segs = r.path.slice(1).split('/');
    let node = this.#root;
    for (let i = 0; i < segs.length; i++) {
      const seg = segs[i]!;
      const tail = /^\{(\w+):path\}$/.exec(seg);
      if (tail) {
        if (i !== segs.length - 1) throw new TypeError(`${r.id}: a {name:path} parameter must be last`);
        node.tail ??= { name: tail[1]!, routes: new Map() };
        if (node.tail.name !== tail[1]) throw new TypeError(`${r.id}: conflicting tail parameter names`);
        this.#add(node.tail.routes, r);
        return;
      }
      const param = /^\{(\w+)\}$/.exec(seg);
      if (param) {
        node.param ??= { name: param[1]!, node: newNode() };
        if (node.param.name !== param[1]) throw new TypeError(`${r.id}: parameter {${param[1]}} clashes with {${node.param.name}}`);
        node = node.param.node;
      } else {
        let next = node.literal.get(seg);
        if (!next) node.literal.set(seg, (next = newNode()));
        node = next;
      }
    }
    this.#add(node.routes, r);
  }

  #add(map: Map<string, RouteInfo>, r: RouteInfo): void {
    if (map.has(r.method)) throw new TypeError(`duplicate route ${r.method} ${r.path}`);
    map.set(r.method, r);
  }

  /** HEAD falls back to GET (Flask answers HEAD for GET routes; HEAD reads nothing more). */
  match(method: string, segments: readonly string[]): RouteMatch | null {
    const params: Record<string, string> = {};
    const route = this.#walk(this.#root, segments, 0, method, params) ?? (method === 'HEAD' ? this.#walk(this.#root, segments, 0, 'GET', params) : undefined);
    return route ? { route, params } : null;
  }

  #walk(node: Node, segs: readonly string[], i: number, method: string, params: Record<string, string>): RouteInfo | undefined {
    if (i === segs.length) return node.routes.get(method);
    const seg = segs[i]!;
    const lit = node.literal.get(seg);
    if (lit) {
      const r = this.#walk(lit, segs, i + 1, method, params);
      if (r) return r;
    }
    if (node.param && seg !== '') {
      const r = this.#walk(node.param.node, segs, i + 1, method, params);
      if (r) {
        params[node.param.name] = seg;
        return r;
      }
    }
    if (node.tail && seg !== '') {
      const r = node.tail.routes.get(method);
      if (r) {
        params[node.tail.name] = segs.slice(i).join('/');
        return r;
      }
    }
    return undefined;
  }
}
