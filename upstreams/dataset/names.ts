/**
 * Modest hard-coded name lists for the simulated population (common names of each
 * community living in Prato, written as Italian registries write them: upper case,
 * Latin letters). Every person in the dataset is invented.
 */

export interface NameList {
  surnames: readonly string[];
  male: readonly string[];
  female: readonly string[];
}

export interface Nationality {
  key: string;
  /** cittadinanze.csv code; 000 = Italy */
  citizenship: string;
  /** Z-code of the country in nazioni_belfiore.csv (birth place of the foreign-born). */
  belfiore: string;
  names: NameList;
}

const IT: NameList = {
  surnames: [
    'ROSSI', 'BIANCHI', 'RUSSO', 'FERRARI', 'ESPOSITO', 'ROMANO', 'COLOMBO', 'RICCI', 'MARINO',
    'GRECO', 'BRUNO', 'GALLO', 'CONTI', 'DE LUCA', 'MANCINI', 'COSTA', 'GIORDANO', 'RIZZO',
    'LOMBARDI', 'MORETTI', 'BARBIERI', 'FONTANA', 'SANTORO', 'MARIANI', 'RINALDI', 'CARUSO',
    'FERRARA', 'GALLI', 'MARTINI', 'LEONE', 'LONGO', 'GENTILE', 'MARTINELLI', 'VITALE', 'SERRA',
    'COPPOLA', 'DE SANTIS', "D'ANGELO", 'MARCHETTI', 'PARISI', 'VILLA', 'CONTE', 'FERRARO',
    'FABBRI', 'BIANCO', 'MARINI', 'GRASSO', 'VALENTINI', 'MESSINA', 'GATTI', 'PELLEGRINI',
    'PALUMBO', 'FARINA', 'MONTI', 'MORELLI', 'AMATO', 'SILVESTRI', 'MAZZA', 'TESTA', 'CARBONE',
    'GIULIANI', 'BENEDETTI', 'BARONE', 'CAPUTO', 'GUERRA', 'PALMIERI', 'BERNARDI', 'FIORE',
    'BARDAZZI', 'BIAGIOLI', 'BORCHI', 'CIARDI', 'GORI', 'LANDINI', 'MAZZONI', 'NESTI', 'PAOLI',
    'SANTI', 'TADDEI', 'VANNUCCHI', 'ZIPOLI', 'BECHERUCCI', 'GIOVANNELLI', 'MATTEINI', 'BALDI',
    'PACINI', 'BUSSOTTI', 'CECCHI', 'BENELLI', 'CAPPELLI', 'GUARDUCCI', 'RICCERI', 'SANESI',
  ],
  male: [
    'MARCO', 'ANDREA', 'LUCA', 'FRANCESCO', 'ALESSANDRO', 'MATTEO', 'LORENZO', 'DAVIDE', 'SIMONE',
    'FEDERICO', 'RICCARDO', 'STEFANO', 'PAOLO', 'GIOVANNI', 'ROBERTO', 'MASSIMO', 'FABIO',
    'GIUSEPPE', 'ANTONIO', 'MARIO', 'MAURIZIO', 'CLAUDIO', 'ALBERTO', 'DANIELE', 'GIACOMO',
    "NICCOLO'", 'TOMMASO', 'LEONARDO', 'EMANUELE', 'FILIPPO', 'SERGIO', 'GIANNI', 'PIERO',
    'ENRICO', 'VALERIO', 'CRISTIAN', 'MIRKO', 'SAMUELE', 'JACOPO', 'DARIO',
  ],
  female: [
    'GIULIA', 'FRANCESCA', 'CHIARA', 'SARA', 'MARTINA', 'ELENA', 'ALESSIA', 'VALENTINA', 'FEDERICA',
    'SILVIA', 'LAURA', 'ELISA', 'MARIA', 'ANNA', 'PAOLA', 'MONICA', 'CRISTINA', 'BARBARA',
    'SIMONA', 'ROBERTA', 'DANIELA', 'PATRIZIA', 'MANUELA', 'ILARIA', 'SERENA', 'ELEONORA',
    'CATERINA', 'BEATRICE', 'LUCIA', 'GIOVANNA', 'ROSSELLA', 'TIZIANA', 'CLAUDIA', 'STEFANIA',
    'ALICE', 'MARTA', 'ARIANNA', 'CAMILLA', 'VERONICA', 'NICOLETTA',
  ],
};

