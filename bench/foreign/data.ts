// The data of the foreign benchmark's four subgraphs, generated in memory, the same on every
// run: six users, nine products with their stock, eleven reviews. The shape follows the public
// federation gateway benchmark (graphql-hive/graphql-gateways-benchmark, federation/subgraphs/
// {accounts,inventory,products,reviews}/subgraph.rs): the same ids and keys, the same prices,
// weights, stock flags and review-to-product links, review bodies of the same lengths (their
// size is most of the response). Two things differ on purpose: the users' names and usernames
// are generated (the original lists real people), and the bodies are generated filler text of
// the original lengths.

export interface User {
  id: string;
  name: string;
  username: string;
  birthday: number;
}

export interface Product {
  upc: string;
  name: string;
  price: number;
  weight: number;
}

export interface Stock {
  upc: string;
  inStock: boolean;
}

export interface Review {
  id: string;
  body: string;
  productUpc: string;
}

const WORDS = (
  'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut ' +
  'labore et dolore magna aliqua enim ad minim veniam quis nostrud exercitation ullamco laboris ' +
  'nisi aliquip ex ea commodo consequat'
).split(' ');

/** Filler text of exactly `length` characters, the same for the same seed. */
function fillerText(length: number, seed: number): string {
  let text = '';
  for (let i = 0; text.length < length; i += 1) {
    const word = WORDS[(seed * 7 + i * 3) % WORDS.length] ?? 'lorem';
    text += text === '' ? word[0]?.toUpperCase() + word.slice(1) : ` ${word}`;
  }
  return `${text.slice(0, length - 1)}.`;
}

/** The original's constant birthday, a Unix time in seconds. */
const BIRTHDAY = 1_234_567_890;

export const USERS: readonly User[] = Object.freeze(
  Array.from({ length: 6 }, (_, i) =>
    Object.freeze({
      id: String(i + 1),
      name: `User ${i + 1}`,
      username: `user${i + 1}`,
      birthday: BIRTHDAY,
    }),
  ),
);

/** upc, name, price, weight, in stock: as the benchmark's products and inventory list them. */
const CATALOGUE: readonly [string, string, number, number, boolean][] = [
  ['1', 'Table', 899, 100, true],
  ['2', 'Couch', 1299, 1000, false],
  ['3', 'Glass', 15, 20, false],
  ['4', 'Chair', 499, 100, false],
  ['5', 'TV', 1299, 1000, true],
  ['6', 'Lamp', 6999, 300, true],
  ['7', 'Grill', 3999, 2000, true],
  ['8', 'Fridge', 100000, 6000, false],
  ['9', 'Sofa', 9999, 800, true],
];

export const PRODUCTS: readonly Product[] = Object.freeze(
  CATALOGUE.map(([upc, name, price, weight]) => Object.freeze({ upc, name, price, weight })),
);

export const STOCK: readonly Stock[] = Object.freeze(
  CATALOGUE.map(([upc, , , , inStock]) => Object.freeze({ upc, inStock })),
);

/** Product of each review and its body's length, in the benchmark's order. */
const REVIEWED: readonly [string, number][] = [
  ['1', 445],
  ['1', 289],
  ['1', 275],
  ['1', 143],
  ['2', 445],
  ['2', 289],
  ['2', 275],
  ['2', 143],
  ['3', 143],
  ['4', 143],
  ['4', 844],
];

export const REVIEWS: readonly Review[] = Object.freeze(
  REVIEWED.map(([productUpc, length], i) =>
    // Seeded by the length: reviews whose bodies had one length had one text in the original.
    Object.freeze({ id: String(i + 1), body: fillerText(length, length), productUpc }),
  ),
);
