package server

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// SignIdentity returns the signature a site's backend gives its page for
// the person userID: the lowercase hex HMAC-SHA256 of userID keyed with the
// site secret. The page passes it to analytics.identify and the runtime
// sends it as X-Roost-Signature.
func SignIdentity(secret, userID string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(userID))
	return hex.EncodeToString(mac.Sum(nil))
}

// VerifyIdentity returns nil when signature is SignIdentity(secret,
// userID); EUNAUTHORIZED when it is missing, EFORBIDDEN when it is wrong
// (not hex, or another id's signature). The comparison takes the same time
// whatever the signature.
func VerifyIdentity(secret, userID, signature string) error {
	signature = strings.TrimSpace(signature)
	if signature == "" {
		return Errorf(EUNAUTHORIZED, "missing X-Roost-Signature header: this site requires a signed identity (HMAC-SHA256 of the user id with the site secret, made by the site's backend)")
	}
	got, err := hex.DecodeString(strings.ToLower(signature))
	if err != nil {
		return Errorf(EFORBIDDEN, "X-Roost-Signature is not a hex HMAC-SHA256")
	}
	want, _ := hex.DecodeString(SignIdentity(secret, userID))
	if !hmac.Equal(got, want) {
		return Errorf(EFORBIDDEN, "X-Roost-Signature does not match the user id")
	}
	return nil
}
