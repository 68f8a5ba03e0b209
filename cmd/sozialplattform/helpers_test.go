package main

import (
	"net/http"
	"net/url"
)

func newRequest(method, u string) (*http.Request, error) { return http.NewRequest(method, u, nil) }

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

func sessionCookie(cs []*http.Cookie) string {
	for _, c := range cs {
		if c.Name == "sp_session" {
			return c.Value
		}
	}
	return ""
}

func url2Values(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}
