package bundid_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sozialplattform/sozialplattform/internal/bundid"
	"github.com/sozialplattform/sozialplattform/internal/bundid/testidp"
	"github.com/sozialplattform/sozialplattform/internal/identity"
	"github.com/sozialplattform/sozialplattform/internal/store"
	"github.com/sozialplattform/sozialplattform/internal/testenv"
)

func formRequest(target string, form url.Values) *http.Request {
	req := httptest.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}

func TestSingleLogoutBothWays(t *testing.T) {
	testenv.Both(t, func(t *testing.T, db *store.DB) {
		r := newRig(t, db)
		ctx := context.Background()
		if code, _ := r.acs(t, r.signIn(t, identity.LevelNiedrig, "max")); code != 200 {
			t.Fatal("sign-in")
		}
		nameID, idx := r.lastR.NameID, r.lastR.SessionIndex
		if nameID == "" {
			t.Fatal("no NameID for logout")
		}

		// We sign out: LogoutRequest to the IdP, its LogoutResponse back.
		st, err := r.sp.StartLogout(ctx, nameID, idx)
		if err != nil {
			t.Fatal(err)
		}
		code, body := post(t, st.Destination, url.Values{"SAMLRequest": {st.SAMLRequest}, "RelayState": {"de"}})
		if code != 200 {
			t.Fatalf("IdP logout: %d %s", code, body)
		}
		answer := hidden(body)
		if err := r.sp.FinishLogout(ctx, formRequest(r.srv.URL+"/saml/slo", answer)); err != nil {
			t.Fatalf("logout response refused: %v", err)
		}
		if err := r.sp.FinishLogout(ctx, formRequest(r.srv.URL+"/saml/slo", answer)); !errors.Is(err, bundid.ErrUnknownRequest) {
			t.Fatalf("replayed logout response: %v", err)
		}

		// The IdP signs the person out: we learn whose sessions to end and
		// answer with a signed LogoutResponse.
		_, sr, err := r.idp.LogoutRequestFor(nameID)
		if err != nil {
			t.Fatal(err)
		}
		ans, err := r.sp.HandleLogoutRequest(ctx, formRequest(r.srv.URL+"/saml/slo", url.Values{"SAMLRequest": {sr}}))
		if err != nil {
			t.Fatal(err)
		}
		if ans.NameIDKey != bundid.NameIDKey(nameID) || ans.SAMLResponse == "" || !strings.HasSuffix(ans.Destination, "/testidp/slo") {
			t.Fatalf("%+v", ans)
		}
		if _, err := r.sp.HandleLogoutRequest(ctx, formRequest(r.srv.URL+"/saml/slo", url.Values{"SAMLRequest": {sr}})); !errors.Is(err, bundid.ErrReplay) {
			t.Fatalf("replayed logout request: %v", err)
		}

		// A logout request signed by someone else ends nothing.
		key, cert, _ := bundid.NewKeyPair("impostor", time.Now())
		impostor, _ := testidp.New(r.srv.URL, "/testidp", key, cert)
		spMD, _ := r.sp.Metadata()
		impostor.SetServiceProvider(spMD)
		_, forged, _ := impostor.LogoutRequestFor(nameID)
		if _, err := r.sp.HandleLogoutRequest(ctx, formRequest(r.srv.URL+"/saml/slo", url.Values{"SAMLRequest": {forged}})); !errors.Is(err, bundid.ErrInvalid) {
			t.Fatalf("forged logout request: %v", err)
		}
	})
}
