// Package xsozial writes a submitted application as an XML file in the
// manner of XSozial-basis, the XÖV standard for social-services
// applications, and ships the XML Schema (XSD) of that file.
//
// # What this is, and what it is not
//
// The official XSozial-basis XSD is published on XRepository and is not in
// this repository, so we cannot test against it; this package makes no claim
// of conformance we have not tested. The file is in our own namespace,
// urn:sozialplattform:xsozial-antrag:1 (Namespace), never in the official
// XSozial one: a receiving system must not take it for an XSozial-basis
// message. We chose a URN because it names the format without pretending to
// be an address anyone can fetch, put our project's name first so it cannot
// collide with a namespace of XÖV or a public body, and end it with the major
// version, as XÖV namespaces carry their version: an incompatible change
// gets ":2". The schema is ours too (antrag.xsd, Schema) and describes exactly
// what Encode emits; the tests validate every generated file against it with
// xmllint, an implementation independent of this package.
//
// What follows XÖV conventions (as far as we know them without the official
// schema):
//
//   - A message is a root element with a header, then the content:
//     antragsnachricht / nachrichtenkopf (nachrichtenID, a UUID;
//     erstellungszeitpunkt; autor and leser, each identified by a
//     behoerdenkennung-like pair of directory and key, the reader with the
//     12-digit Amtlicher Regionalschlüssel of the receiving office), then
//     antrag, the fachlicher Inhalt.
//   - Code values are typed like the XÖV code type: an element with the
//     attributes listURI and listVersionID and the children code and name.
//     The code lists of our forms are our own and say so: their URN is
//     urn:sozialplattform:codeliste:<form>:<list>, their version that of the
//     form definition that defines them. That includes nationality: the form
//     asks "deutsch / EU / andere / staatenlos", which is no official list, so
//     it is not sent under the URN of the Destatis nationality key.
//   - Full dates are xs:date; a date whose day or month is unknown (typed as
//     "00.08.1964") is an xs:gYearMonth ("1964-08") or xs:gYear ("1964"), the
//     union DatumTeilbekannt, so that every value has a built-in XSD type and
//     an impossible date fails validation.
//   - Money is a decimal amount in euros with exactly two decimals and the
//     attribute waehrung="EUR" ("612.40"), written from the form's integer
//     cents by string operations, never through a float.
//   - The service is named by its LeiKa ID as a URN,
//     urn:de:fim:leika:leistung:<14 digits>.
//
// # The two parts of antrag
//
// angaben is generic and driven by the form definition, so every form works:
// every visible, valid answer, chapter by chapter in the order of the form,
// with its path, its FIM id where the definition gives one, its German label
// and its value typed by the field's kind. Before it, a form may have a
// typed part with named elements for the facts an office works with; for
// Hilfe zum Lebensunterhalt that is hilfeZumLebensunterhalt (map_hzl.go).
// anlagen lists the uploaded proofs with size and SHA-256; the files travel
// beside the XML.
//
// # Replacing our schema with the official one
//
// The mapping lives in one place: the types in xml.go are the vocabulary,
// encode.go maps any definition's answers into it and map_hzl.go holds the
// HzL table. Once the XSozial-basis XSD is vendored, these three files change
// (and antrag.xsd goes); callers keep calling Encode.
package xsozial
