/**
 * The SQLite layout of each simulated system. Every record is kept as the JSON
 * document the API answers (`doc`), beside the indexed columns the endpoints filter,
 * sort and group on, so that a write path can append rows the same way. The files
 * are the source of truth: the servers keep no copy of the data.
 */
import type { SystemName } from '../types.js';

export const TABLES: Readonly<Record<SystemName, string>> = {
  registry: `
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE sportelli (codice TEXT PRIMARY KEY, ordine INTEGER NOT NULL, tipo TEXT NOT NULL, doc TEXT NOT NULL);
    CREATE TABLE enti (codice TEXT PRIMARY KEY, ordine INTEGER NOT NULL, doc TEXT NOT NULL);
    CREATE TABLE comuni (istat TEXT PRIMARY KEY, doc TEXT NOT NULL);
    CREATE TABLE attivita (
      sportello TEXT NOT NULL, mese TEXT NOT NULL, servizio TEXT NOT NULL, numero INTEGER NOT NULL,
      PRIMARY KEY (sportello, mese, servizio)
    ) WITHOUT ROWID;
  `,
  idol: `
    CREATE TABLE lavoratori (id TEXT PRIMARY KEY, cf TEXT NOT NULL UNIQUE, doc TEXT NOT NULL);
    CREATE TABLE schede (
      lavoratore TEXT PRIMARY KEY, sportello TEXT NOT NULL, stato TEXT NOT NULL, comune TEXT NOT NULL,
      did_data TEXT NOT NULL, sesso TEXT NOT NULL, fascia_eta TEXT NOT NULL, doc TEXT NOT NULL
    );
    CREATE TABLE liste (
      lavoratore TEXT NOT NULL, lista TEXT NOT NULL, dal TEXT NOT NULL, al TEXT,
      PRIMARY KEY (lavoratore, lista, dal)
    ) WITHOUT ROWID;
    CREATE TABLE colloqui (
      id TEXT PRIMARY KEY, lavoratore TEXT NOT NULL, sportello TEXT NOT NULL, data TEXT NOT NULL,
      doc TEXT NOT NULL
    );
    CREATE TABLE candidature (
      offerta TEXT NOT NULL, lavoratore TEXT NOT NULL, doc TEXT NOT NULL,
      PRIMARY KEY (offerta, lavoratore)
    );
    CREATE TABLE ammortizzatori (
      n INTEGER PRIMARY KEY, lavoratore TEXT NOT NULL, azienda TEXT NOT NULL, tipo TEXT NOT NULL,
      dal TEXT NOT NULL, al TEXT NOT NULL, doc TEXT NOT NULL
    );
  `,
  co: `
    CREATE TABLE aziende (
      id TEXT PRIMARY KEY, cf TEXT NOT NULL UNIQUE, ateco TEXT NOT NULL, comune TEXT NOT NULL,
      doc TEXT NOT NULL
    );
    CREATE TABLE deleghe (
      ente TEXT NOT NULL, azienda TEXT NOT NULL, PRIMARY KEY (ente, azienda)
    ) WITHOUT ROWID;
    CREATE TABLE comunicazioni (
      id TEXT PRIMARY KEY, codice TEXT NOT NULL UNIQUE, azienda TEXT NOT NULL,
      lavoratore_cf TEXT NOT NULL, data_inizio TEXT NOT NULL, data_invio TEXT NOT NULL,
      tipo TEXT NOT NULL, contratto TEXT NOT NULL, sede_lavoro TEXT NOT NULL, ateco2 TEXT NOT NULL,
      sesso TEXT NOT NULL, cittadinanza TEXT NOT NULL, sportello TEXT, doc TEXT NOT NULL
    );
    CREATE TABLE offerte (
      id TEXT PRIMARY KEY, azienda TEXT NOT NULL, stato TEXT NOT NULL, comune TEXT NOT NULL,
      qualifica TEXT NOT NULL, data_pubblicazione TEXT NOT NULL, doc TEXT NOT NULL
    );
  `,
  trio: `
    CREATE TABLE aree (codice TEXT PRIMARY KEY, ordine INTEGER NOT NULL, doc TEXT NOT NULL);
    CREATE TABLE corsi (
      id TEXT PRIMARY KEY, area TEXT NOT NULL, certificabile INTEGER NOT NULL, parole TEXT NOT NULL,
      doc TEXT NOT NULL
    );
    CREATE TABLE iscrizioni (
      id TEXT PRIMARY KEY, cf TEXT NOT NULL, corso TEXT NOT NULL, area TEXT NOT NULL,
      data TEXT NOT NULL, stato TEXT NOT NULL, sportello TEXT, doc TEXT NOT NULL
    );
    CREATE TABLE attestati (
      id TEXT PRIMARY KEY, cf TEXT NOT NULL, corso TEXT NOT NULL, data TEXT NOT NULL, doc TEXT NOT NULL
    );
    CREATE TABLE postazioni (
      id TEXT PRIMARY KEY, sportello TEXT NOT NULL, ordine INTEGER NOT NULL, etichetta TEXT NOT NULL
    );
    CREATE TABLE prenotazioni (
      id TEXT PRIMARY KEY, postazione TEXT NOT NULL, inizio TEXT NOT NULL, fine TEXT NOT NULL,
      cf TEXT NOT NULL, doc TEXT NOT NULL
    );
  `,
};

/** Built after the bulk load (faster than maintaining them row by row). */
export const INDEXES: Readonly<Record<SystemName, string>> = {
  registry: `
    CREATE INDEX attivita_mese ON attivita (mese);
  `,
  idol: `
    CREATE INDEX schede_did ON schede (did_data, sportello, comune, stato, sesso, fascia_eta);
    CREATE INDEX schede_stato ON schede (stato);
    CREATE INDEX schede_comune ON schede (comune);
    CREATE INDEX schede_sportello ON schede (sportello);
    CREATE INDEX liste_lista ON liste (lista, lavoratore);
    CREATE INDEX colloqui_lavoratore ON colloqui (lavoratore);
    CREATE INDEX ammortizzatori_azienda ON ammortizzatori (azienda);
    CREATE INDEX ammortizzatori_lavoratore ON ammortizzatori (lavoratore);
  `,
  co: `
    CREATE INDEX aziende_ateco ON aziende (ateco);
    CREATE INDEX aziende_comune ON aziende (comune);
    CREATE INDEX comunicazioni_azienda ON comunicazioni (azienda, data_inizio, id);
    CREATE INDEX comunicazioni_cf ON comunicazioni (lavoratore_cf, data_inizio, id);
    CREATE INDEX comunicazioni_flussi ON comunicazioni (
      data_inizio, tipo, contratto, sede_lavoro, ateco2, sesso, cittadinanza, lavoratore_cf
    );
    CREATE INDEX offerte_azienda ON offerte (azienda);
    CREATE INDEX offerte_stato ON offerte (stato);
  `,
  trio: `
    CREATE INDEX corsi_area ON corsi (area);
    CREATE INDEX iscrizioni_cf ON iscrizioni (cf);
    CREATE INDEX iscrizioni_data ON iscrizioni (data, area, sportello, stato, cf);
    CREATE INDEX attestati_cf ON attestati (cf);
    CREATE INDEX postazioni_sportello ON postazioni (sportello, ordine);
    CREATE UNIQUE INDEX prenotazioni_slot ON prenotazioni (postazione, inizio);
  `,
};
