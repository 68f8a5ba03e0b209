package standin

import (
	"fmt"
	"io"
	"net/http"
	"path"
	"strings"
	"time"
)

// Fault injection, for the client's tests of what goes wrong.

type faultRule struct {
	method  string // "" for any
	pattern string // path.Match pattern
	status  int    // 0: drop the connection
	left    int
	after   bool   // answer after the request was processed
	hook    func() // AfterNext: the answer is real, then this runs
}

// FailNext answers the next n requests that match with status, without
// processing them. The pattern is a path in path.Match syntax, optionally
// preceded by a method: "/token", "PUT /v1/submissions/*/attachments/*",
// "POST /v*/submissions". Status 0 closes the connection without an
// answer. n <= 0 removes the pattern's rules. Rules are tried in the order
// they were added; each request consumes at most one.
func (s *Server) FailNext(pattern string, status int, n int) {
	s.addFault(pattern, status, n, false)
}

// FailNextAfter is FailNext, except that the requests are processed
// first and only their answers are replaced: the sender sees an error for
// something that happened (a lost answer), which is what retries must
// survive without duplicates.
func (s *Server) FailNextAfter(pattern string, status int, n int) {
	s.addFault(pattern, status, n, true)
}

// AfterNext runs fn once, right after the next request that matches
// pattern (as in FailNext) was processed and its real answer sent: for
// tests that stop the sender between two steps (e.g. kill its process).
func (s *Server) AfterNext(pattern string, fn func()) {
	s.addFault(pattern, 0, 1, true)
	s.fmu.Lock()
	s.faults[len(s.faults)-1].hook = fn
	s.fmu.Unlock()
}

func (s *Server) addFault(pattern string, status, n int, after bool) {
	method, p := "", pattern
	if m, rest, ok := strings.Cut(pattern, " "); ok && m != "" && strings.ToUpper(m) == m && !strings.HasPrefix(m, "/") {
		method, p = m, strings.TrimSpace(rest)
	}
	s.fmu.Lock()
	defer s.fmu.Unlock()
	if n <= 0 {
		kept := s.faults[:0]
		for _, f := range s.faults {
			if f.method != method || f.pattern != p {
				kept = append(kept, f)
			}
		}
		s.faults = kept
		return
	}
	s.faults = append(s.faults, &faultRule{method: method, pattern: p, status: status, left: n, after: after})
}

// ClearFaults removes every fault rule, the delay and the tamper switches.
func (s *Server) ClearFaults() {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	s.faults, s.delay = nil, 0
	s.wrongSET, s.unchained, s.breakRoutingSig = false, false, false
}

func (s *Server) takeFault(r *http.Request, after bool) *faultRule {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	for i, f := range s.faults {
		if f.after != after || (f.method != "" && f.method != r.Method) {
			continue
		}
		if ok, err := path.Match(f.pattern, r.URL.Path); err != nil || !ok {
			continue
		}
		f.left--
		if f.left <= 0 {
			s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
		}
		return f
	}
	return nil
}

func (s *Server) answerFault(w http.ResponseWriter, r *http.Request, f *faultRule) {
	if f.status == 0 {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler) // HTTP/2 or a recorder: abort the stream
	}
	if !f.after {
		// Read what the client sends, so that it sees our answer rather
		// than a reset while it is still writing.
		_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, s.maxAttach))
	}
	writeProblem(w, f.status, "injected-fault", fmt.Sprintf("fault injected by the stand-in for %s %s", r.Method, r.URL.Path))
}

// Delay holds every request for d before answering it (0: no delay).
func (s *Server) Delay(d time.Duration) {
	s.fmu.Lock()
	s.delay = d
	s.fmu.Unlock()
}

// SignSETsWithWrongKey makes GET /v1/cases/{id}/events serve every event
// signed by a key that is not in /.well-known/jwks.json (under the right
// kid): a client must refuse them.
func (s *Server) SignSETsWithWrongKey(on bool) {
	if on {
		_, _ = s.getWrongSETKey() // generate now rather than in a request
	}
	s.fmu.Lock()
	s.wrongSET = on
	s.fmu.Unlock()
}

// ServeKeyNotChainedToRoot makes every destination's encryption key come
// with an x5c chain issued by another CA than RootCA: a client must
// refuse the key.
func (s *Server) ServeKeyNotChainedToRoot(on bool) {
	if on {
		_, _, _ = s.getOtherRoot()
	}
	s.fmu.Lock()
	s.unchained = on
	s.fmu.Unlock()
}

// BreakRoutingSignature makes the routing service serve
// destinationSignatures whose payload was changed after signing: a client
// must refuse the route.
func (s *Server) BreakRoutingSignature(on bool) {
	s.fmu.Lock()
	s.breakRoutingSig = on
	s.fmu.Unlock()
}

// discardWriter swallows the answer of a request whose answer a
// FailNextAfter rule replaces.
type discardWriter struct{ h http.Header }

func newDiscardWriter() *discardWriter               { return &discardWriter{h: http.Header{}} }
func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d *discardWriter) WriteHeader(int)             {}
