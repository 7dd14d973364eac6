"""Certificates as verifiable credentials.

Each certificate version carries an Open Badges 3.0 `OpenBadgeCredential`
(W3C Verifiable Credentials 2.0 data model), signed once with an
`eddsa-rdfc-2022` Data Integrity proof by the portal's `did:web` issuer, and
listed in the portal's Bitstring Status List credentials (revocation and
suspension).

- `jsonld`: the bundled JSON-LD contexts and RDFC-1.0 canonicalisation (pyld);
  nothing is fetched at run time.
- `keys`: the Ed25519 signing key (a file named by the environment), the
  issuer's DID and its DID document with the current and past public keys.
- `proof`: creating and checking the Data Integrity proof.
- `badge`: what a certificate's credential says, and signing it once.
- `status`: the status lists and their credentials.
"""
