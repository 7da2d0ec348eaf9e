/**
 * Deterministic per-account business data: the same account id always yields the same clients,
 * properties, jobs, quotes, invoices and requests (seeded PRNG), so tests can page and compare.
 * Records are plain objects whose keys match Jobber's field names; relations are held by id and
 * resolved by the sandbox schema's resolvers. Fields not held here are mocked from their type.
 */
export interface AccountData {
  account: Rec;
  user: Rec;
  clients: Rec[];
  properties: Rec[];
  jobs: Rec[];
  quotes: Rec[];
  invoices: Rec[];
  requests: Rec[];
  /** Every record by EncodedId, for the single-item queries. */
  byId: Map<string, Rec>;
  /** Next number per type, for records created by mutations. */
  sequence: { Client: number; Property: number; Job: number };
}

/** A record: Jobber field name to value; `__typename` names its type. */
export type Rec = Record<string, unknown> & { id: string; __typename: string };

/** How many of each this sandbox invents per account (120 clients makes paging real). */
export const SEED_COUNTS = { clients: 120, jobs: 80, quotes: 60, invoices: 50, requests: 40 } as const;

const FIRST_NAMES = ['Ava', 'Ben', 'Chloe', 'Dev', 'Emma', 'Finn', 'Grace', 'Hugo', 'Isla', 'Jack', 'Kai', 'Lena'];
const LAST_NAMES = ['Nguyen', 'Smith', 'Tremblay', 'Roy', 'Martin', 'Brown', 'Lee', 'Wilson', 'Gagnon', 'Singh'];
const STREETS = ['Maple Ave', 'Oak St', 'Pine Rd', 'Cedar Ln', 'Birch Way', 'Elm Dr'];
const CITIES: [string, string, string][] = [
  ['Calgary', 'AB', 'T2P 1J9'],
  ['Edmonton', 'AB', 'T5J 0N3'],
  ['Vancouver', 'BC', 'V6B 1A1'],
  ['Toronto', 'ON', 'M5V 2T6'],
];
const SERVICES = ['Lawn care', 'Window cleaning', 'Gutter repair', 'Snow removal', 'Pressure washing', 'Hedge trim'];

/** Jobber's EncodedId: base64 of a global id. */
export function encodeId(type: string, n: number | string): string {
  return Buffer.from(`gid://Jobber/${type}/${n}`, 'utf8').toString('base64');
}

export function buildAccountData(accountId: string, accountName: string): AccountData {
  const random = seededRandom(accountId);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const base = Date.UTC(2023, 0, 1);
  const day = 86_400_000;
  const at = (i: number) => new Date(base + i * day).toISOString();
  const byId = new Map<string, Rec>();
  const add = (rec: Rec) => (byId.set(rec.id, rec), rec);

  const account = add({ __typename: 'Account', id: accountId, name: accountName, createdAt: at(0) });
  const ownerFirst = pick(FIRST_NAMES);
  const ownerLast = pick(LAST_NAMES);
  const user = add({
    __typename: 'User',
    id: encodeId('User', `${accountId}:1`),
    name: { first: ownerFirst, last: ownerLast, full: `${ownerFirst} ${ownerLast}` },
    fullName: `${ownerFirst} ${ownerLast}`,
    email: { raw: `${ownerFirst}.${ownerLast}@example.com`.toLowerCase(), isValid: true },
    isAccountOwner: true,
    isAccountAdmin: true,
    isOwner: true,
    isAdmin: true,
    isCurrentUser: true,
  });

  const clients: Rec[] = [];
  const properties: Rec[] = [];
  for (let i = 1; i <= SEED_COUNTS.clients; i++) {
    const client = newClient(accountId, i, { firstName: pick(FIRST_NAMES), lastName: pick(LAST_NAMES) }, at(i));
    client.balance = Math.round(random() * 50000) / 100;
    clients.push(add(client));
    const [city, province, postalCode] = pick(CITIES);
    const property = newProperty(accountId, i, client.id, {
      street1: `${100 + Math.floor(random() * 900)} ${pick(STREETS)}`,
      city,
      province,
      postalCode,
      country: 'Canada',
    });
    properties.push(add(property));
    client.propertyIds = [property.id];
  }

  const related = (i: number, salt: number) => {
    const client = clients[(i * 7 + salt) % clients.length] as Rec;
    return { clientId: client.id, propertyId: (client.propertyIds as string[])[0] };
  };
  const jobs: Rec[] = [];
  for (let i = 1; i <= SEED_COUNTS.jobs; i++) {
    const total = Math.round(random() * 200000) / 100;
    jobs.push(add(newJob(accountId, i, { ...related(i, 1), title: pick(SERVICES), total, jobStatus: pick(['active', 'upcoming', 'late', 'requires_invoicing', 'archived']) }, at(30 + i))));
  }
  const quotes: Rec[] = Array.from({ length: SEED_COUNTS.quotes }, (_, k) => {
    const i = k + 1;
    const total = Math.round(random() * 300000) / 100;
    return add({
      __typename: 'Quote',
      id: encodeId('Quote', `${accountId}:${i}`),
      quoteNumber: String(i),
      title: pick(SERVICES),
      quoteStatus: pick(['draft', 'awaiting_response', 'approved', 'converted', 'archived']),
      amounts: { total, subtotal: total, taxAmount: 0, discountAmount: 0, depositAmount: 0, nonTaxAmount: total, outstandingDepositAmount: 0 },
      cost: total,
      createdAt: at(20 + i),
      updatedAt: at(21 + i),
      ...related(i, 2),
    });
  });
  const invoices: Rec[] = Array.from({ length: SEED_COUNTS.invoices }, (_, k) => {
    const i = k + 1;
    const total = Math.round(random() * 250000) / 100;
    return add({
      __typename: 'Invoice',
      id: encodeId('Invoice', `${accountId}:${i}`),
      invoiceNumber: String(i),
      subject: `For services rendered: ${pick(SERVICES)}`,
      invoiceStatus: pick(['draft', 'awaiting_payment', 'paid', 'past_due']),
      total,
      subtotal: total,
      amounts: { total, subtotal: total, invoiceBalance: total, paymentsTotal: 0, taxAmount: 0, discountAmount: 0, depositAmount: 0, nonTaxAmount: total, tipsTotal: 0 },
      createdAt: at(40 + i),
      updatedAt: at(41 + i),
      ...related(i, 3),
    });
  });
  const requests: Rec[] = Array.from({ length: SEED_COUNTS.requests }, (_, k) => {
    const i = k + 1;
    return add({
      __typename: 'Request',
      id: encodeId('Request', `${accountId}:${i}`),
      title: pick(SERVICES),
      requestStatus: pick(['new', 'converted', 'completed', 'upcoming']),
      source: 'client_hub',
      createdAt: at(10 + i),
      updatedAt: at(11 + i),
      ...related(i, 4),
    });
  });

  const sequence = { Client: clients.length, Property: properties.length, Job: jobs.length };
  return { account, user, clients, properties, jobs, quotes, invoices, requests, byId, sequence };
}

