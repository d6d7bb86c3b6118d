// The SSH hosts the SSH provider's tests run against, seen through ssh2 as the provider will see
// them: each host answers on its own address with its own host key, one user has passwordless sudo
// and the other none, only the bastion forwards (and its log shows it), hosts go down, come back and
// change keys, and after stop() no process of the fleet is left and its ports are closed.
import { existsSync } from 'node:fs';
import { Client, type ClientChannel, type ConnectConfig, type SFTPWrapper } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprintOfBlob, startSshFleet, type SshFleet, type SshHost } from '../infra/sshd.js';

let fleet: SshFleet;

beforeAll(async () => {
  fleet = await startSshFleet({ hosts: 3, hidden: 1 });
});

afterAll(async () => {
  await fleet?.stop();
});

interface Connection {
  client: Client;
  /** the raw host key the server presented */
  hostKey: Buffer;
}

interface ConnectOptions {
  user?: string;
  /** a stream to the host (a channel forwarded by the bastion) instead of a TCP connection */
  sock?: ClientChannel;
  /** the host key to accept (default: the fleet's current key of the host) */
  trust?: string;
}

const keyBlob = (line: string): Buffer => Buffer.from(line.split(' ')[1] ?? '', 'base64');
/** The fleet's plain hosts (it has three) and its hidden host. */
const plainHost = (index: number): SshHost => fleet.hosts[index]!;
const hiddenHost = (): SshHost => fleet.hidden[0]!;

/** An authenticated ssh2 connection that accepts only the trusted host key. */
function connect(host: SshHost, options: ConnectOptions = {}): Promise<Connection> {
  const trusted = keyBlob(options.trust ?? host.hostKey);
  let presented: Buffer = Buffer.alloc(0);
  const config: ConnectConfig = {
    ...(options.sock ? { sock: options.sock } : { host: host.address, port: host.port }),
    username: options.user ?? fleet.users.sudo,
    privateKey: fleet.userKey.privateKey,
    readyTimeout: 10_000,
    hostVerifier: (key: Buffer) => {
      presented = key;
      return key.equals(trusted);
    },
  };
  return new Promise((resolve, reject) => {
    const client = new Client();
    client.once('ready', () => resolve({ client, hostKey: presented }));
    client.once('error', reject);
    client.connect(config);
  });
}

interface ExecResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function exec(client: Client, command: string): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    client.exec(command, (error, channel) => {
      if (error) return reject(error);
      const result: ExecResult = { code: null, stdout: '', stderr: '' };
      channel.on('data', (chunk: Buffer) => (result.stdout += chunk.toString()));
      channel.stderr.on('data', (chunk: Buffer) => (result.stderr += chunk.toString()));
      channel.on('exit', (code: number | null) => (result.code = code));
      channel.on('close', () => resolve(result));
    });
  });
}

/** Starts a command that prints a line first, and resolves with its channel once it has. */
function startCommand(client: Client, command: string): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    client.exec(command, (error, channel) => {
      if (error) return reject(error);
      channel.once('data', () => resolve(channel));
    });
  });
}

/** Runs one command on the host and disconnects. */
async function runOn(host: SshHost, command: string, user?: string): Promise<ExecResult> {
  const { client } = await connect(host, { user });
  try {
    return await exec(client, command);
  } finally {
    client.end();
  }
}

function forwardOut(client: Client, host: SshHost): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    client.forwardOut('127.0.0.1', 0, host.address, host.port, (error, channel) =>
      error ? reject(error) : resolve(channel),
    );
  });
}

