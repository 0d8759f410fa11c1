import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../../lib/csv.js';
import { readProjectFile } from '../../lib/project-files.js';
import { fiscalCodeMatches, isValidPartitaIva } from './fiscal-code.js';
import { ensureDataset, GENERATOR_VERSION } from './index.js';
import { contractValidAt, loadReference } from './reference.js';

const SCALE = 0.01;
let root: string;
let dir: string;

function open(d: string, system: string): Database.Database {
  return new Database(join(d, `${system}.sqlite`), { readonly: true, fileMustExist: true });
}

function all<T>(db: Database.Database, sql: string): T[] {
  return db.prepare(sql).all() as T[];
}

function column(db: Database.Database, sql: string): string[] {
  return db.prepare(sql).pluck().all() as string[];
}

function counted(rows: { k: string; n: number }[]): Map<string, number> {
  return new Map(rows.map((r) => [r.k, r.n]));
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'upstreams-dataset-'));
  dir = join(root, 'a');
  await ensureDataset({ dir, seed: 2010, scale: SCALE });
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('ensureDataset', () => {
  it('reuses a dataset whose manifest matches', async () => {
    const first = await ensureDataset({ dir, seed: 2010, scale: SCALE });
    const again = await ensureDataset({ dir, seed: 2010, scale: SCALE });
    expect(again).toEqual(first);
    expect(first.generatorVersion).toBe(GENERATOR_VERSION);
  });

  it('regenerates in place when the seed changes, and only then', async () => {
    const other = join(root, 'regen');
    const a = await ensureDataset({ dir: other, seed: 1, scale: SCALE });
    const b = await ensureDataset({ dir: other, seed: 2, scale: SCALE });
    expect(b.seed).toBe(2);
    expect(b.createdAt >= a.createdAt).toBe(true);
    const c = await ensureDataset({ dir: other, seed: 2, scale: SCALE });
    expect(c.createdAt).toBe(b.createdAt);
  });

  it('rejects a bad seed or scale', async () => {
    await expect(ensureDataset({ dir: join(root, 'bad'), seed: -1 })).rejects.toThrow(/seed/);
    await expect(ensureDataset({ dir: join(root, 'bad'), scale: 0 })).rejects.toThrow(/scale/);
  });
});

describe('determinism', () => {
  const samples = (d: string): string[] => {
    const co = open(d, 'co');
    const idol = open(d, 'idol');
    const trio = open(d, 'trio');
    const registry = open(d, 'registry');
    try {
      return [
        ...column(co, 'SELECT doc FROM comunicazioni ORDER BY id LIMIT 20'),
        ...column(co, 'SELECT doc FROM comunicazioni ORDER BY id DESC LIMIT 20'),
        ...column(co, 'SELECT doc FROM aziende ORDER BY id LIMIT 10'),
        ...column(co, "SELECT ente || ' ' || azienda FROM deleghe ORDER BY azienda, ente"),
        ...column(co, 'SELECT doc FROM offerte ORDER BY id LIMIT 10'),
        ...column(idol, 'SELECT doc FROM lavoratori ORDER BY id LIMIT 20'),
        ...column(idol, 'SELECT doc FROM schede ORDER BY lavoratore LIMIT 20'),
        ...column(idol, 'SELECT doc FROM candidature ORDER BY offerta, lavoratore LIMIT 20'),
        ...column(trio, 'SELECT doc FROM corsi ORDER BY id LIMIT 10'),
        ...column(trio, 'SELECT doc FROM iscrizioni ORDER BY id LIMIT 10'),
        ...column(
          registry,
          'SELECT sportello || mese || servizio || numero FROM attivita ORDER BY 1',
        ),
      ];
    } finally {
      for (const db of [co, idol, trio, registry]) db.close();
    }
  };

  it('gives the same counts and records for the same seed and scale', async () => {
    const twin = join(root, 'twin');
    const m1 = await ensureDataset({ dir, seed: 2010, scale: SCALE });
    const m2 = await ensureDataset({ dir: twin, seed: 2010, scale: SCALE });
    expect(m2.counts).toEqual(m1.counts);
    expect(samples(twin)).toEqual(samples(dir));
  });

  it('gives different records for a different seed', async () => {
    const other = join(root, 'seed7');
    await ensureDataset({ dir: other, seed: 7, scale: SCALE });
    const a = samples(dir);
    const b = samples(other);
    expect(b).not.toEqual(a);
    expect(b.slice(0, 20)).not.toEqual(a.slice(0, 20));
  });
});

