package server

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/roostmsg/roost/inbox"
)

// IdentityTokenPrefix starts an identity token ("v1.<exp>.<hmac>"), the
// form of a signature that expires.
const IdentityTokenPrefix = "v1."

// MaxIdentityTokenAhead is how far past the server's clock a token's
// expiry may be. A later one is refused: it is most likely milliseconds
// written where seconds belong (JavaScript's Date.now()), and a backend
// that wants an identity that never expires has the plain signature.
const MaxIdentityTokenAhead = 400 * 24 * time.Hour

// MsgIdentityExpired starts the message of a refused token whose expiry
// has passed; it is inbox.MsgIdentityExpired, the text the runtime reads.
const MsgIdentityExpired = inbox.MsgIdentityExpired

// IdentityExpired reports whether err is VerifyIdentity's refusal of a
// token whose expiry has passed: one the site's backend made, not a guess.
func IdentityExpired(err error) bool {
	return ErrorCode(err) == EFORBIDDEN && strings.HasPrefix(ErrorMessage(err), MsgIdentityExpired)
}

// SignIdentity returns the signature a site's backend gives its page for
// the person userID: the lowercase hex HMAC-SHA256 of userID keyed with the
// site secret. The page passes it to analytics.identify and the runtime
// sends it as X-Roost-Signature. It never expires; SignIdentityToken
// makes one that does.
func SignIdentity(secret, userID string) string {
	return hexHMAC(secret, userID)
}

// SignIdentityToken returns an identity token for userID that the server
// accepts until exp (to the second, by its clock): "v1.<exp>.<hmac>", exp
// in unix seconds and hmac the lowercase hex HMAC-SHA256, keyed with the
// site secret, of "v1.<exp>.<userID>". The page passes it where it would
// pass a signature.
func SignIdentityToken(secret, userID string, exp time.Time) string {
	e := strconv.FormatInt(exp.Unix(), 10)
	return IdentityTokenPrefix + e + "." + hexHMAC(secret, IdentityTokenPrefix+e+"."+userID)
}

// hexHMAC returns the lowercase hex HMAC-SHA256 of msg keyed with secret.
func hexHMAC(secret, msg string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(msg))
	return hex.EncodeToString(mac.Sum(nil))
}

// VerifyIdentity returns nil when signature is SignIdentity(secret,
// userID), or SignIdentityToken(secret, userID, exp) with now before exp
// and exp at most MaxIdentityTokenAhead after now. It returns
// EUNAUTHORIZED when the signature is missing, EFORBIDDEN when it is
// wrong (not hex, not a token, another id's signature) or an expired token
// (its message starting with MsgIdentityExpired). The hex may be in either
// case; the comparison takes the same time whatever the signature.
func VerifyIdentity(secret, userID, signature string, now time.Time) error {
	signature = strings.TrimSpace(signature)
	if signature == "" {
		return Errorf(EUNAUTHORIZED, "missing X-Roost-Signature header: this site requires a signed identity (HMAC-SHA256 of the user id with the site secret, or an identity token, made by the site's backend)")
	}
	if rest, ok := strings.CutPrefix(signature, IdentityTokenPrefix); ok {
		return verifyToken(secret, userID, rest, now)
	}
	if _, err := hex.DecodeString(signature); err != nil {
		return Errorf(EFORBIDDEN, `X-Roost-Signature is not a hex HMAC-SHA256 nor an identity token ("v1.<exp>.<hmac>")`)
	}
	if !sameHMAC(signature, hexHMAC(secret, userID)) {
		return Errorf(EFORBIDDEN, "X-Roost-Signature does not match the user id")
	}
	return nil
}

// verifyToken checks "<exp>.<hmac>", the part of a token after its prefix.
func verifyToken(secret, userID, rest string, now time.Time) error {
	e, mac, ok := strings.Cut(rest, ".")
	exp, err := strconv.ParseInt(e, 10, 64)
	if !ok || err != nil || !canonicalDecimal(e) {
		return Errorf(EFORBIDDEN, `X-Roost-Signature is not an identity token: write it as "v1.<expiry in unix seconds>.<hex HMAC-SHA256>"`)
	}
	if !sameHMAC(mac, hexHMAC(secret, IdentityTokenPrefix+e+"."+userID)) {
		return Errorf(EFORBIDDEN, "X-Roost-Signature (an identity token) does not match the user id")
	}
	switch at := time.Unix(exp, 0); {
	case !now.Before(at):
		return Errorf(EFORBIDDEN, "%s at %s (server time %s): ask the site's backend for a fresh one",
			MsgIdentityExpired, at.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	case at.Sub(now) > MaxIdentityTokenAhead:
		return Errorf(EFORBIDDEN, "the identity token's expiry %d is more than %d days ahead: write it in unix seconds, not milliseconds; a signature that never expires is the plain HMAC of the user id",
			exp, int(MaxIdentityTokenAhead/(24*time.Hour)))
	}
	return nil
}

// canonicalDecimal reports whether s is digits without a sign or leading
// zeros ("0" itself excepted): the one way to write a token's expiry, so
// that the signed text and the parsed number agree.
func canonicalDecimal(s string) bool {
	return IsDigits(s) && (s == "0" || s[0] != '0')
}

// sameHMAC reports, in time independent of got, whether got is the hex
// HMAC want (lowercase), read in either case.
func sameHMAC(got, want string) bool {
	g, err := hex.DecodeString(strings.ToLower(got))
	if err != nil {
		g = nil // not hex: compared anyway, and unequal
	}
	w, _ := hex.DecodeString(want)
	return hmac.Equal(g, w)
}
