package standin

import "time"

// Fault injection. op is an operation name ("sendMessage", ...) or "*" for
// any. Injections are used up in the order they were added, those for the
// operation before those for "*". They act after the request was read and
// the caller identified (so Calls counts them), before anything is done,
// except DropAfterNext.

type injection struct {
	fault       *fault
	drop, after bool
	isRaw       bool
	raw         []byte
	status      int
	contentType string
}

type injections struct {
	queue  map[string][]*injection
	delays map[string]time.Duration
}

func (in *injections) add(op string, n int, inj *injection) {
	if in.queue == nil {
		in.queue = map[string][]*injection{}
	}
	for range n {
		in.queue[op] = append(in.queue[op], inj)
	}
}

// take returns the next injection for op (or nil) and its delay. Callers
// hold s.mu.
func (in *injections) take(op string) (*injection, time.Duration) {
	d, ok := in.delays[op]
	if !ok {
		d = in.delays["*"]
	}
	for _, k := range []string{op, "*"} {
		if q := in.queue[k]; len(q) > 0 {
			in.queue[k] = q[1:]
			return q[0], d
		}
	}
	return nil, d
}

// FailNext answers the next n calls of op with an XTAWSTechnicalProblem
// fault (env:Receiver, HTTP 500), which the client sees as temporary.
func (s *Server) FailNext(op string, n int) {
	s.FailNextWith(op, n, "XTAWSTechnicalProblem", false)
}

// FailNextWith answers the next n calls of op with a fault of the given
// XTA kind (e.g. "PermissionDenied", "InvalidMessageID"), as env:Sender
// (HTTP 400) or env:Receiver (HTTP 500).
func (s *Server) FailNextWith(op string, n int, kind string, sender bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inject.add(op, n, &injection{fault: &fault{sender: sender, kind: kind, code: "injected", reason: "injected by the stand-in"}})
}

// DropNext closes the connection for the next n calls of op without doing
// anything or answering.
func (s *Server) DropNext(op string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inject.add(op, n, &injection{drop: true})
}

// DropAfterNext carries out the next n calls of op and then closes the
// connection instead of answering: the sender cannot know it worked.
func (s *Server) DropAfterNext(op string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inject.add(op, n, &injection{drop: true, after: true})
}

// RespondNext answers the next call of op with exactly this status,
// content type and body (for malformed or hostile answers).
func (s *Server) RespondNext(op string, status int, contentType string, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inject.add(op, 1, &injection{isRaw: true, raw: append([]byte(nil), body...), status: status, contentType: contentType})
}

// SetDelay delays every call of op by d before it is handled (0 ends it).
func (s *Server) SetDelay(op string, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.inject.delays == nil {
		s.inject.delays = map[string]time.Duration{}
	}
	if d <= 0 {
		delete(s.inject.delays, op)
		return
	}
	s.inject.delays[op] = d
}
