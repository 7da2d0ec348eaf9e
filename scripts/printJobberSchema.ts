/**
 * Prints `schema/jobber.graphql` from Jobber's introspection snapshot in `../shared/jobber/`
 * (or a path given as the first argument). Run once; the SDL is committed.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildClientSchema, printSchema, type IntrospectionQuery } from 'graphql';
import { buildJobberSchemaHeader } from '../src/gateway/jobberSchemaHeader';

const source = process.argv[2] ?? resolve(__dirname, '../../shared/jobber/jobber-2022-03-10.introspection.json');
const version = /(\d{4}-\d{2}-\d{2})/.exec(source)?.[1] ?? 'unknown';
const json = JSON.parse(readFileSync(source, 'utf8')) as { data: IntrospectionQuery };
const sdl = printSchema(buildClientSchema(json.data));
const out = resolve(__dirname, '../schema/jobber.graphql');
writeFileSync(out, buildJobberSchemaHeader(version, 'Jobber public app template introspection snapshot') + sdl + '\n');
console.log(`wrote ${out} (API version ${version})`);
