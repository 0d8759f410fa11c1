// Writes end to end (SECURITY.md "Writes", issue: mutations, exactly once, object-level write
// rules): job-seeker registrations, guidance sessions, compulsory communications and vacancies
// through the gateway, checked against what the upstreams then hold, with the upstream
// requests each refusal did not cause. On a private copy of the dataset.
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { DevTokenClaims } from '../lib/auth/dev-tokens.js';
import { fiscalCode } from '../lib/fiscal-code.js';
import { DEFAULT_TRUSTED_DOCUMENTS_PATH } from '../gateway/trusted-documents.js';
import { projectPath } from '../lib/project-files.js';
import { readFileSync } from 'node:fs';
import { clearFaults, setFaults } from '../upstreams/faults.js';
import {
  copyDataset,
  graphql,
  resetUpstreamStats,
  startStack,
  upstreamGet,
  upstreamRequests,
  totalRequests,
  type GraphQLResponse,
  type Stack,
} from './stack.js';

type Json = Record<string, unknown>;

const OPERATOR: DevTokenClaims = { role: 'operator', subject: 'op-nord', desk: 'PO-NORD' };
const OTHER_OPERATOR: DevTokenClaims = { role: 'operator', subject: 'op-sud', desk: 'PO-SUD' };
const ANALYST: DevTokenClaims = { role: 'analyst', subject: 'an-1' };
const CNA: DevTokenClaims = { role: 'partner', subject: 'cna-integration', organization: 'CNA' };

const manifest = JSON.parse(
  readFileSync(projectPath(DEFAULT_TRUSTED_DOCUMENTS_PATH), 'utf8'),
) as Record<string, { operations: { id: string; name: string }[] }>;
const cnaOperation = (name: string): string => {
  const op = manifest.CNA?.operations.find((o) => o.name === name);
  if (!op) throw new Error(`CNA has no ${name}`);
  return op.id;
};

let stack: Stack;
let dataDir: string;

beforeAll(async () => {
  dataDir = copyDataset(inject('dataDir'));
  // A short upstream budget, so that the "answer lost after the write" case below is quick.
  stack = await startStack({ dataDir, upstreamTimeoutMs: 2000 });
});