const CN: NameList = {
  surnames: [
    'HU', 'CHEN', 'ZHOU', 'WANG', 'LIN', 'ZHANG', 'LI', 'XU', 'WU', 'HUANG', 'JIN', 'YE', 'ZHENG',
    'PAN', 'DONG', 'JI', 'LIU', 'YANG', 'ZHU', 'WEI', 'SUN', 'YU', 'XIE', 'HE', 'LU', 'MIAO', 'QIU',
    'ZHAN',
  ],
  male: [
    'WEI', 'JIAN', 'MING', 'HAO', 'JUN', 'LEI', 'QIANG', 'YONG', 'JIANHUA', 'XIAODONG', 'ZHIWEI',
    'WENJUN', 'GUOQIANG', 'HAIBO', 'JIANGUO', 'CHENG', 'BIN', 'FENG', 'TAO', 'KAI', 'XIAOMING',
  ],
  female: [
    'LI', 'NA', 'JING', 'YAN', 'XIAOLING', 'MEI', 'HUI', 'YING', 'LIHUA', 'XIAOYAN', 'JUAN', 'LING',
    'XUE', 'YUN', 'FANG', 'HONG', 'QIN', 'LAN', 'XIU', 'PING', 'XIAOHONG',
  ],
};

const AL: NameList = {
  surnames: [
    'HOXHA', 'SHEHU', 'KOLA', 'DOKA', 'BALLA', 'LEKA', 'GJONI', 'MUCA', 'BEQIRI', 'KRASNIQI',
    'PRENGA', 'DEDA', 'CELA', 'HYSA', 'KOCI', 'BRAHIMI', 'MEHMETI', 'LLESHI',
  ],
  male: [
    'ARBEN', 'ERION', 'GENTI', 'ILIR', 'BESNIK', 'FATMIR', 'AGIM', 'ARDIT', 'KLODIAN', 'ENGJELL',
    'DRITAN', 'ALBAN', 'SOKOL', 'GEZIM',
  ],
  female: [
    'ANILA', 'ELONA', 'BLERTA', 'MIMOZA', 'ERJONA', 'ENKELEDA', 'VALBONA', 'ARTA', 'DORINA',
    'FLUTURA',
  ],
};

const RO: NameList = {
  surnames: [
    'POPESCU', 'IONESCU', 'POPA', 'RADU', 'STAN', 'DUMITRU', 'STOICA', 'GHEORGHE', 'MATEI',
    'CONSTANTIN', 'MUNTEANU', 'RUSU', 'LUPU', 'NEAGU', 'BALAN', 'TUDOR',
  ],
  male: [
    'ION', 'ANDREI', 'MIHAI', 'ALEXANDRU', 'GHEORGHE', 'VASILE', 'CONSTANTIN', 'FLORIN', 'ADRIAN',
    'COSMIN', 'BOGDAN', 'IONUT',
  ],
  female: [
    'MARIA', 'ELENA', 'IOANA', 'ANDREEA', 'MIHAELA', 'GABRIELA', 'ALINA', 'CRISTINA', 'DANIELA',
    'RAMONA',
  ],
};

const MA: NameList = {
  surnames: [
    'EL AMRANI', 'BENALI', 'EL IDRISSI', 'BOUAZZA', 'EL FASSI', 'BENNANI', 'TAHIRI', 'OUAZZANI',
    'CHAOUI', 'LAHLOU', 'ZIANI', 'HAMDI',
  ],
  male: [
    'MOHAMED', 'AHMED', 'YOUSSEF', 'HASSAN', 'KHALID', 'RACHID', 'SAID', 'ABDELLAH', 'MUSTAPHA',
    'KARIM', 'HAMZA', 'OMAR',
  ],
  female: [
    'FATIMA', 'KHADIJA', 'AICHA', 'NAIMA', 'SAMIRA', 'NADIA', 'HANANE', 'ZINEB', 'LATIFA', 'MERIEM',
  ],
};