export function newClient(
  accountId: string,
  n: number,
  input: { firstName?: string | null; lastName?: string | null; companyName?: string | null; isCompany?: boolean | null; title?: string | null },
  createdAt: string,
): Rec {
  const firstName = input.firstName ?? '';
  const lastName = input.lastName ?? '';
  const companyName = input.companyName ?? null;
  const isCompany = input.isCompany ?? false;
  const id = encodeId('Client', `${accountId}:${n}`);
  return {
    __typename: 'Client',
    id,
    firstName,
    lastName,
    companyName,
    isCompany,
    title: input.title ?? null,
    name: isCompany && companyName ? companyName : `${firstName} ${lastName}`.trim(),
    isLead: false,
    isArchived: false,
    balance: 0,
    emails: [{ __typename: 'Email', id: encodeId('Email', `${accountId}:${n}`), address: `${firstName || 'client'}.${n}@example.com`.toLowerCase(), primary: true, description: 'MAIN' }],
    createdAt,
    updatedAt: createdAt,
    jobberWebUri: `https://secure.getjobber.com/clients/${n}`,
    propertyIds: [],
  };
}

export function newProperty(
  accountId: string,
  n: number,
  clientId: string,
  address: { street1?: string | null; street2?: string | null; city?: string | null; province?: string | null; postalCode?: string | null; country?: string | null },
): Rec {
  const a = {
    street1: address.street1 ?? '',
    street2: address.street2 ?? '',
    city: address.city ?? '',
    province: address.province ?? '',
    postalCode: address.postalCode ?? '',
    country: address.country ?? '',
  };
  const id = encodeId('Property', `${accountId}:${n}`);
  return {
    __typename: 'Property',
    id,
    clientId,
    ...a,
    street: [a.street1, a.street2].filter(Boolean).join(' '),
    address: { __typename: 'PropertyAddress', id, ...a, street: [a.street1, a.street2].filter(Boolean).join(' ') },
  };
}

export function newJob(
  accountId: string,
  n: number,
  fields: { clientId: string; propertyId: string | undefined; title?: string | null; total?: number; jobStatus?: string; instructions?: string | null },
  createdAt: string,
): Rec {
  return {
    __typename: 'Job',
    id: encodeId('Job', `${accountId}:${n}`),
    jobNumber: n,
    title: fields.title ?? null,
    instructions: fields.instructions ?? null,
    total: fields.total ?? 0,
    jobStatus: fields.jobStatus ?? 'unscheduled',
    jobType: 'ONE_OFF',
    clientId: fields.clientId,
    propertyId: fields.propertyId,
    createdAt,
    updatedAt: createdAt,
  };
}

/** mulberry32 seeded with a string hash: fast, good enough, and the same on every run. */
function seededRandom(seed: string): () => number {
  let h = 2166136261;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 16777619);
  let a = h >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
