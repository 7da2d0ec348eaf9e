import type { IncomingMessage, ServerResponse } from 'node:http';
import { mediaTypeOf, readBody, sendJson } from './httpIo';
import type { SandboxControl } from './sandboxControl';

/** URL prefix of the control API: `POST /__sandbox/<method>` with the arguments as a JSON body. */
export const CONTROL_PREFIX = '/__sandbox/';

type Body = Record<string, unknown>;

/**
 * The control methods over HTTP, for the demo and for child processes. Methods with one scalar
 * argument take it by name (`setTokenLifetime` {seconds}, `setRotation` {on}, `set*Latency` {ms});
 * the others take their argument object as is. Answers `{ "result": … }`, or 400 `{ "error": … }`.
 */
const METHODS: Record<string, (control: SandboxControl, body: Body) => unknown> = {
  registerApp: (c, b) => c.registerApp(b as never),
  createAccount: (c, b) => c.createAccount(b as never),
  setTokenLifetime: (c, b) => c.setTokenLifetime(Number(b.seconds)),
  setRotation: (c, b) => c.setRotation(b.on === true),
  setBucket: (c, b) => c.setBucket(b as never),
  setRequestLimit: (c, b) => c.setRequestLimit(b as never),
  setTokenEndpointFailure: (c, b) => c.setTokenEndpointFailure(b as never),
  setTokenEndpointLatency: (c, b) => c.setTokenEndpointLatency(Number(b.ms), typeof b.accountId === 'string' ? { accountId: b.accountId } : undefined),
  setGraphqlFailure: (c, b) => c.setGraphqlFailure(b as never),
  setGraphqlLatency: (c, b) => c.setGraphqlLatency(Number(b.ms)),
  counters: (c) => c.counters(),
  resetCounters: (c) => c.resetCounters(),
  lastGraphqlHeaders: (c) => c.lastGraphqlHeaders(),
  disconnect: (c, b) => c.disconnect(b as never),
  sendWebhook: (c, b) => c.sendWebhook(b as never),
  issueTokensDirect: (c, b) => c.issueTokensDirect(b as never),
  liveRefreshToken: (c, b) => c.liveRefreshToken(b as never),
};

export async function handleControl(control: SandboxControl, path: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const name = path.slice(CONTROL_PREFIX.length);
  if (name === '') return sendJson(res, 200, { methods: Object.keys(METHODS) });
  const method = Object.hasOwn(METHODS, name) ? METHODS[name] : undefined;
  if (!method) return sendJson(res, 404, { error: `Unknown control method ${name}` });
  let body: Body = {};
  if (req.method === 'POST') {
    const read = await readBody(req);
    if (!read.ok) return sendJson(res, read.status, { error: 'Unreadable body' });
    const text = read.body.toString('utf8').trim();
    if (text) {
      if (mediaTypeOf(req) !== 'application/json') return sendJson(res, 415, { error: 'Send JSON' });
      try {
        body = JSON.parse(text) as Body;
      } catch {
        return sendJson(res, 400, { error: 'Invalid JSON' });
      }
      if (typeof body !== 'object' || body === null || Array.isArray(body)) return sendJson(res, 400, { error: 'Send a JSON object' });
    }
  }
  try {
    const result = await method(control, body);
    sendJson(res, 200, { result: result ?? null });
  } catch (error) {
    sendJson(res, 400, { error: error instanceof Error ? error.message : String(error) });
  }
}