const PK: NameList = {
  surnames: [
    'KHAN', 'AHMED', 'ALI', 'HUSSAIN', 'SHAH', 'IQBAL', 'RAZA', 'MAHMOOD', 'ASLAM', 'BUTT',
    'CHAUDHRY', 'MALIK',
  ],
  male: [
    'MUHAMMAD', 'IMRAN', 'ASIF', 'TARIQ', 'WASEEM', 'BILAL', 'KAMRAN', 'SHAHID', 'NADEEM', 'FAISAL',
  ],
  female: ['AYESHA', 'FATIMA', 'SADIA', 'SANA', 'NAZIA', 'RUBINA', 'SAIMA', 'ASMA'],
};

const NG: NameList = {
  surnames: [
    'OKAFOR', 'ADEYEMI', 'OKONKWO', 'EZE', 'NWOSU', 'OKORO', 'ADEBAYO', 'IBRAHIM', 'OGUNDIPE',
    'OSAGIE', 'IDAHOSA', 'OBI',
  ],
  male: [
    'CHINEDU', 'EMEKA', 'OLUWASEUN', 'IFEANYI', 'SUNDAY', 'GODWIN', 'FRIDAY', 'OSAS', 'UCHE', 'TUNDE',
  ],
  female: [
    'BLESSING', 'CHIOMA', 'NGOZI', 'FAVOUR', 'PRECIOUS', 'JOY', 'GIFT', 'FUNMILAYO', 'ESTHER',
  ],
};

const list = (surnames: string[], male: string[], female: string[]): NameList => ({
  surnames,
  male,
  female,
});

export const ITALY: Nationality = { key: 'IT', citizenship: '000', belfiore: '', names: IT };
export const CHINA: Nationality = { key: 'CN', citizenship: '314', belfiore: 'Z210', names: CN };