afterAll(async () => {
  await stack?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const day = (offset: number): string => {
  const d = new Date();
  d.setUTCDate(d.getUTCDate() + offset);
  return d.toISOString().slice(0, 10);
};

const total = totalRequests;
const posts = (requests: Record<string, number>): number =>
  Object.entries(requests)
    .filter(([route]) => / POST /.test(route))
    .reduce((a, [, n]) => a + n, 0);

type Sent = GraphQLResponse<Json> & { upstream: Record<string, number> };

async function send(
  query: string,
  variables: Json,
  claims: DevTokenClaims | null,
  purpose?: string,
): Promise<Sent> {
  await resetUpstreamStats(stack);
  const headers: Record<string, string> = {};
  if (claims) headers.authorization = `Bearer ${await stack.token(claims)}`;
  if (purpose) headers['x-purpose'] = purpose;
  const res = await graphql<Json>(stack.gatewayUrl, query, variables, headers);
  return { ...res, upstream: await upstreamRequests(stack) };
}

async function sendPersisted(id: string, variables: Json, claims: DevTokenClaims): Promise<Sent> {
  await resetUpstreamStats(stack);
  const res = await fetch(stack.gatewayUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${await stack.token(claims)}`,
    },
    body: JSON.stringify({
      variables,
      extensions: { persistedQuery: { version: 1, sha256Hash: id } },
    }),
  });
  const answer = (await res.json()) as Omit<GraphQLResponse<Json>, 'status'>;
  return { status: res.status, ...answer, upstream: await upstreamRequests(stack) };
}

const codeOf = (res: Sent): unknown => res.errors?.[0]?.extensions?.code;
const fieldOf = (res: Sent): unknown => res.errors?.[0]?.extensions?.field;

// ---------------------------------------------------------------- job seekers (idol)

const REGISTER = `mutation Register($input: RegisterJobSeekerInput!, $key: IdempotencyKey!) {
  registerJobSeeker(input: $input, idempotencyKey: $key) {
    replayed
    worker { id fiscalCode familyName profile { status registeredAt { id } availabilityDeclaration { signedOn } } }
  }
}`;

let people = 0;
/** A person nobody has registered yet, with a fiscal code that agrees with them. */
function newPerson(): Json {
  people++;
  const familyName = `Nuovi${'abcdefghij'[people % 10]}${'klmnopqrst'[Math.floor(people / 10) % 10]}`;
  const birthDate = `1985-0${1 + (people % 9)}-1${people % 10}`;
  const code = fiscalCode({
    surname: familyName,
    name: 'Giulia',
    sex: 'F',
    birthDate,
    birthPlace: 'Z210',
  });
  return {
    fiscalCode: code,
    familyName,
    givenName: 'Giulia',
    sex: 'FEMALE',
    birthDate,
    birthPlaceCode: 'Z210',
    citizenshipCode: '000',
    residence: { street: 'Via Roma 1', comuneCode: '100005', postalCode: '59100' },
  };
}

const registration = (person: Json, desk = 'PO-NORD'): Json => ({
  desk,
  availabilityDeclaredOn: day(0),
  status: 'UNEMPLOYED',
  person,
});

describe('registerJobSeeker', () => {
  it('registers at the operator desk: one IDOL write, then readable everywhere', async () => {
    const person = newPerson();
    const res = await send(
      REGISTER,
      { input: registration(person), key: randomUUID() },
      OPERATOR,
      'REGISTRATION',
    );
    expect(res.errors).toBeUndefined();
    const payload = res.data!.registerJobSeeker as {
      replayed: boolean;
      worker: { id: string; fiscalCode: string; profile: { registeredAt: { id: string } } };
    };
    expect(payload.replayed).toBe(false);
    expect(payload.worker.fiscalCode).toBe(person.fiscalCode);
    expect(payload.worker.profile.registeredAt.id).toBe('PO-NORD');
    expect(res.upstream['idol POST /v1/lavoratori']).toBe(1);
    const stored = await upstreamGet<{ lavoratori: { id: string }[] }>(
      stack,
      'idol',
      `/v1/lavoratori?cf=${String(person.fiscalCode)}`,
    );
    expect(stored.lavoratori.map((w) => w.id)).toEqual([payload.worker.id]);
    const read = await send(
      `query ($id: ID!) { worker(id: $id) { familyName profile { availabilityDeclaration { signedOn desk { id } } } } }`,
      { id: payload.worker.id },
      OPERATOR,
      'REGISTRATION',
    );
    expect(read.data?.worker).toEqual({
      familyName: String(person.familyName).toUpperCase(),
      profile: { availabilityDeclaration: { signedOn: day(0), desk: { id: 'PO-NORD' } } },
    });
  });

  it('files once whatever the retries: the same key again and ten at once answer the first record', async () => {
    const person = newPerson();
    const key = randomUUID();
    const vars = { input: registration(person), key };
    const first = await send(REGISTER, vars, OPERATOR, 'REGISTRATION');
    const again = await send(REGISTER, vars, OPERATOR, 'REGISTRATION');
    const firstWorker = (first.data!.registerJobSeeker as { worker: { id: string } }).worker.id;
    expect(again.data!.registerJobSeeker).toMatchObject({
      replayed: true,
      worker: { id: firstWorker },
    });

    const other = newPerson();
    const burstKey = randomUUID();
    const token = await stack.token(OPERATOR);
    const burst = await Promise.all(
      Array.from({ length: 10 }, () =>
        graphql<Json>(
          stack.gatewayUrl,
          REGISTER,
          { input: registration(other), key: burstKey },
          {
            authorization: `Bearer ${token}`,
            'x-purpose': 'REGISTRATION',
          },
        ),
      ),
    );
    const ids = new Set(
      burst.map((r) => (r.data?.registerJobSeeker as { worker: { id: string } }).worker.id),
    );
    expect(ids.size).toBe(1);
    expect(
      burst.filter((r) => (r.data?.registerJobSeeker as { replayed: boolean }).replayed),
    ).toHaveLength(9);
    const stored = await upstreamGet<{ schede: unknown[] }>(
      stack,
      'idol',
      `/v1/schede?lavoratori=${[...ids][0]}`,
    );
    expect(stored.schede).toHaveLength(1);
  });

  it('refuses the same key for a different registration, and a second open DID as a conflict', async () => {
    const person = newPerson();
    const key = randomUUID();
    await send(REGISTER, { input: registration(person), key }, OPERATOR, 'REGISTRATION');
    const reused = await send(
      REGISTER,
      { input: registration(newPerson()), key },
      OPERATOR,
      'REGISTRATION',
    );
    expect(codeOf(reused)).toBe('IDEMPOTENCY_KEY_REUSED');
    const twice = await send(
      REGISTER,
      { input: registration(person), key: randomUUID() },
      OPERATOR,
      'REGISTRATION',
    );
    expect(codeOf(twice)).toBe('CONFLICT');
    expect(JSON.stringify(twice.errors)).not.toContain(String(person.fiscalCode));
  });

  it('refuses another desk (FORBIDDEN) and bad input (BAD_USER_INPUT naming the field) with no IDOL write', async () => {
    const elsewhere = await send(
      REGISTER,
      { input: registration(newPerson(), 'MM'), key: randomUUID() },
      OPERATOR,
      'REGISTRATION',
    );
    expect(codeOf(elsewhere)).toBe('FORBIDDEN');
    expect(posts(elsewhere.upstream)).toBe(0);

    const person: Json = { ...newPerson(), givenName: 'Marta' };
    const wrong = await send(
      REGISTER,
      { input: registration(person), key: randomUUID() },
      OPERATOR,
      'REGISTRATION',
    );
    expect(codeOf(wrong)).toBe('BAD_USER_INPUT');
    expect(fieldOf(wrong)).toBe('input.person.fiscalCode');
    expect(total(wrong.upstream)).toBe(0);
    expect(JSON.stringify(wrong.errors)).not.toContain(String(person.fiscalCode));

    const future = await send(
      REGISTER,
      {
        input: { ...registration(newPerson()), availabilityDeclaredOn: day(2) },
        key: randomUUID(),
      },
      OPERATOR,
      'REGISTRATION',
    );
    expect(fieldOf(future)).toBe('input.availabilityDeclaredOn');
    expect(total(future.upstream)).toBe(0);

    const badKey = await send(
      REGISTER,
      { input: registration(newPerson()), key: 'short' },
      OPERATOR,
      'REGISTRATION',
    );
    expect(codeOf(badKey)).toBe('BAD_USER_INPUT');
    expect(total(badKey.upstream)).toBe(0);
  });

  it('never repeats a malformed input, fiscal code included, and names where it is wrong', async () => {
    const person = newPerson();
    const incomplete: Json = { ...person };
    delete incomplete.givenName;
    const res = await send(
      REGISTER,
      { input: registration(incomplete), key: randomUUID() },
      OPERATOR,
      'REGISTRATION',
    );
    expect(codeOf(res)).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0]?.message).toBe(
      'Variable "$input" got an invalid value at "input.person"; Field "givenName" of required type "String!" was not provided.',
    );
    expect(fieldOf(res)).toBe('input.person');
    const malformed = await send(
      REGISTER,
      {
        input: registration({
          ...person,
          fiscalCode: `${String(person.fiscalCode).slice(0, 15)}0`,
        }),
        key: randomUUID(),
      },
      OPERATOR,
      'REGISTRATION',
    );
    expect(codeOf(malformed)).toBe('BAD_USER_INPUT');
    expect(fieldOf(malformed)).toBe('input.person.fiscalCode');
    for (const r of [res, malformed]) {
      expect(JSON.stringify(r.errors)).not.toContain(String(person.fiscalCode).slice(0, 11));
      expect(total(r.upstream)).toBe(0);
    }
  });

  it('refuses roles without the write scope before any subgraph is asked', async () => {
    for (const claims of [ANALYST, CNA, null]) {
      const res = await send(
        REGISTER,
        { input: registration(newPerson()), key: randomUUID() },
        claims,
        'REGISTRATION',
      );
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(['FORBIDDEN', 'UNAUTHENTICATED', 'OPERATION_NOT_REGISTERED']).toContain(codeOf(res));
      expect(total(res.upstream)).toBe(0);
    }
  });
});

const GUIDANCE = `mutation Guidance($input: RecordGuidanceSessionInput!, $key: IdempotencyKey!) {
  recordGuidanceSession(input: $input, idempotencyKey: $key) {
    replayed
    session { id date kind outcome desk { id } }
  }
}`;

describe('recordGuidanceSession', () => {
  it('records once for ten concurrent sends of one key, only after the DID, only at the own desk', async () => {
    const person = newPerson();
    const registered = await send(
      REGISTER,
      { input: registration(person), key: randomUUID() },
      OPERATOR,
      'REGISTRATION',
    );
    const workerId = (registered.data!.registerJobSeeker as { worker: { id: string } }).worker.id;
    const input = {
      workerId,
      desk: 'PO-NORD',
      date: day(0),
      kind: 'BASIC_GUIDANCE',
      outcome: 'SERVICE_PACT_SIGNED',
    };
    const key = randomUUID();
    const token = await stack.token(OPERATOR);
    const burst = await Promise.all(
      Array.from({ length: 10 }, () =>
        graphql<Json>(
          stack.gatewayUrl,
          GUIDANCE,
          { input, key },
          { authorization: `Bearer ${token}` },
        ),
      ),
    );
    expect(burst.every((r) => r.errors === undefined)).toBe(true);
    const sessions = await upstreamGet<{ colloqui: { id: string }[] }>(
      stack,
      'idol',
      `/v1/colloqui?lavoratori=${workerId}`,
    );
    expect(sessions.colloqui).toHaveLength(1);
    expect(
      new Set(
        burst.map((r) => (r.data!.recordGuidanceSession as { session: { id: string } }).session.id),
      ),
    ).toEqual(new Set([sessions.colloqui[0]!.id]));

    const before = await send(
      GUIDANCE,
      { input: { ...input, date: day(-1) }, key: randomUUID() },
      OPERATOR,
    );
    expect(fieldOf(before)).toBe('input.date');
    expect(posts(before.upstream)).toBe(0);
    const elsewhere = await send(
      GUIDANCE,
      { input: { ...input, desk: 'PO-SUD' }, key: randomUUID() },
      OPERATOR,
    );
    expect(codeOf(elsewhere)).toBe('FORBIDDEN');
    expect(total(elsewhere.upstream)).toBe(0);
  });
});

// ---------------------------------------------------------------- communications and vacancies (co)

interface CoEmployer {
  id: string;
  delegati: string[];
}

async function employers(): Promise<{ delegating: CoEmployer; other: CoEmployer }> {
  const { aziende } = await upstreamGet<{ aziende: CoEmployer[] }>(
    stack,
    'co',
    '/v1/aziende/ricerca?dimensione=200',
  );
  const delegating = aziende.find((e) => e.delegati.includes('CNA'));
  const other = aziende.find((e) => !e.delegati.includes('CNA'));
  if (!delegating || !other) throw new Error('dataset without the employers this test needs');
  return { delegating, other };
}

const FILE = `mutation File($input: FileCommunicationInput!, $key: IdempotencyKey!) {
  fileCommunication(input: $input, idempotencyKey: $key) {
    replayed
    communication { id code sentOn type nature startDate endDate handledAt { id } contractType { code } employer { id } }
  }
}`;

function hiring(employerId: string): Json {
  const person = newPerson();
  const worker = { ...person };
  delete worker.residence;
  return {
    employerId,
    form: 'UNILAV',
    type: 'HIRING',
    nature: 'ORDINARY',
    workplaceCode: '100005',
    worker,
    startDate: day(7),
    endDate: day(190),
    contractTypeCode: 'A.02.00',
    workingTimeCode: 'P',
    weeklyHours: 24,
    occupationCode: '6.5.3.1.0.11',
  };
}

describe('fileCommunication', () => {
  it('files a hiring for the operator desk, with its official code, readable at once', async () => {
    const { other } = await employers();
    const res = await send(FILE, { input: hiring(other.id), key: randomUUID() }, OPERATOR);
    expect(res.errors).toBeUndefined();
    const filed = (res.data!.fileCommunication as { communication: Json }).communication;
    expect(filed).toMatchObject({
      type: 'HIRING',
      nature: 'ORDINARY',
      sentOn: day(0),
      startDate: day(7),
      handledAt: { id: 'PO-NORD' },
      contractType: { code: 'A.02.00' },
      employer: { id: other.id },
    });
    expect(String(filed.code)).toMatch(/^\d{16}$/);
    expect(res.upstream['co POST /v1/comunicazioni']).toBe(1);
    const stored = await upstreamGet<{ comunicazioni: { codice: string }[] }>(
      stack,
      'co',
      `/v1/comunicazioni?id=${String(filed.id)}`,
    );
    expect(stored.comunicazioni.map((c) => c.codice)).toEqual([filed.code]);
  });

  it('refuses each broken rule naming the field, with no co request at all', async () => {
    const { other } = await employers();
    const cases: [Json, string][] = [
      [{ endDate: null }, 'input.endDate'],
      [{ endDate: day(6) }, 'input.endDate'],
      [{ weeklyHours: null }, 'input.weeklyHours'],
      [{ startDate: day(0) }, 'input.startDate'],
      [{ contractTypeCode: 'A.06.01' }, 'input.contractTypeCode'],
      [{ type: 'TERMINATION' }, 'input.cessationCauseCode'],
    ];
    for (const [change, field] of cases) {
      const res = await send(
        FILE,
        { input: { ...hiring(other.id), ...change }, key: randomUUID() },
        OPERATOR,
      );
      expect(codeOf(res), field).toBe('BAD_USER_INPUT');
      expect(fieldOf(res)).toBe(field);
      expect(total(res.upstream)).toBe(0);
    }
  });

  it('lets a partner file only for employers that delegated it, through its registered operation', async () => {
    const { delegating, other } = await employers();
    const id = cnaOperation('FileCommunication');
    const allowed = await sendPersisted(
      id,
      { input: hiring(delegating.id), idempotencyKey: randomUUID() },
      CNA,
    );
    expect(allowed.errors).toBeUndefined();
    expect(allowed.data!.fileCommunication).toMatchObject({
      communication: { employer: { id: delegating.id } },
    });
    expect(allowed.upstream['co POST /v1/comunicazioni']).toBe(1);

    const refused = await sendPersisted(
      id,
      { input: hiring(other.id), idempotencyKey: randomUUID() },
      CNA,
    );
    expect(codeOf(refused)).toBe('FORBIDDEN');
    expect(posts(refused.upstream)).toBe(0);

    const unknown = await sendPersisted(
      id,
      { input: hiring('A999999'), idempotencyKey: randomUUID() },
      CNA,
    );
    expect(unknown.errors?.[0]?.message).toBe(refused.errors?.[0]?.message);

    const forDesk = await sendPersisted(
      id,
      { input: { ...hiring(delegating.id), desk: 'PO-NORD' }, idempotencyKey: randomUUID() },
      CNA,
    );
    expect(codeOf(forDesk)).toBe('FORBIDDEN');
    expect(posts(forDesk.upstream)).toBe(0);

    const freeText = await send(FILE, { input: hiring(delegating.id), key: randomUUID() }, CNA);
    expect(codeOf(freeText)).toBe('OPERATION_NOT_REGISTERED');
    expect(total(freeText.upstream)).toBe(0);
  });

  it('files once when co stores the write but its answer comes too late, and again when the client resends', async () => {
    const { other } = await employers();
    const input = hiring(other.id);
    const vars = { input, key: randomUUID() };
    // co commits the communication, then sits on the answer past the subgraph's budget.
    await setFaults(stack.upstreamUrls.co, [
      { tipo: 'latenza', ms: 2600, fase: 'dopo', percorso: 'POST /v1/comunicazioni', volte: 1 },
    ]);
    try {
      const first = await send(FILE, vars, OPERATOR);
      // Either the subgraph's own retry under the key got the stored answer, or the client was
      // told the upstream timed out; never a second record.
      if (first.errors) expect(codeOf(first)).toBe('UPSTREAM_TIMEOUT');
      else expect(first.data!.fileCommunication).toMatchObject({ replayed: true });
      const again = await send(FILE, vars, OPERATOR);
      expect(again.errors).toBeUndefined();
      expect(again.data!.fileCommunication).toMatchObject({ replayed: true });
    } finally {
      await clearFaults(stack.upstreamUrls.co);
    }
    const worker = input.worker as { fiscalCode: string };
    const stored = await upstreamGet<{ comunicazioni: unknown[] }>(
      stack,
      'co',
      `/v1/comunicazioni?lavoratoreCf=${worker.fiscalCode}`,
    );
    expect(stored.comunicazioni).toHaveLength(1);
  });

  it('refuses an operator filing for another desk', async () => {
    const { other } = await employers();
    const res = await send(
      FILE,
      { input: { ...hiring(other.id), desk: 'PO-SUD' }, key: randomUUID() },
      OPERATOR,
    );
    expect(codeOf(res)).toBe('FORBIDDEN');
    expect(total(res.upstream)).toBe(0);
  });
});

const PUBLISH = `mutation Publish($input: PublishVacancyInput!, $key: IdempotencyKey!) {
  publishVacancy(input: $input, idempotencyKey: $key) {
    replayed
    vacancy { id status postedOn closesOn positions description employer { id } }
  }
}`;

describe('publishVacancy', () => {
  it('lets a partner publish only for employers that delegated it, through its registered operation', async () => {
    const { delegating, other } = await employers();
    const input = (employerId: string) => ({
      employerId,
      occupationCode: '6.5.3.1.0.11',
      contractTypeCode: 'A.02.00',
      comuneCode: '100005',
      positions: 1,
      closesOn: day(30),
      description: 'Rammendatrice, tempo pieno',
    });
    const id = cnaOperation('PublishVacancy');
    const allowed = await sendPersisted(
      id,
      { input: input(delegating.id), idempotencyKey: randomUUID() },
      CNA,
    );
    expect(allowed.errors).toBeUndefined();
    expect(allowed.data!.publishVacancy).toMatchObject({
      vacancy: { employer: { id: delegating.id } },
    });
    expect(allowed.upstream['co POST /v1/offerte']).toBe(1);
    const refused = await sendPersisted(
      id,
      { input: input(other.id), idempotencyKey: randomUUID() },
      CNA,
    );
    expect(codeOf(refused)).toBe('FORBIDDEN');
    expect(posts(refused.upstream)).toBe(0);
  });

  it('publishes an open vacancy; one client key is per caller, never shared', async () => {
    const { other } = await employers();
    const input = {
      employerId: other.id,
      occupationCode: '6.5.3.1.0.11',
      contractTypeCode: 'A.02.00',
      comuneCode: '100005',
      positions: 2,
      closesOn: day(60),
      description: 'Cernitore di lana, esperienza minima un anno',
    };
    const key = randomUUID();
    const mine = await send(PUBLISH, { input, key }, OPERATOR);
    const theirs = await send(PUBLISH, { input, key }, OTHER_OPERATOR);
    const idOf = (res: Sent) =>
      (res.data!.publishVacancy as { vacancy: { id: string } }).vacancy.id;
    expect(mine.data!.publishVacancy).toMatchObject({
      replayed: false,
      vacancy: { status: 'OPEN', postedOn: day(0), closesOn: day(60), employer: { id: other.id } },
    });
    expect(theirs.data!.publishVacancy).toMatchObject({ replayed: false });
    expect(idOf(theirs)).not.toBe(idOf(mine));
    const read = await send(
      `query ($id: ID!) { vacancy(id: $id) { id status description } }`,
      { id: idOf(mine) },
      null,
    );
    expect(read.data?.vacancy).toEqual({
      id: idOf(mine),
      status: 'OPEN',
      description: input.description,
    });
  });
});