/** The error code a connection attempt fails with (ECONNREFUSED, …), or 'connected'. */
async function connectFailure(host: SshHost, options?: ConnectOptions): Promise<string> {
  try {
    (await connect(host, options)).client.end();
    return 'connected';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('plain hosts', () => {
  it('live on distinct loopback addresses with distinct host keys', () => {
    const all = [...fleet.hosts, fleet.bastion, ...fleet.hidden];
    expect(all).toHaveLength(5);
    expect(new Set(all.map((h) => h.address)).size).toBe(5);
    expect(new Set(all.map((h) => h.fingerprint)).size).toBe(5);
    for (const host of all) expect(host.address).toMatch(/^127\.0\.0\.\d+$/);
  });

  it.each([0, 1, 2])('host %i answers as itself, with its own host key', async (index) => {
    const host = plainHost(index);
    const { client, hostKey } = await connect(host);
    try {
      expect(hostKey.toString('base64')).toBe(keyBlob(host.hostKey).toString('base64'));
      expect(fingerprintOfBlob(hostKey)).toBe(host.fingerprint);
      const result = await exec(client, 'id -un; echo "$PCM_TEST_HOST"; echo "$PCM_TEST_HOST_DIR"');
      expect(result).toEqual({
        code: 0,
        stdout: `${fleet.users.sudo}\n${host.name}\n${host.dir}\n`,
        stderr: '',
      });
      const where = await exec(client, 'echo "$SSH_CONNECTION"');
      expect(where.stdout.trim().split(' ').slice(2)).toEqual([host.address, String(host.port)]);
    } finally {
      client.end();
    }
  });

  it('log in the user without sudo as well, and both may write to the scratch dir', async () => {
    const host = plainHost(0);
    const write = 'id -un && touch "$PCM_TEST_HOST_DIR/by-$(id -un)" && ls "$PCM_TEST_HOST_DIR"';
    const plain = await runOn(host, write, fleet.users.plain);
    expect(plain.stdout.split('\n')).toEqual([fleet.users.plain, `by-${fleet.users.plain}`, '']);
    const [user, ...files] = (await runOn(host, write)).stdout.trim().split('\n');
    expect(user).toBe(fleet.users.sudo);
    expect(files.sort()).toEqual([`by-${fleet.users.sudo}`, `by-${fleet.users.plain}`].sort());
  });

  it('serve SFTP', async () => {
    const host = plainHost(1);
    const { client } = await connect(host);
    try {
      const sftp = await new Promise<SFTPWrapper>((resolve, reject) =>
        client.sftp((error, session) => (error ? reject(error) : resolve(session))),
      );
      await new Promise<void>((resolve, reject) =>
        sftp.writeFile(`${host.dir}/uploaded.sh`, 'echo uploaded\n', (error) =>
          error ? reject(error) : resolve(),
        ),
      );
      expect((await exec(client, 'sh "$PCM_TEST_HOST_DIR/uploaded.sh"')).stdout).toBe('uploaded\n');
    } finally {
      client.end();
    }
  });
});

describe('sudo', () => {
  it('runs without a password for the sudo user', async () => {
    const result = await runOn(plainHost(0), 'sudo -n true && sudo -n id -u');
    expect(result).toMatchObject({ code: 0, stdout: '0\n' });
  });

  it('is refused to the user without sudo', async () => {
    const result = await runOn(plainHost(0), 'sudo -n true', fleet.users.plain);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('a password is required');
  });
});

describe('the bastion', () => {
  it('forwards to a hidden host, and its log shows that connection and not a direct one', async () => {
    const hidden = hiddenHost();
    const before = await fleet.forwardsTo(hidden);
    expect((await runOn(hidden, 'echo "$PCM_TEST_HOST"')).stdout).toBe(`${hidden.name}\n`);
    const bastion = await connect(fleet.bastion);
    try {
      const { client, hostKey } = await connect(hidden, {
        sock: await forwardOut(bastion.client, hidden),
      });
      expect(fingerprintOfBlob(hostKey)).toBe(hidden.fingerprint);
      expect((await exec(client, 'echo "$PCM_TEST_HOST"')).stdout).toBe(`${hidden.name}\n`);
      client.end();
    } finally {
      bastion.client.end();
    }
    // sshd's privileged monitor writes the line a moment after the channel opened
    await expect.poll(() => fleet.forwardsTo(hidden)).toBe(before + 1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await fleet.forwardsTo(hidden)).toBe(before + 1);
  });

  it('is the only host that forwards', async () => {
    const { client } = await connect(plainHost(0));
    try {
      await expect(forwardOut(client, hiddenHost())).rejects.toThrow(/open failed/);
    } finally {
      client.end();
    }
  });

  it('down, leaves the hidden hosts unreachable through it while direct hosts still answer', async () => {
    await fleet.stop(fleet.bastion);
    try {
      expect(await connectFailure(fleet.bastion)).toBe('ECONNREFUSED');
      expect((await runOn(plainHost(0), 'echo "$PCM_TEST_HOST"')).stdout).toBe('host-1\n');
    } finally {
      await fleet.start(fleet.bastion);
    }
    const bastion = await connect(fleet.bastion);
    const channel = await forwardOut(bastion.client, hiddenHost());
    channel.destroy();
    bastion.client.end();
  });
});

describe('hosts that change', () => {
  it('rekey: the old key is refused, the new one has another fingerprint', async () => {
    const host = plainHost(1);
    const old = { hostKey: host.hostKey, fingerprint: host.fingerprint };
    await fleet.rekey(host);
    expect(host.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(host.fingerprint).not.toBe(old.fingerprint);
    expect(host.hostKey).not.toBe(old.hostKey);
    expect(await connectFailure(host, { trust: old.hostKey })).toMatch(/verification failed/);
    const { client, hostKey } = await connect(host);
    client.end();
    expect(fingerprintOfBlob(hostKey)).toBe(host.fingerprint);
  });

  it('stop(host) refuses connections and ends open sessions; start(host) brings it back with the same key', async () => {
    const host = plainHost(2);
    const { hostKey } = host;
    const open = await connect(host);
    open.client.on('error', () => undefined);
    const sleeping = await startCommand(open.client, 'echo started; exec sleep 300');
    const ended = new Promise((resolve) => sleeping.once('close', resolve));
    await fleet.stop(host);
    await ended;
    expect(await connectFailure(host)).toBe('ECONNREFUSED');
    expect((await runOn(plainHost(0), 'echo up')).stdout).toBe('up\n');
    await fleet.start(host);
    expect(host.hostKey).toBe(hostKey);
    const { client, hostKey: presented } = await connect(host);
    client.end();
    expect(presented.equals(keyBlob(hostKey))).toBe(true);
  });
});

describe('stop()', () => {
  it('leaves no process of the fleet and closes its ports', async () => {
    const idle = await fleet.pids();
    const open = await connect(plainHost(0));
    open.client.on('error', () => undefined);
    await startCommand(open.client, 'echo started; exec sleep 600');
    const busy = await fleet.pids();
    // the connection, its privilege-separated children and the command
    expect(busy.length).toBeGreaterThan(idle.length);
    const all = [...fleet.hosts, fleet.bastion, ...fleet.hidden];
    await fleet.stop();
    expect(busy.filter(isAlive)).toEqual([]);
    expect(await fleet.pids()).toEqual([]);
    for (const host of all) expect(await connectFailure(host)).toBe('ECONNREFUSED');
    expect(existsSync(fleet.bastion.dir)).toBe(false);
  });
});
