import { spawn } from 'node:child_process';
import { chmod, mkdir, open, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { deviceLogin, LoginFailed, type DeviceAuthorization } from './device-client.ts';

/** Where `airlock login` keeps the token: $XDG_CONFIG_HOME/airlock/token (default ~/.config/airlock/token). */
export function defaultTokenPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith('/') ? env.XDG_CONFIG_HOME : join(homedir(), '.config');
  return join(base, 'airlock', 'token');
}

/** Writes the token readable by its owner only (0600; its directory 0700 when created here). */
export async function writeTokenFile(path: string, token: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const fh = await open(path, 'w', 0o600);
  try {
    await fh.chmod(0o600); // an existing file keeps its old mode on open
    await fh.writeFile(`${token}\n`, 'utf8');
  } finally {
    await fh.close();
  }
  await chmod(path, 0o600);
}

function list(value: string, previous: string[] = []): string[] {
  const items = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) throw new InvalidArgumentError('give at least one value (comma-separated)');
  return [...previous, ...items];
}

function openBrowser(url: string): void {
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  try {
    const child = spawn(cmd, [url], { stdio: 'ignore', detached: true });
    child.on('error', () => undefined); // no browser here: the printed URL is enough
    child.unref();
  } catch {
    // same: the URL is printed
  }
}

export function registerLogin(program: Command): void {
  program
    .command('login')
    .description('Get a short-lived personal token through your browser (device authorization, RFC 8628)')
    .requiredOption('--url <url>', 'the gateway, e.g. https://airflow.example.com')
    .option('--env <envs>', 'environments the token may reach, comma-separated (default: every one)', list)
    .option('--actions <actions>', 'actions the token may take, comma-separated (default: tokens.allowed_actions)', list)
    .option('--no-browser', 'do not open a browser; only print the URL and the code')
    .option('--out <file>', 'where to write the token (default: $XDG_CONFIG_HOME/airlock/token)')
    .option('--print', 'print the token on stdout instead of writing a file')
    .action(async (o: { url: string; env?: string[]; actions?: string[]; browser: boolean; out?: string; print?: boolean }) => {
      if (o.print && o.out !== undefined) {
        process.stderr.write('airlock login: --print and --out cannot be combined\n');
        process.exitCode = 2;
        return;
      }
      try {
        const issued = await deviceLogin({
          url: o.url,
          envs: o.env,
          actions: o.actions,
          onCode: (a: DeviceAuthorization) => {
            process.stderr.write(`To sign in, open ${a.verification_uri} and enter the code\n\n    ${a.user_code}\n\nor open ${a.verification_uri_complete}\nWaiting for approval (the code expires in ${Math.round(a.expires_in / 60)} minutes)...\n`);
            if (o.browser) openBrowser(a.verification_uri_complete);
          },
        });
        const until = new Date(Date.now() + issued.expires_in * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
        if (o.print) {
          process.stdout.write(`${issued.access_token}\n`);
          process.stderr.write(`Signed in: token ${issued.token_id}, valid until ${until}\n`);
          return;
        }
        const path = o.out ?? defaultTokenPath();
        await writeTokenFile(path, issued.access_token);
        process.stderr.write(`Signed in: token ${issued.token_id} written to ${path}, valid until ${until}\n`);
      } catch (err) {
        if (!(err instanceof LoginFailed)) throw err;
        process.stderr.write(`airlock login: ${err.message}\n`);
        process.exitCode = 1;
      }
    });
}

export function registerLogout(program: Command): void {
  program
    .command('logout')
    .description('Remove the token airlock login wrote (it still works until it expires unless revoked: airlock tokens revoke)')
    .option('--out <file>', 'the token file (default: $XDG_CONFIG_HOME/airlock/token)')
    .action(async (o: { out?: string }) => {
      const path = o.out ?? defaultTokenPath();
      try {
        await rm(path);
        process.stderr.write(`Removed ${path}\n`);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        process.stderr.write(`No token at ${path}\n`);
      }
    });
}
