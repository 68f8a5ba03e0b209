package xsozial

import _ "embed"

//go:embed antrag.xsd
var schema []byte

// Schema returns our XSD of the application file, for tests and for the
// receiving office's tooling. It is not the XSozial-basis schema.
func Schema() []byte {
	out := make([]byte, len(schema))
	copy(out, schema)
	return out
}