describe('the dataset at scale 0.01', () => {
  const ref = loadReference();
  let co: Database.Database;
  let idol: Database.Database;
  let trio: Database.Database;
  let registry: Database.Database;

  beforeAll(() => {
    co = open(dir, 'co');
    idol = open(dir, 'idol');
    trio = open(dir, 'trio');
    registry = open(dir, 'registry');
  });
  afterAll(() => {
    for (const db of [co, idol, trio, registry]) db.close();
  });

  it('matches the manifest counts', async () => {
    const m = await ensureDataset({ dir, seed: 2010, scale: SCALE });
    expect(column(co, 'SELECT count(*) FROM comunicazioni')[0]).toBe(m.counts.comunicazioni);
    expect(column(idol, 'SELECT count(*) FROM lavoratori')[0]).toBe(m.counts.lavoratori);
    expect(m.counts.corsi).toBe(120);
    expect(m.counts.sportelli).toBe(30);
    expect(m.counts.postazioni).toBe(30);
  });

  it('knows every worker of the communications in IDOL, with the same personal data', () => {
    const workers = new Map(
      all<{ cf: string; doc: string }>(idol, 'SELECT cf, doc FROM lavoratori').map((r) => [
        r.cf,
        JSON.parse(r.doc) as Record<string, unknown>,
      ]),
    );
    for (const doc of column(co, 'SELECT doc FROM comunicazioni')) {
      const c = JSON.parse(doc) as { lavoratore: Record<string, unknown> };
      const w = workers.get(c.lavoratore.codiceFiscale as string);
      expect(w, `worker ${String(c.lavoratore.codiceFiscale)}`).toBeDefined();
      const same = { ...w };
      delete same.id;
      delete same.residenza;
      expect(c.lavoratore).toEqual(same);
    }
  });

  it('gives every person a valid fiscal code consistent with name, sex, birth date and place', () => {
    const cfs = new Set<string>();
    const belfiore = new Set([
      ...ref.comuni.map((c) => c.belfiore),
      'D612',
      'G713',
      'H501',
      'F205',
      'F839',
      'G273',
      'A944',
      'A662',
      'L219',
    ]);
    for (const doc of column(idol, 'SELECT doc FROM lavoratori')) {
      const w = JSON.parse(doc) as Record<string, string>;
      const ok = fiscalCodeMatches(w.codiceFiscale!, {
        surname: w.cognome!,
        name: w.nome!,
        sex: w.sesso as 'M' | 'F',
        birthDate: w.dataNascita!,
        birthPlace: w.luogoNascita!,
      });
      expect(ok, `${w.codiceFiscale} for ${w.cognome} ${w.nome}`).toBe(true);
      expect(cfs.has(w.codiceFiscale!)).toBe(false);
      cfs.add(w.codiceFiscale!);
      const place = w.luogoNascita!;
      expect(place.startsWith('Z') ? ref.countries.has(place) : belfiore.has(place), place).toBe(
        true,
      );
      expect(ref.citizenships.has(w.cittadinanza!)).toBe(true);
    }
  });

  it('gives every employer a valid, unique partita IVA and a district ATECO code', () => {
    const atecos = new Set(ref.atecoDistrict.map((a) => a.code));
    const rows = all<{ cf: string; ateco: string }>(co, 'SELECT cf, ateco FROM aziende');
    expect(new Set(rows.map((r) => r.cf)).size).toBe(rows.length);
    for (const r of rows) {
      expect(isValidPartitaIva(r.cf), r.cf).toBe(true);
      expect(atecos.has(r.ateco)).toBe(true);
    }
  });

  it('gives most employers one delegated employer association of the registry, none more than two', () => {
    const associations = new Set(
      all<{ doc: string }>(registry, 'SELECT doc FROM enti')
        .map((r) => JSON.parse(r.doc) as { codice: string; tipo: string })
        .filter((e) => e.tipo === 'ASSOCIAZIONE_DATORIALE')
        .map((e) => e.codice),
    );
    const rows = all<{ id: string; doc: string }>(co, 'SELECT id, doc FROM aziende ORDER BY id');
    const table = new Map<string, string[]>();
    for (const r of all<{ ente: string; azienda: string }>(
      co,
      'SELECT ente, azienda FROM deleghe ORDER BY azienda, ente',
    )) {
      table.set(r.azienda, [...(table.get(r.azienda) ?? []), r.ente]);
    }
    const perCount = [0, 0, 0];
    for (const r of rows) {
      const delegati = (JSON.parse(r.doc) as { delegati: string[] }).delegati;
      expect(delegati.length).toBeLessThanOrEqual(2);
      expect(delegati).toEqual([...delegati].sort());
      for (const code of delegati) expect(associations.has(code), code).toBe(true);
      expect(delegati).toEqual(table.get(r.id) ?? []);
      perCount[delegati.length]! += 1;
    }
    const [none, one, two] = perCount as [number, number, number];
    expect(one / rows.length).toBeGreaterThan(0.5);
    expect(none).toBeGreaterThan(0);
    expect(two).toBeGreaterThan(0);
  });

  it('uses the contract code valid on the event date in every communication and vacancy', () => {
    for (const r of all<{ contratto: string; data_inizio: string; id: string }>(
      co,
      'SELECT id, contratto, data_inizio FROM comunicazioni',
    )) {
      expect(
        contractValidAt(ref, r.contratto, r.data_inizio),
        `${r.id} ${r.contratto} ${r.data_inizio}`,
      ).toBe(true);
    }
    for (const doc of column(co, 'SELECT doc FROM offerte')) {
      const v = JSON.parse(doc) as { tipologiaContrattuale: string; dataPubblicazione: string };
      expect(contractValidAt(ref, v.tipologiaContrattuale, v.dataPubblicazione)).toBe(true);
    }
  });

  it('follows the filing rules of DOMAIN.md §2', () => {
    const codes = new Set(column(co, 'SELECT codice FROM comunicazioni'));
    for (const doc of column(co, 'SELECT doc FROM comunicazioni')) {
      const c = JSON.parse(doc) as Record<string, string | number | null>;
      expect(c.codice).toMatch(/^09\d{14}$/);
      if (c.dataFine !== null) expect(String(c.dataFine) >= String(c.dataInizio)).toBe(true);
      if (c.tipo === 'ASS' && String(c.tipologiaContrattuale).startsWith('A.02'))
        expect(c.dataFine).not.toBeNull();
      if (c.tipo === 'ASS' && (c.natura === 'ORDINARIA' || c.natura === 'URGENTE')) {
        expect(String(c.dataInvio) < String(c.dataInizio)).toBe(true);
      }
      if (['P', 'V', 'M'].includes(String(c.tipoOrario)))
        expect(c.oreSettimanali).toEqual(expect.any(Number));
      else expect(c.oreSettimanali).toBeNull();
      if (c.trasformazione === 'TP') expect(['P', 'V', 'M']).toContain(c.tipoOrario);
      if (c.trasformazione === 'PP') expect(c.tipoOrario).toBe('F');
      expect(c.tipo === 'TRS').toBe(c.trasformazione !== null);
      expect(c.tipo === 'CES').toBe(c.causaCessazione !== null);
      if (c.natura === 'RETTIFICA' || c.natura === 'ANNULLAMENTO')
        expect(codes.has(String(c.precedente))).toBe(true);
      else expect(c.precedente).toBeNull();
      expect(String(c.dataInvio) <= '2014-12-31').toBe(true);
    }
  });

  it('hires people of working age, apprentices young', () => {
    const rows = all<{ dataInizio: string; dataNascita: string; contratto: string }>(
      co,
      "SELECT data_inizio AS dataInizio, json_extract(doc, '$.lavoratore.dataNascita') AS dataNascita, contratto FROM comunicazioni WHERE tipo = 'ASS'",
    );
    for (const r of rows) {
      const age = Number(r.dataInizio.slice(0, 4)) - Number(r.dataNascita.slice(0, 4));
      expect(age).toBeGreaterThanOrEqual(16);
      expect(age).toBeLessThanOrEqual(68);
      if (r.contratto.startsWith('A.03')) expect(age).toBeLessThanOrEqual(30);
    }
  });

  it('keeps the communication mix near 40/40/12/8 and the hiring calendar seasonal', () => {
    const byType = counted(
      all(co, 'SELECT tipo AS k, count(*) AS n FROM comunicazioni GROUP BY tipo'),
    );
    const total = [...byType.values()].reduce((a, b) => a + b, 0);
    expect((byType.get('ASS') ?? 0) / total).toBeCloseTo(0.4, 1);
    expect((byType.get('CES') ?? 0) / total).toBeCloseTo(0.4, 1);
    expect((byType.get('PRO') ?? 0) / total).toBeCloseTo(0.12, 1);
    expect((byType.get('TRS') ?? 0) / total).toBeCloseTo(0.08, 1);
    const months = counted(
      all(
        co,
        "SELECT substr(data_inizio, 6, 2) AS k, count(*) AS n FROM comunicazioni WHERE tipo = 'ASS' GROUP BY k",
      ),
    );
    expect(months.get('08') ?? 0).toBeLessThan((months.get('09') ?? 0) / 2);
    expect(months.get('01') ?? 0).toBeGreaterThan(months.get('06') ?? 0);
    const ends = counted(
      all(
        co,
        "SELECT substr(data_inizio, 6, 5) AS k, count(*) AS n FROM comunicazioni WHERE tipo = 'CES' GROUP BY k ORDER BY n DESC LIMIT 2",
      ),
    );
    expect([...ends.keys()].sort()).toEqual(['06-30', '12-31']);
    const foreign = column(
      co,
      "SELECT avg(cittadinanza <> '000') FROM comunicazioni WHERE tipo = 'ASS'",
    )[0] as unknown as number;
    expect(foreign).toBeGreaterThan(0.3);
    expect(foreign).toBeLessThan(0.5);
    const top = all<{ k: string }>(
      co,
      "SELECT cittadinanza AS k FROM comunicazioni WHERE tipo = 'ASS' AND cittadinanza <> '000' GROUP BY k ORDER BY count(*) DESC LIMIT 1",
    );
    expect(top[0]?.k).toBe('314');
  });

  it('registers job seekers at real, open desks of the registry', () => {
    const desks = new Map(
      column(registry, 'SELECT doc FROM sportelli').map((d) => {
        const s = JSON.parse(d) as {
          codice: string;
          apertura: string;
          chiusura: string | null;
          servizi: string[];
        };
        return [s.codice, s] as const;
      }),
    );
    for (const r of all<{ sportello: string; did_data: string }>(
      idol,
      'SELECT sportello, did_data FROM schede',
    )) {
      const desk = desks.get(r.sportello);
      expect(desk, r.sportello).toBeDefined();
      expect(desk?.servizi).toContain('ISCRIZIONE');
      expect(r.did_data >= (desk?.apertura ?? '')).toBe(true);
      if (desk?.chiusura) expect(r.did_data <= desk.chiusura).toBe(true);
    }
    for (const s of column(idol, 'SELECT DISTINCT sportello FROM colloqui'))
      expect(desks.has(s)).toBe(true);
    for (const s of column(
      co,
      'SELECT DISTINCT sportello FROM comunicazioni WHERE sportello IS NOT NULL',
    )) {
      expect(desks.get(s)?.servizi).toContain('ASSISTENZA_CO');
    }
  });

  it('has no activity at PO-OVEST after it closed on 2012-01-31', () => {
    expect(
      column(
        idol,
        "SELECT count(*) FROM schede WHERE sportello = 'PO-OVEST' AND did_data > '2012-01-31'",
      )[0],
    ).toBe(0);
    expect(
      column(
        idol,
        "SELECT count(*) FROM colloqui WHERE sportello = 'PO-OVEST' AND data > '2012-01-31'",
      )[0],
    ).toBe(0);
    expect(
      column(
        co,
        "SELECT count(*) FROM comunicazioni WHERE sportello = 'PO-OVEST' AND data_invio > '2012-01-31'",
      )[0],
    ).toBe(0);
    expect(
      column(
        trio,
        "SELECT count(*) FROM iscrizioni WHERE sportello = 'PO-OVEST' AND data > '2012-01-31'",
      )[0],
    ).toBe(0);
    expect(
      column(
        registry,
        "SELECT count(*) FROM attivita WHERE sportello = 'PO-OVEST' AND mese > '2012-01'",
      )[0],
    ).toBe(0);
  });

  it('counts desk activity exactly as IDOL and CO record it', () => {
    const activity = (service: string): Map<string, number> =>
      counted(
        all(
          registry,
          `SELECT sportello || ' ' || mese AS k, numero AS n FROM attivita WHERE servizio = '${service}'`,
        ),
      );
    expect(activity('ISCRIZIONE')).toEqual(
      counted(
        all(
          idol,
          "SELECT sportello || ' ' || substr(did_data, 1, 7) AS k, count(*) AS n FROM schede GROUP BY k",
        ),
      ),
    );
    expect(activity('ORIENTAMENTO')).toEqual(
      counted(
        all(
          idol,
          "SELECT sportello || ' ' || substr(data, 1, 7) AS k, count(*) AS n FROM colloqui GROUP BY k",
        ),
      ),
    );
    expect(activity('ASSISTENZA_CO')).toEqual(
      counted(
        all(
          co,
          "SELECT sportello || ' ' || substr(data_invio, 1, 7) AS k, count(*) AS n FROM comunicazioni WHERE sportello IS NOT NULL GROUP BY k",
        ),
      ),
    );
  });

  it('links candidatures, income support and TRIO records to real people, vacancies and employers', () => {
    const workers = new Set(column(idol, 'SELECT id FROM lavoratori'));
    const seekers = new Set(column(idol, 'SELECT lavoratore FROM schede'));
    const cfs = new Set(column(idol, 'SELECT cf FROM lavoratori'));
    const vacancies = new Set(column(co, 'SELECT id FROM offerte'));
    const employers = new Set(column(co, 'SELECT id FROM aziende'));
    const candidatures = all<{ offerta: string; lavoratore: string }>(
      idol,
      'SELECT offerta, lavoratore FROM candidature',
    );
    expect(candidatures.length).toBeGreaterThan(0);
    for (const c of candidatures) {
      expect(vacancies.has(c.offerta)).toBe(true);
      expect(seekers.has(c.lavoratore)).toBe(true);
    }
    const episodes = all<{ lavoratore: string; azienda: string; tipo: string }>(
      idol,
      'SELECT lavoratore, azienda, tipo FROM ammortizzatori',
    );
    expect(new Set(episodes.map((e) => e.tipo))).toEqual(
      new Set(['CIGD', 'CIGO', 'CIGS', 'COSD', 'MOB', 'DIS']),
    );
    for (const e of episodes) {
      expect(employers.has(e.azienda)).toBe(true);
      expect(seekers.has(e.lavoratore)).toBe(true);
    }
    // the episodes in the schede are the same as by employer
    const inSchede = column(idol, 'SELECT doc FROM schede').flatMap((d) => {
      const s = JSON.parse(d) as {
        lavoratore: string;
        ammortizzatori: { tipo: string; azienda: string; dal: string; al: string }[];
      };
      return s.ammortizzatori.map((a) =>
        JSON.stringify({
          lavoratore: s.lavoratore,
          azienda: a.azienda,
          tipo: a.tipo,
          dal: a.dal,
          al: a.al,
        }),
      );
    });
    expect(inSchede.sort()).toEqual(column(idol, 'SELECT doc FROM ammortizzatori').sort());
    for (const id of seekers) expect(workers.has(id)).toBe(true);
    for (const table of ['iscrizioni', 'attestati', 'prenotazioni']) {
      for (const cf of column(trio, `SELECT DISTINCT cf FROM ${table}`))
        expect(cfs.has(cf), `${table} ${cf}`).toBe(true);
    }
    const certifiable = new Set(column(trio, 'SELECT id FROM corsi WHERE certificabile = 1'));
    const completed = new Set(
      column(trio, "SELECT cf || corso FROM iscrizioni WHERE stato = 'COMPLETATO'"),
    );
    for (const r of all<{ cf: string; corso: string }>(trio, 'SELECT cf, corso FROM attestati')) {
      expect(certifiable.has(r.corso)).toBe(true);
      expect(completed.has(r.cf + r.corso)).toBe(true);
    }
  });

  it('puts the 30 public workstations where the registry says they are', () => {
    const declared = new Map(
      column(registry, 'SELECT doc FROM sportelli')
        .map((d) => JSON.parse(d) as { codice: string; postazioniPubbliche: number })
        .filter((s) => s.postazioniPubbliche > 0)
        .map((s) => [s.codice, s.postazioniPubbliche]),
    );
    expect(
      counted(all(trio, 'SELECT sportello AS k, count(*) AS n FROM postazioni GROUP BY sportello')),
    ).toEqual(declared);
    expect([...declared.values()].reduce((a, b) => a + b, 0)).toBe(30);
  });

  it('describes 12 desks, 18 first-reception points and their hosts', () => {
    const desks = column(registry, 'SELECT doc FROM sportelli').map(
      (d) => JSON.parse(d) as { tipo: string; ente: string | null; comune: string },
    );
    const comuni = new Set(ref.comuni.map((c) => c.istat));
    expect(desks.filter((d) => d.tipo !== 'PRIMA_ACCOGLIENZA')).toHaveLength(12);
    const points = desks.filter((d) => d.tipo === 'PRIMA_ACCOGLIENZA');
    expect(points).toHaveLength(18);
    const hosts = new Map(
      column(registry, 'SELECT doc FROM enti').map((d) => {
        const e = JSON.parse(d) as { codice: string; tipo: string };
        return [e.codice, e.tipo];
      }),
    );
    const unionSide = points.filter((p) => hosts.get(p.ente ?? '') !== 'ASSOCIAZIONE_DATORIALE');
    expect(unionSide).toHaveLength(8);
    for (const d of desks) expect(comuni.has(d.comune)).toBe(true);
  });

  it('holds the employment centre and the labour-registry desks exactly as reference/prato_desks_2010.csv lists them, row by row', () => {
    // Read straight from the shipped file, not through loadReference (which the generator
    // itself uses), so that a slip in either is seen.
    const csv = parseCsv(readProjectFile('reference', 'prato_desks_2010.csv'));
    expect(csv.length).toBeGreaterThan(0);
    const expected = csv.map((r) => {
      const [street, ...rest] = (r.address ?? '').split(',');
      const note = /\(closed (\w{3}) (\d{4})\)/.exec(rest.join(','));
      return {
        codice: r.desk_id,
        tipo: r.kind,
        comune: r.comune_istat,
        circoscrizione: r.circoscrizione || null,
        // "Via VII Marzo 15, Prato": the registry keeps the street; the comune is a code
        indirizzo: street?.trim(),
        // "(closed Jan 2012)": the registry's closing date falls in that month
        chiusura: note
          ? `${note[2]}-${String(MONTHS.indexOf(note[1] ?? '') + 1).padStart(2, '0')}`
          : null,
      };
    });
    const actual = all<{ tipo: string; doc: string }>(
      registry,
      "SELECT tipo, doc FROM sportelli WHERE tipo <> 'PRIMA_ACCOGLIENZA' ORDER BY ordine",
    ).map((row) => {
      const d = JSON.parse(row.doc) as {
        codice: string;
        tipo: string;
        comune: string;
        circoscrizione: string | null;
        indirizzo: string;
        chiusura: string | null;
      };
      // The indexed column and the served document agree.
      expect(row.tipo).toBe(d.tipo);
      return {
        codice: d.codice,
        tipo: d.tipo,
        comune: d.comune,
        circoscrizione: d.circoscrizione,
        indirizzo: d.indirizzo,
        chiusura: d.chiusura?.slice(0, 7) ?? null,
      };
    });
    expect(actual).toEqual(expected);
  });
});

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
