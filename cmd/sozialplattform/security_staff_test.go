package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/sozialplattform/sozialplattform/internal/account"
	"github.com/sozialplattform/sozialplattform/internal/counselling"
	"github.com/sozialplattform/sozialplattform/internal/testenv"
)

// postPasswordFrom signs in as if from client (X-Forwarded-For from the
// loopback proxy).
func postPasswordFrom(t *testing.T, b *browser, client, email, password string) page {
	t.Helper()
	token := b.get("/de/intern/anmelden").csrf(t)
	form := url.Values{"email": {email}, "password": {password}, "csrf_token": {token}}
	req, _ := http.NewRequest("POST", b.base+"/de/intern/anmelden", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.base)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("X-Forwarded-For", client)
	return b.do(req)
}

// Issue 16, item 4: wrong passwords give the same answers for a known and
// an unknown address; a throttled account is throttled for every browser
// that has not signed in to it before, from any address (guesses from many
// addresses stay bounded), and still opens for its owner on the owner's
// own computer (the device cookie of an earlier sign-in).
func TestStaffSignInNoEnumerationNoLockout(t *testing.T) {
	in := start(t, testConfig(t))
	createStaff(t, in, "berta@example.org", account.Counsellor)
	owner := newBrowser(t, in.base)
	if p := postPasswordFrom(t, owner, "198.51.100.7", "berta@example.org", "a really long password"); p.status != 303 {
		t.Fatalf("first sign-in: %d", p.status)
	}
	statuses := func(email, client string) []int {
		b := newBrowser(t, in.base)
		var out []int
		for range 7 {
			out = append(out, postPasswordFrom(t, b, client, email, "wrong password!").status)
		}
		return out
	}
	known := statuses("berta@example.org", "203.0.113.1")
	unknown := statuses("nobody@example.org", "203.0.113.2")
	if fmtInts(known) != fmtInts(unknown) {
		t.Fatalf("known %v, unknown %v: the answers differ", known, unknown)
	}
	if known[0] != 401 || known[len(known)-1] != 429 {
		t.Fatalf("known %v: want 401 first, throttled (429) at the end", known)
	}
	// The attacker's client stays throttled, and so does any other
	// browser without the device cookie, whatever its address ...
	for _, client := range []string{"203.0.113.1", "192.0.2.99", "2001:db8:77::1"} {
		if p := postPasswordFrom(t, newBrowser(t, in.base), client, "berta@example.org", "a really long password"); p.status != 429 {
			t.Fatalf("right password from %s without the device cookie: %d", client, p.status)
		}
	}
	// ... while the owner's own browser signs in (signed out since, it
	// keeps only the device cookie).
	again := newBrowser(t, in.base)
	u, _ := url.Parse(in.base)
	for _, c := range owner.c.Jar.Cookies(u) {
		if c.Name == "sp_device" {
			again.c.Jar.SetCookies(u, []*http.Cookie{c})
		}
	}
	if p := postPasswordFrom(t, again, "198.51.100.8", "berta@example.org", "a really long password"); p.status != 303 {
		t.Fatalf("owner with the device cookie: %d", p.status)
	}
}

func fmtInts(v []int) string {
	var s []string
	for _, i := range v {
		s = append(s, http.StatusText(i))
	}
	return strings.Join(s, ",")
}

// Issue 16: the invitation form does not tell that an address has an
// account in another organisation.
func TestInviteDoesNotRevealOtherOrganisations(t *testing.T) {
	in := start(t, testConfig(t))
	twoOrganisations(t, in)
	signInOrgStaff(t, in, "admin-b@example.org", account.OrgAdmin, "org-b")
	admin := signInOrgStaff(t, in, "admin-a@example.org", account.OrgAdmin, "org-a")
	team := admin.get("/de/intern/team")
	p := admin.post("/de/intern/team", url.Values{"csrf_token": {team.csrf(t)}, "name": {"Bea"}, "email": {"admin-b@example.org"}, "rolle": {"berater"}})
	if p.status != 303 {
		t.Fatalf("address of another organisation: %d, want the answer for a new address (303)", p.status)
	}
}

