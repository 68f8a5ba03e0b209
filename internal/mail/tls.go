package mail

import "crypto/tls"

func insecureTLS(host string) *tls.Config {
	return &tls.Config{ServerName: host, InsecureSkipVerify: true, MinVersion: tls.VersionTLS12} //nolint:gosec // tests only, see SMTP.InsecureSkipVerify
}
