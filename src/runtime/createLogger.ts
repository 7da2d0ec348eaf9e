import pino, { type Logger } from 'pino';

/**
 * Paths redacted from every log line. Secrets are never logged on purpose; this is the second line
 * of defence for objects logged whole (requests, errors with context).
 */
export const REDACTED_PATHS = [
  'authorization',
  '*.authorization',
  'req.headers.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'accessToken',
  'refreshToken',
  'access_token',
  'refresh_token',
  'clientSecret',
  'client_secret',
  '*.accessToken',
  '*.refreshToken',
  '*.access_token',
  '*.refresh_token',
  '*.clientSecret',
  '*.client_secret',
  'apiKey',
  '*.apiKey',
  'token',
  '*.token',
];

/** The process logger: JSON lines to stdout (or the given stream) with secrets redacted. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options = { level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, base: { service: 'jobber-gateway' } };
  return destination ? pino(options, destination) : pino(options);
}
