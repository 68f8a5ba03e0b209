package bundid_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sozialplattform/sozialplattform/internal/identity"
	"github.com/sozialplattform/sozialplattform/internal/testenv"
)

// BenchmarkSignInRoundTrip: AuthnRequest built and signed → test IdP
// validates it and issues a signed, encrypted assertion → SP decrypts,
// verifies, checks replay and maps the identity; all in-process (handlers
// called directly, SQLite store). Reports the 99th percentile. The baseline
// is a bare handler called the same way in the same run.
func BenchmarkSignInRoundTrip(b *testing.B) {
	db := testenv.SQLite(b)
	r := newRig(b, db)
	idpHandler := r.idp.Handler()
	post := func(h http.Handler, path string, form url.Values) string {
		req := httptest.NewRequest(http.MethodPost, r.srv.URL+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Body.String()
	}
	b.Run("baseline-bare-handler", func(b *testing.B) {
		bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { r.ParseForm(); w.Write([]byte("ok")) })
		for b.Loop() {
			post(bare, "/", url.Values{"a": {"b"}})
		}
	})
	b.Run("sign-in", func(b *testing.B) {
		var times []time.Duration
		for b.Loop() {
			t0 := time.Now()
			rec := httptest.NewRecorder()
			st, err := r.sp.StartSignIn(rec, httptest.NewRequest(http.MethodPost, r.srv.URL+"/de/anmelden", nil), identity.LevelNiedrig, "/de/konto")
			if err != nil {
				b.Fatal(err)
			}
			resp := hidden(post(idpHandler, "/testidp/login", url.Values{"SAMLRequest": {st.SAMLRequest}, "person": {"erika"}}))
			req := httptest.NewRequest(http.MethodPost, r.srv.URL+"/saml/acs", strings.NewReader(resp.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			for _, c := range rec.Result().Cookies() {
				req.AddCookie(c)
			}
			if _, err := r.sp.FinishSignIn(context.Background(), req); err != nil {
				b.Fatal(err)
			}
			times = append(times, time.Since(t0))
		}
		slices.Sort(times)
		b.ReportMetric(float64(times[len(times)*99/100].Microseconds())/1000, "p99-ms")
	})
}
