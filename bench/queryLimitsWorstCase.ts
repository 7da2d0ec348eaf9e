/**
 * The slowest documents found that pass the default query limits (src/limits/queryLimits.ts), and what
 * parsing and validating each costs: the scan, the parse, the limits walk and graphql-js' standard rules
 * against the stitched schema, as the fast path and Apollo run them. Also documents just past a limit,
 * to show a refusal costs less than an admitted document. Prints a table; no assertion (timing is
 * measured here, never in tests).
 *   npx tsx bench/queryLimitsWorstCase.ts        (NODE_ENV=production, as the gateway runs)
 */
import { validate } from 'graphql';
import { buildGatewaySchema, buildLocalSchema, loadJobberSchema, loadLocalTypeDefs } from '../src/gateway/buildGatewaySchema';
import { createJobberExecutor } from '../src/gateway/jobberExecutor';
import { parseWithinLimits } from '../src/limits/parseWithinLimits';
import { DEFAULT_QUERY_LIMITS, MAX_VALIDATION_ERRORS } from '../src/limits/queryLimits';

const jobber = loadJobberSchema();
const schema = buildGatewaySchema({ jobber: jobber.schema, local: buildLocalSchema(loadLocalTypeDefs()), executor: createJobberExecutor() });
const limits = DEFAULT_QUERY_LIMITS;

const times = (n: number, make: (i: number) => string, separator = ' ') => Array.from({ length: n }, (_, i) => make(i)).join(separator);
const INVOICE = 'id invoiceNumber subject message createdAt updatedAt dueDate issuedDate receivedDate invoiceStatus jobberWebUri';
const JOB = 'id title jobNumber createdAt updatedAt startAt endAt instructions jobStatus jobberWebUri jobType total';
const CLIENT = 'id name firstName lastName companyName title createdAt updatedAt isCompany isLead isArchived jobberWebUri balance';
const ADDRESS = 'street street1 street2 city province postalCode country';

const withDirectives = (fields: string) => fields.split(' ').map((field) => `${field} ${times(10, () => '@include(if: $t)')}`).join(' ');

/** A subtree of about 70 distinct selections under Client. */
const clientSubtree = `${CLIENT} billingAddress { ${ADDRESS} } jobs(first: 5) { nodes { ${JOB} invoices { nodes { ${INVOICE} } } } }`;

const cases: [string, string][] = [
  ['20 copies of a 70-selection subtree at one place', `{ clients { nodes { ${times(20, () => `... on Client { ${clientSubtree} }`)} } } }`],
  ['20 copies of the subtree as 20 distinct fragments', `{ clients { nodes { ${times(20, (i) => `...C${i}`)} } } }\n${times(20, (i) => `fragment C${i} on Client { ${clientSubtree} }`, '\n')}`],
  ['20 repeated fields, each repeated 1 deeper (multiplicity 20 at every place)', `{ clients { nodes { ${times(20, () => `jobs { nodes { client { jobs { nodes { client { jobs { nodes { ${JOB} } } } } } } } }`)} } } }`],
  ['1500 distinct selections, no repeats', `{ ${times(25, (i) => `c${i}: clients(first: ${i + 1}) { nodes { ${CLIENT} billingAddress { ${ADDRESS} } jobs { nodes { ${JOB} } } } }`)} }`],
  ['depth 20, 20 repeats at each place', `{ clients { nodes { ${times(20, () => `${'jobs { nodes { client { '.repeat(5)}jobs { nodes { id } }${' } } }'.repeat(5)}`)} } } }`],
  ['10 directives on each of 40 fields', `query($t: Boolean!) { clients { nodes { ${withDirectives(CLIENT)} jobs { nodes { ${withDirectives(JOB)} invoices { nodes { ${withDirectives(INVOICE)} } } } } } } }`],
  ['unknown fields everywhere (suggestions)', `{ clients { nodes { ${times(1000, (i) => `nope${i}`)} } } }`],
  ['1200 variables', `query(${times(1200, (i) => `$v${i}: Int`)}) { account { id } }`],
  ['300 operations', times(300, (i) => `query Q${i} { account { id name } }`, '\n')],
  ['550 chained fragments', `{ account { ...F549 } }\n${times(550, (i) => (i === 0 ? 'fragment F0 on Account { id }' : `fragment F${i} on Account { ...F${i - 1} }`), '\n')}`],
  ['past maxFieldRepeats: 5000-token same-name fields', `{ clients { nodes { ${times(1200, () => 'jobs { totalCount }')} } } }`],
  ['past maxTokens: 1 MB of fields', `{ account { ${times(200_000, () => 'id')} } }`],
  ['past maxDepth: 5000 nested braces', `{ ${'a { '.repeat(2500)}b${' }'.repeat(2500)} }`],
];

function measure(query: string): { outcome: string; ms: number } {
  const started = process.hrtime.bigint();
  const parsed = parseWithinLimits(query, limits);
  let outcome: string;
  if (parsed.kind === 'parsed') {
    const errors = validate(schema, parsed.document, undefined, { maxErrors: MAX_VALIDATION_ERRORS });
    outcome = errors.length === 0 ? 'valid' : `${errors.length} validation errors`;
  } else {
    outcome = parsed.kind === 'too_complex' ? `refused: ${String(parsed.error.extensions.limit)}` : 'syntax error';
  }
  return { outcome, ms: Number(process.hrtime.bigint() - started) / 1e6 };
}

// Warm the JIT on an ordinary query first: the gateway has served many before any hostile one.
for (let i = 0; i < 200; i++) measure(`{ clients { nodes { ${CLIENT} } } }`);
const rows = cases.map(([name, query]) => {
  const runs = Array.from({ length: 7 }, () => measure(query));
  const sorted = runs.map((run) => run.ms).sort((a, b) => a - b);
  return { name, outcome: runs[0]?.outcome ?? '', first: runs[0]?.ms ?? 0, median: sorted[3] ?? 0, max: sorted[6] ?? 0 };
});
process.stdout.write(`query limits ${JSON.stringify(limits)}, NODE_ENV=${process.env.NODE_ENV ?? ''}\n`);
for (const row of rows) {
  process.stdout.write(`${row.name.padEnd(74)} ${row.outcome.padEnd(26)} first ${row.first.toFixed(1).padStart(6)} ms  median ${row.median.toFixed(1).padStart(6)} ms  max ${row.max.toFixed(1).padStart(6)} ms\n`);
}
