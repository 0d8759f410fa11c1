// The postal address co and IDOL both write (`{indirizzo, comune, cap}`), and the
// resolvers of the @shareable Address type that the workers and employers schemas serve.

export interface Address {
  street: string;
  /** ISTAT code of the comune. */
  comuneCode: string;
  postalCode: string;
}

export const addressResolvers = {
  // A reference only: the desks subgraph owns comuni and resolves it.
  comune: (address: Address) => ({ istatCode: address.comuneCode }),
};
