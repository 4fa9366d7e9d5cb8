/**
 * The Dockerfile (docs/deployment.md "Container image"), checked as parsed instructions: multi-stage, a runtime
 * stage with no shell and no RUN, a non-root user, exec-form ENTRYPOINT and HEALTHCHECK through `airlock probe`
 * on /.airlock/healthz, config from a mounted file, only dist/ + production node_modules in the image, and a
 * .dockerignore that keeps local state and secrets out of the build context.
 * No base image can be pulled on these machines; test/integration/packaging/container.test.ts builds and starts
 * the image where a container runtime and the base images are present.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Copy, DockerfileParser, type Instruction } from 'dockerfile-ast';

const root = resolve(import.meta.dirname, '../../..');
const dockerfile = DockerfileParser.parse(readFileSync(join(root, 'Dockerfile'), 'utf8'));
const stages = dockerfile.getFROMs();
const runtime = dockerfile.getContainingImage(stages.at(-1)!.getRange().start)!;
const runtimeInstructions = (): Instruction[] => {
  const from = stages.at(-1)!.getRange().start.line;
  return dockerfile.getInstructions().filter((i) => i.getRange().start.line >= from);
};
const fromStage = (i: Instruction): string | undefined => (i instanceof Copy ? i.getFromFlag()?.getValue() ?? undefined : undefined);
const exec = (i: Instruction): string[] => {
  const json = (i as unknown as { getJSONStrings?: () => Array<{ getJSONValue(): string }> }).getJSONStrings?.();
  assert.ok(json && json.length > 0, `${i.getKeyword()} is in exec (JSON) form: no shell at run time`);
  return json.map((a) => a.getJSONValue());
};

test('two stages: a build stage and a runtime stage that copies the build from it', () => {
  assert.equal(stages.length, 2);
  assert.equal(stages[0]!.getBuildStage(), 'build');
  assert.equal(stages[0]!.getImageName(), 'node');
  const copiesFromBuild = runtimeInstructions().filter((i) => i.getKeyword() === 'COPY' && fromStage(i) === 'build');
  const sources = copiesFromBuild.map((i) => i.getArguments()[0]!.getValue());
  assert.deepEqual(sources.sort(), ['/build/dist', '/build/node_modules', '/build/package.json'].sort());
  // the build stage prunes dev dependencies before the runtime copies node_modules
  const buildRuns = dockerfile.getInstructions().filter((i) => i.getKeyword() === 'RUN' && i.getRange().start.line < stages[1]!.getRange().start.line);
  assert.ok(buildRuns.some((i) => /npm run build/.test(i.getRawArgumentsContent()!) && /npm prune --omit=dev/.test(i.getRawArgumentsContent()!)));
});

test('the runtime stage has no shell: a distroless base, no RUN, exec-form ENTRYPOINT/CMD/HEALTHCHECK', () => {
  assert.match(stages[1]!.getImage()!, /^gcr\.io\/distroless\/nodejs\$\{NODE_MAJOR\}-debian12:nonroot$/);
  assert.deepEqual(runtimeInstructions().filter((i) => i.getKeyword() === 'RUN'), []);
  const entry = exec(runtime.getENTRYPOINTs()[0]!);
  assert.deepEqual(entry, ['/nodejs/bin/node', '/app/bin/airlock.js']);
  assert.deepEqual(exec(runtime.getCMDs()[0]!), ['serve']);
});

test('the runtime stage runs as a non-root user', () => {
  const users = runtimeInstructions().filter((i) => i.getKeyword() === 'USER');
  assert.equal(users.length, 1);
  const [user] = users[0]!.getArguments()[0]!.getValue().split(':');
  assert.ok(user !== 'root' && user !== '0' && /^\d+$/.test(user!) && Number(user) >= 1000, `numeric non-root uid, got ${user}`);
});

test('HEALTHCHECK runs `airlock probe` against /.airlock/healthz', () => {
  const [hc] = runtime.getHEALTHCHECKs();
  assert.ok(hc, 'a HEALTHCHECK');
  assert.equal(hc.getSubcommand()!.getValue(), 'CMD');
  const raw = hc.getRawArgumentsContent()!;
  const cmd = JSON.parse(raw.slice(raw.indexOf('['))) as string[];
  assert.deepEqual(cmd.slice(0, 3), ['/nodejs/bin/node', '/app/bin/airlock.js', 'probe']);
  assert.match(cmd.join(' '), /\/\.airlock\/healthz$/);
});

test('config comes from a mounted file; the store directory is the only volume', () => {
  const env = runtime.getENVs().flatMap((e) => e.getProperties().map((p) => [p.getName(), p.getValue()] as const));
  assert.deepEqual(Object.fromEntries(env).AIRLOCK_CONFIG, '/etc/airlock/airlock.yaml');
  const volumes = runtimeInstructions().filter((i) => i.getKeyword() === 'VOLUME').map((i) => i.getRawArgumentsContent());
  assert.deepEqual(volumes, ['["/var/lib/airlock"]']);
});

test('every path copied from the build context exists and is let through .dockerignore; nothing else is', () => {
  const ignore = readFileSync(join(root, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  assert.equal(ignore[0], '*', 'deny by default');
  const allowed = ignore.slice(1).map((l) => l.replace(/^!/, '').replace(/\/$/, ''));
  const contextCopies = dockerfile.getInstructions()
    .filter((i) => i.getKeyword() === 'COPY' && fromStage(i) === undefined)
    .flatMap((i) => i.getArguments().slice(0, -1).map((a) => a.getValue().replace(/\/$/, '')));
  for (const src of contextCopies) {
    assert.ok(existsSync(join(root, src)), `${src} exists`);
    assert.ok(allowed.includes(src), `${src} is let through .dockerignore`);
  }
  assert.deepEqual([...new Set(contextCopies)].sort(), [...allowed].sort(), '.dockerignore lets through exactly what is copied');
});