/** Other foreign communities with their weight among non-Chinese foreign workers. */
export const OTHER_FOREIGN: readonly (readonly [Nationality, number])[] = [
  [{ key: 'AL', citizenship: '201', belfiore: 'Z100', names: AL }, 28],
  [{ key: 'RO', citizenship: '235', belfiore: 'Z129', names: RO }, 22],
  [{ key: 'MA', citizenship: '436', belfiore: 'Z330', names: MA }, 14],
  [{ key: 'PK', citizenship: '344', belfiore: 'Z236', names: PK }, 10],
  [{ key: 'NG', citizenship: '443', belfiore: 'Z335', names: NG }, 7],
  [
    {
      key: 'SN', citizenship: '450', belfiore: 'Z343',
      names: list(['DIOP', 'NDIAYE', 'FALL', 'SARR', 'SECK', 'GUEYE'], ['MAMADOU', 'IBRAHIMA', 'MOUSTAPHA', 'CHEIKH', 'MODOU'], ['FATOU', 'AMINATA', 'AWA', 'MARIAMA', 'NDEYE']),
    },
    4,
  ],
  [
    {
      key: 'UA', citizenship: '243', belfiore: 'Z138',
      names: list(['SHEVCHENKO', 'KOVALENKO', 'BONDARENKO', 'TKACHENKO', 'KRAVCHENKO', 'MELNYK'], ['OLEKSANDR', 'ANDRIY', 'SERHIY', 'VOLODYMYR'], ['OLENA', 'NATALIYA', 'TETIANA', 'OKSANA', 'IRYNA', 'SVITLANA']),
    },
    3,
  ],
  [
    {
      key: 'BD', citizenship: '305', belfiore: 'Z249',
      names: list(['RAHMAN', 'HOSSAIN', 'ISLAM', 'UDDIN', 'MIAH', 'AKTER'], ['MOHAMMAD', 'ABDUL', 'RAFIQ', 'KAMAL', 'JAHANGIR'], ['NASRIN', 'SHIRIN', 'RUMA', 'PARVIN']),
    },
    3,
  ],
  [
    {
      key: 'PH', citizenship: '323', belfiore: 'Z216',
      names: list(['SANTOS', 'REYES', 'CRUZ', 'BAUTISTA', 'GARCIA', 'MENDOZA'], ['JOSE', 'RONALDO', 'MARK', 'RODEL'], ['MARICEL', 'JOCELYN', 'ROWENA', 'LIZA']),
    },
    2,
  ],
  [
    {
      key: 'IN', citizenship: '330', belfiore: 'Z222',
      names: list(['SINGH', 'KUMAR', 'SHARMA', 'PATEL', 'GILL'], ['GURPREET', 'RAJESH', 'AMIT', 'SUKHWINDER', 'MANPREET'], ['HARPREET', 'SUNITA', 'PRIYA', 'KULWINDER']),
    },
    2,
  ],
  [
    {
      key: 'PE', citizenship: '615', belfiore: 'Z611',
      names: list(['QUISPE', 'FLORES', 'RODRIGUEZ', 'HUAMAN', 'MAMANI', 'TORRES'], ['LUIS', 'CARLOS', 'JORGE', 'MIGUEL'], ['ROSA', 'CARMEN', 'ELIZABETH', 'MILAGROS', 'YESENIA']),
    },
    2,
  ],
  [
    {
      key: 'BR', citizenship: '605', belfiore: 'Z602',
      names: list(['SILVA', 'SOUZA', 'OLIVEIRA', 'PEREIRA', 'LIMA', 'FERREIRA'], ['JOAO', 'LUCAS', 'RAFAEL', 'THIAGO'], ['FERNANDA', 'JULIANA', 'PATRICIA', 'ANA PAULA']),
    },
    1,
  ],
  [
    {
      key: 'TN', citizenship: '460', belfiore: 'Z352',
      names: list(['BEN SALAH', 'TRABELSI', 'GHARBI', 'HAMMAMI', 'JEBALI', 'MEJRI'], ['SAMI', 'NABIL', 'WALID', 'MONCEF', 'FETHI'], ['SONIA', 'AMEL', 'LEILA', 'IMEN']),
    },
    1,
  ],
  [
    {
      key: 'PL', citizenship: '233', belfiore: 'Z127',
      names: list(['NOWAK', 'KOWALSKI', 'WISNIEWSKI', 'WOJCIK', 'KAMINSKI'], ['PIOTR', 'KRZYSZTOF', 'TOMASZ', 'MAREK'], ['ANNA', 'KATARZYNA', 'AGNIESZKA', 'MAGDALENA', 'JOANNA']),
    },
    1,
  ],
  [
    {
      key: 'MD', citizenship: '254', belfiore: 'Z140',
      names: list(['ROTARU', 'CEBAN', 'CIOBANU', 'COJOCARU', 'MORARU'], ['ION', 'SERGIU', 'VICTOR', 'IGOR'], ['NATALIA', 'ANGELA', 'SVETLANA', 'TATIANA', 'VIORICA']),
    },
    1,
  ],
];

/**
 * Belfiore codes of a few large Italian cities, birth places of Italians born
 * outside the province (Firenze, Pistoia, Roma, Milano, Napoli, Palermo, Bologna,
 * Bari, Torino).
 */
export const ITALIAN_CITIES: readonly (readonly [string, number])[] = [
  ['D612', 30],
  ['G713', 15],
  ['H501', 8],
  ['F205', 5],
  ['F839', 14],
  ['G273', 8],
  ['A944', 4],
  ['A662', 6],
  ['L219', 4],
];

/** Street names for simulated residence and seat addresses (generic, not real records). */
export const STREETS: readonly string[] = [
  'Via Roma', 'Via Garibaldi', 'Via Mazzini', 'Via Cavour', 'Via Matteotti', 'Via Bologna',
  'Via Firenze', 'Via Pistoiese', 'Via Galcianese', 'Via Fratelli Cervi', 'Viale della Repubblica',
  'Via Livornese', 'Via del Lavoro', 'Via dei Fossi', 'Via Toscana', 'Via Montalese',
  'Via Roncioni', 'Via Ferrucci', 'Via Pier Cironi', 'Viale Montegrappa', 'Via San Paolo',
  'Via Giuseppe Verdi', 'Via Puccini', 'Via Leonardo da Vinci', 'Via Amerigo Vespucci',
  'Via Marco Polo', 'Via Dante Alighieri', 'Via Petrarca', 'Via Santa Chiara', 'Via del Ferro',
  'Via Ciulli', 'Via Genova', 'Via Torino', 'Via Milano', 'Via Napoli', 'Via Udine',
];
