// Package standin is a local FIT-Connect delivery service (Zustelldienst),
// routing service and receiving office for the embedded default and for
// tests. It speaks the HTTP API of the public FIT-Connect documentation
// (shared/reference/interfaces.md §1), so a client written from those
// documents works against it and against the real service alike. It is
// a test double: it holds the offices' private keys and must never
// receive real applications.
//
// Endpoints (the same under /v2, where a submission names its service
// "publicService" instead of "serviceType" and may carry a "region"):
//
//	POST /token                        OAuth2 client_credentials, client_secret_post
//	                                   → {access_token, token_type:"Bearer", expires_in, scope}
//	GET  /v1/destinations/{id}         (Bearer) → {destinationId, status, destinationName,
//	                                   encryptionKid, publicKeys:{keys:[JWK]}, services:[{identifier,
//	                                   submissionSchemas:[{schemaUri, mimeType}], regions}], metadataVersions}
//	GET  /v1/destinations/{id}/keys/{kid}
//	                                   (Bearer) → JWK: RSA, use enc, alg RSA-OAEP-256 (or the
//	                                   office's signature key: use sig, alg PS512), x5c leaf,
//	                                   intermediate, root (RootCA, GET /test/ca.pem)
//	POST /v1/submissions               (Bearer) {destinationId, announcedAttachments:[uuid],
//	                                   serviceType:{name, identifier}} → 201 {destinationId, submissionId, caseId}
//	PUT  /v1/submissions/{sid}/attachments/{aid}
//	                                   (Bearer) compact JWE, Content-Type application/jose → 204
//	PUT  /v1/submissions/{sid}         (Bearer) {encryptedMetadata, encryptedData}
//	                                   → 202 {destinationId, submissionId, caseId}
//	GET  /v1/submissions/{sid}         (Bearer) → {submissionId, caseId, destinationId, status,
//	                                   serviceType, announcedAttachments, uploadedAttachments, createdAt, submittedAt}
//	GET  /v1/cases/{caseId}/events     (Bearer) → {eventLog:[SET…]}
//	GET  /.well-known/jwks.json        the delivery service's SET keys {keys:[JWK]}
//	GET  /v1/routes?leikaKey=&ars=     (User-Agent required) → {count, offset, totalCount,
//	                                   routes:[{destinationId, destinationSignature, destinationName,
//	                                   destinationParameters:{encryptionKid, metadataVersions,
//	                                   publicKeys, status, submissionSchemas, submissionUrl}}]}
//	GET  /v1/routing-jwks.json         the key of the destinationSignatures {keys:[JWK]}
//	GET  /test/ca.pem                  the test root CA
//	GET  /test/destinations[/{id}/submissions]
//	                                   small HTML pages (JSON with Accept: application/json)
//
// Errors are RFC 9457 problems (application/problem+json) whose type
// starts with ProblemTypePrefix; the token endpoint answers RFC 6749
// errors. What the stand-in refuses: no or bad token 401; unknown
// destination, submission or case 404 (another sender's too); body IDs
// that are no UUIDs, unknown or inactive destinations, services the
// destination does not offer, unannounced attachments, bodies that are
// no compact JWE or whose header is not alg RSA-OAEP-256, enc A256GCM
// and the destination's encryptionKid, and a submit before every
// announced attachment is there 422; a path ID that is no UUID 400; a
// changed upload after submitting 409; bodies over the limits 413; the
// routing API without User-Agent 403. Repeating an upload or a submit
// with the same content is answered as the first time.
//
// Events are Security Event Tokens (typ secevent+jwt, alg PS512, kid)
// with iss, iat, jti, sub "submission:<id>", txn "case:<id>", $schema
// SETPayloadSchema and events: create-submission {} when created,
// submit-submission {authenticationTags:{metadata, data,
// attachments:{id:tag}}} (the last part of each JWE) when submitted,
// both signed by the delivery service's key; accept-submission and
// reject-submission (Server.Accept, Server.Reject) are signed by the
// destination's own signature key with iss = destinationId.
package standin
