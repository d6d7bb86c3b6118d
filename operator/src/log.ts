import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Paths that could carry a secret if someone logged a whole object. Secret values are never
 * logged on purpose; this is the second line of defence.
 */
const REDACT = [
  'data',
  'stringData',
  '*.data',
  '*.stringData',
  'credentials',
  '*.credentials',
  'secretAccessKey',
  '*.secretAccessKey',
  'sessionToken',
  '*.sessionToken',
  'SecretAccessKey',
  '*.SecretAccessKey',
  'SessionToken',
  '*.SessionToken',
];

/** Structured JSON logs on stdout. */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { component: 'pcm-ops-operator' },
      redact: { paths: REDACT, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination as pino.DestinationStream | undefined,
  );
}
