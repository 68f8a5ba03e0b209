// Independent checks of what the Go FIT-Connect client (internal/fitconnect)
// produces, run by its tests. Test-only; never shipped.
//
//   node check.mjs decrypt KEY.jwk.json JWE.txt
//       Decrypts a compact JWE with jose's compactDecrypt, allowing only
//       RSA-OAEP-256 and A256GCM. Writes the plaintext to stdout and the
//       protected header as one line of JSON to stderr.
//
//   node check.mjs validate SCHEMA.json DOCUMENT.json
//       Validates a JSON document against a JSON Schema with Ajv in
//       2020-12 mode (strict). Prints "valid", or the errors and exits 1.

import { readFileSync } from 'node:fs';
import { compactDecrypt, importJWK } from 'jose';
import Ajv2020 from 'ajv/dist/2020.js';

const [cmd, first, second] = process.argv.slice(2);

if (cmd === 'decrypt' && first && second) {
  const jwk = JSON.parse(readFileSync(first, 'utf8'));
  const key = await importJWK(jwk, 'RSA-OAEP-256');
  const jwe = readFileSync(second, 'utf8').trim();
  const { plaintext, protectedHeader } = await compactDecrypt(jwe, key, {
    keyManagementAlgorithms: ['RSA-OAEP-256'],
    contentEncryptionAlgorithms: ['A256GCM'],
  });
  process.stderr.write(JSON.stringify(protectedHeader) + '\n');
  process.stdout.write(plaintext);
} else if (cmd === 'validate' && first && second) {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  const validate = ajv.compile(JSON.parse(readFileSync(first, 'utf8')));
  const doc = JSON.parse(readFileSync(second, 'utf8'));
  if (validate(doc)) {
    console.log('valid');
  } else {
    console.error(JSON.stringify(validate.errors, null, 2));
    process.exitCode = 1;
  }
} else {
  console.error('usage: node check.mjs decrypt KEY.jwk.json JWE.txt | validate SCHEMA.json DOCUMENT.json');
  process.exitCode = 2;
}
