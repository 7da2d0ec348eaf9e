/**
 * `npm run schema:pull -- --token <access token> [--version 2025-04-16] [--base-url https://api.getjobber.com]`
 * Introspects a live Jobber API with an account's access token and rewrites schema/jobber.graphql with the
 * version it was pulled at in its header. The token is only sent to Jobber; it is never printed.
 * Environment fallbacks: JOBBER_ACCESS_TOKEN, JOBBER_API_VERSION, JOBBER_BASE_URL.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildClientSchema, getIntrospectionQuery, printSchema, type IntrospectionQuery } from 'graphql';
import { buildJobberSchemaHeader } from '../src/gateway/jobberSchemaHeader';

async function pull(): Promise<void> {
  const { values } = parseArgs({
    options: { token: { type: 'string' }, version: { type: 'string' }, 'base-url': { type: 'string' }, out: { type: 'string' } },
  });
  const token = values.token ?? process.env.JOBBER_ACCESS_TOKEN;
  const version = values.version ?? process.env.JOBBER_API_VERSION ?? '2025-04-16';
  const baseUrl = (values['base-url'] ?? process.env.JOBBER_BASE_URL ?? 'https://api.getjobber.com').replace(/\/+$/, '');
  if (!token) throw new Error('Give an access token: --token <token> or JOBBER_ACCESS_TOKEN');
  if (!/^\d{4}-\d{2}-\d{2}$/.test(version)) throw new Error('--version must be YYYY-MM-DD');
  const response = await fetch(`${baseUrl}/api/graphql`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-jobber-graphql-version': version },
    body: JSON.stringify({ query: getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true }) }),
    signal: AbortSignal.timeout(60_000),
  });
  const body = (await response.json()) as { data?: IntrospectionQuery; errors?: unknown[]; extensions?: { versioning?: { version?: string } } };
  if (!response.ok || !body.data) throw new Error(`Introspection failed: HTTP ${response.status} ${JSON.stringify(body.errors ?? '')}`);
  const actual = body.extensions?.versioning?.version ?? version;
  const sdl = printSchema(buildClientSchema(body.data));
  const out = resolve(values.out ?? resolve(__dirname, '../schema/jobber.graphql'));
  writeFileSync(out, buildJobberSchemaHeader(actual, `introspection of ${baseUrl} on ${new Date().toISOString().slice(0, 10)}`) + sdl + '\n');
  console.log(`wrote ${out} (API version ${actual}); run npm run codegen and npm test next`);
}

pull().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
