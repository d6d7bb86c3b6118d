// The operator process: `npm run operator` locally, the container's entry point in a cluster.
import { loadConfig } from './config.js';
import { createLogger } from './log.js';
import { Manager } from './manager.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.PCM_OPS_LOG_LEVEL);
  const manager = new Manager(config, log);
  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    await manager.stop();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  await manager.start(() => {
    log.error('leadership lost; exiting so that a fresh process campaigns again');
    process.exit(1);
  });
}

main().catch((error: unknown) => {
  console.error(
    JSON.stringify({ level: 'fatal', msg: error instanceof Error ? error.message : String(error) }),
  );
  process.exit(1);
});
