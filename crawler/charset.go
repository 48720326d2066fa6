package crawler

import (
	"bytes"
	"mime"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
)

var utf8BOM = []byte("\xEF\xBB\xBF")

// toUTF8 turns a response body into valid UTF-8 and names the encoding it
// was read as. The order is the HTML one (BOM, then the Content-Type
// charset, then <meta>), with two corrections to x/net/html/charset's
// guess: JSON is always UTF-8 (RFC 8259), and a body with no declared
// charset that is valid UTF-8 as a whole is UTF-8 (charset only looks at
// the first 1024 bytes and otherwise guesses windows-1252). Bytes that are
// not valid in the chosen encoding become U+FFFD.
func toUTF8(body []byte, contentType string) ([]byte, string) {
	mediaType, _, _ := mime.ParseMediaType(contentType)
	if strings.HasSuffix(mediaType, "/json") || strings.HasSuffix(mediaType, "+json") {
		return validUTF8(bytes.TrimPrefix(body, utf8BOM)), "utf-8"
	}
	enc, name, certain := charset.DetermineEncoding(body, contentType)
	if name == "utf-8" || (!certain && name == "windows-1252" && utf8.Valid(body)) {
		return validUTF8(bytes.TrimPrefix(body, utf8BOM)), "utf-8"
	}
	out, err := enc.NewDecoder().Bytes(body)
	if err != nil {
		return validUTF8(body), "utf-8"
	}
	return validUTF8(bytes.TrimPrefix(out, utf8BOM)), name
}

func validUTF8(b []byte) []byte {
	if utf8.Valid(b) {
		return b
	}
	return bytes.ToValidUTF8(b, []byte("\uFFFD"))
}
