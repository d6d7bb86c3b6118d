/**
 * One SSH session to one host with ssh2: through its bastion when it has one (both hops verified),
 * with the host key checked before anything is sent, a deadline to reach the host and log in,
 * keepalive on, and one command run with its stdin, stdout and stderr apart.
 */
import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import type { Duplex, Readable } from 'node:stream';
import ssh2, { type Client, type ClientChannel, type ConnectConfig } from 'ssh2';

// ssh2 is CommonJS: its classes come from the default export under Node's ESM loader

/** How a host is reached: its address, and the key check for it. */
export interface HostEndpoint {
  name: string;
  address: string;
  port: number;
  /** Decides on the key the host presents: undefined accepts it, a string refuses with that. */
  verify(key: HostKey): Promise<string | undefined>;
}

export interface HostKey {
  /** The OpenSSH public key line, type and base64 blob. */
  line: string;
  fingerprint: string;
}

export interface Login {
  user: string;
  privateKey: string;
  passphrase?: string;
  connectTimeoutMs: number;
}

export interface CommandResult {
  code: number | null;
  signal?: string;
  stdout: string;
  stderr: string;
}

/** Why a host could not be reached: the key refused, the deadline passed, the network. */
export class ConnectFailed extends Error {
  constructor(
    readonly reason: 'HostKeyRefused' | 'ConnectTimeout' | 'ConnectionFailed' | 'AuthFailed',
    message: string,
  ) {
    super(message);
  }
}

/** SHA256 fingerprint of a raw public key blob, as ssh-keygen -l prints it. */
export function fingerprintOf(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The OpenSSH line of a raw key blob: its type is the blob's first string. */
export function hostKeyOf(blob: Buffer): HostKey {
  const length = blob.readUInt32BE(0);
  const type = blob.subarray(4, 4 + length).toString('latin1');
  return { line: `${type} ${blob.toString('base64')}`, fingerprint: fingerprintOf(blob) };
}

function failureOf(error: Error & { level?: string; code?: string }, host: string): ConnectFailed {
  if (error instanceof ConnectFailed) return error;
  if (error.level === 'client-authentication')
    return new ConnectFailed('AuthFailed', `${host}: the key was not accepted for login`);
  if (/Timed out/i.test(error.message))
    return new ConnectFailed('ConnectTimeout', `${host}: no SSH session within the deadline`);
  return new ConnectFailed('ConnectionFailed', `${host}: ${error.code ?? ''} ${error.message}`);
}

/** Opens a logged-in session to the host, over `sock` when given (a bastion's forward). */
export function open(host: HostEndpoint, login: Login, sock?: Readable): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    let refused: ConnectFailed | undefined;
    const config: ConnectConfig = {
      host: host.address,
      port: host.port,
      username: login.user,
      privateKey: login.privateKey,
      ...(login.passphrase ? { passphrase: login.passphrase } : {}),
      readyTimeout: login.connectTimeoutMs,
      keepaliveInterval: 15_000,
      keepaliveCountMax: 3,
      ...(sock ? { sock } : {}),
      hostVerifier: (blob: Buffer, verify: (valid: boolean) => void) => {
        const key = hostKeyOf(blob);
        void host.verify(key).then(
          (problem) => {
            if (problem) refused = new ConnectFailed('HostKeyRefused', problem);
            verify(problem === undefined);
          },
          (error: unknown) => {
            refused = new ConnectFailed('HostKeyRefused', `${host.name}: ${String(error)}`);
            verify(false);
          },
        );
      },
    };
    client
      .once('ready', () => resolve(client))
      .once('error', (error) => {
        client.end();
        reject(refused ?? failureOf(error, host.name));
      })
      .connect(config);
  });
}

/**
 * Opens a logged-in session to `host` over a channel of `jump`, a logged-in session to its
 * bastion (named `via`): the host's key is verified as for a direct connection. Closing the
 * bastion's session closes this one.
 */
export async function openThrough(
  jump: Client,
  via: string,
  host: HostEndpoint,
  login: Login,
): Promise<Client> {
  const stream = await new Promise<ClientChannel>((resolve, reject) =>
    jump.forwardOut('127.0.0.1', 0, host.address, host.port, (error, channel) =>
      error
        ? reject(new ConnectFailed('ConnectionFailed', `${host.name} via ${via}: ${error.message}`))
        : resolve(channel),
    ),
  );
  const client = await open(host, login, stream);
  jump.once('close', () => client.end());
  return client;
}

/**
 * A command got no answer from a session: no channel (the session had died: nothing ran), or the
 * channel closed without an exit status (it may have run). Every command is safe to repeat.
 */
export class ChannelFailed extends Error {}

/** Runs one command, writing `input` to its stdin; resolves when the channel closes. */
export function run(client: Client, command: string, input = ''): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    client.exec(command, (error, channel) => {
      if (error) return reject(new ChannelFailed(error.message));
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      channel.on('data', (chunk: Buffer) => stdout.push(chunk));
      channel.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
      channel.on('close', (code: number | null, signal?: string) => {
        // no exit status and no signal: the connection went, the answer with it
        if (code === null && !signal)
          return reject(new ChannelFailed('the channel closed without an exit status'));
        resolve({
          code,
          ...(signal ? { signal } : {}),
          stdout: Buffer.concat(stdout).toString('utf8'),
          stderr: Buffer.concat(stderr).toString('utf8'),
        });
      });
      channel.end(input);
    });
  });
}

/**
 * Whether an SSH server answers on `stream`: its identification line ("SSH-2.0-…", RFC 4253
 * §4.2) arrives within the deadline. Nothing is sent and nobody logs in: this is reachability, as
 * an agent's ping is, not a check of the key or the login.
 */
export function answersSsh(stream: Duplex, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    let seen = '';
    const done = (answer: boolean): void => {
      clearTimeout(timer);
      stream.removeAllListeners('data');
      stream.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    stream.on('data', (chunk: Buffer) => {
      seen += chunk.toString('latin1');
      // servers may send other lines first; the identification line starts with SSH-
      if (/(^|\n)SSH-/.test(seen)) done(true);
      else if (seen.length > 8192) done(false);
    });
    stream.once('error', () => done(false));
    stream.once('close', () => done(false));
  });
}

/** Whether the host answers SSH at its address. */
export function reachable(host: HostEndpoint, timeoutMs: number): Promise<boolean> {
  return answersSsh(connect({ host: host.address, port: host.port }), timeoutMs);
}

/** Whether the host answers SSH through `jump`, a logged-in session to its bastion. */
export async function reachableThrough(
  jump: Client,
  host: HostEndpoint,
  timeoutMs: number,
): Promise<boolean> {
  const channel = await new Promise<ClientChannel | undefined>((resolve) =>
    jump.forwardOut('127.0.0.1', 0, host.address, host.port, (error, stream) =>
      resolve(error ? undefined : stream),
    ),
  );
  return channel ? answersSsh(channel, timeoutMs) : false;
}