// Issue 16, item 7: parallel access requests for one address (on SQLite;
// on PostgreSQL spread over two instances) make no more requests and mails
// than the limit.
func TestAccessRequestLimitParallelHTTP(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		in := start(t, testConfig(t))
		parallelAccessRequests(t, in, in)
	})
	t.Run("postgres", func(t *testing.T) {
		u := testenv.PostgresSchemaURL(t)
		cfgA, cfgB := testConfig(t), testConfig(t)
		cfgA.DatabaseURL, cfgB.DatabaseURL = u, u
		parallelAccessRequests(t, start(t, cfgA), start(t, cfgB))
	})
}

func parallelAccessRequests(t *testing.T, a, b *instance) {
	const n = 12
	type prepared struct {
		b    *browser
		form url.Values
	}
	var ps []prepared
	for i := range n {
		in := a
		if i%2 == 1 {
			in = b
		}
		br := newBrowser(t, in.base)
		token := br.get("/de/beratung/fuer-beratungsstellen").csrf(t)
		ps = append(ps, prepared{br, url.Values{"csrf_token": {token}, "stelle": {"X"}, "traeger": {"Y"}, "name": {"Z"}, "email": {"opfer@example.org"}}})
	}
	start := make(chan struct{})
	statuses := make([]int, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, p := range ps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("POST", p.b.base+"/de/beratung/fuer-beratungsstellen", strings.NewReader(p.form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", p.b.base)
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			<-start
			resp, err := p.b.c.Do(req)
			if err != nil {
				errs[i] = err
				return
			}
			resp.Body.Close()
			statuses[i] = resp.StatusCode
		}()
	}
	close(start)
	wg.Wait()
	ok := 0
	for i, st := range statuses {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		switch st {
		case 200:
			ok++
		case 422:
		default:
			t.Fatalf("statuses %v", statuses)
		}
	}
	mails := 0
	for _, in := range []*instance{a, b} {
		if _, err := in.Queue.Drain(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	caught, err := a.DB.ListCaughtMail(context.Background(), 50)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range caught {
		if strings.Contains(m.Recipients, "opfer@example.org") {
			mails++
		}
	}
	if ok != counselling.MaxRequestsPerAddress || mails != counselling.MaxRequestsPerAddress {
		t.Fatalf("statuses %v, %d mails; want %d accepted and mailed", statuses, mails, counselling.MaxRequestsPerAddress)
	}
}

// TestAccessRequestIsNoMailRelay (found by the security map, as issue 16
// item 3 for barrier reports): the confirmation mail to the typed address
// repeats nothing typed, and one client can send at most
// counselling.MaxRequestsPerClient a day, whatever the addresses.
func TestAccessRequestIsNoMailRelay(t *testing.T) {
	in := start(t, testConfig(t))
	send := func(b *browser, email string) page {
		token := b.get("/de/beratung/fuer-beratungsstellen").csrf(t)
		return b.post("/de/beratung/fuer-beratungsstellen", url.Values{"csrf_token": {token}, "stelle": {"Gewinn! Klicken Sie auf http://phish.example"},
			"traeger": {"Y"}, "name": {"Z"}, "email": {email}})
	}
	b := newBrowser(t, in.base)
	b.forwardedFor = "203.0.113.50"
	for i := range counselling.MaxRequestsPerClient {
		if p := send(b, fmt.Sprintf("ziel%d@example.org", i)); p.status != 200 {
			t.Fatalf("request %d: %d", i+1, p.status)
		}
	}
	p := send(b, "noch-eins@example.org")
	if p.status != 422 {
		t.Fatalf("beyond the client limit: %d", p.status)
	}
	p.mustContain(t, "Von Ihrem Anschluss wurden heute schon viele Zugänge beantragt", `value="noch-eins@example.org"`)
	if n := len(caughtTo(t, in, "noch-eins@example.org")); n != 0 {
		t.Errorf("%d mails beyond the client limit", n)
	}
	mails := caughtTo(t, in, "ziel0@example.org")
	if len(mails) != 1 || strings.Contains(mails[0], "phish.example") || strings.Contains(mails[0], "Gewinn") {
		t.Errorf("the confirmation repeats what was typed: %v", mails)
	}
	other := newBrowser(t, in.base)
	other.forwardedFor = "203.0.113.51"
	if p := send(other, "ziel-x@example.org"); p.status != 200 {
		t.Errorf("another client: %d", p.status)
	}
}
