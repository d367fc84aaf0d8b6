package core

import (
	"net/http"
	"strings"
)

// formError is the error of parsing a POST form, which PostFormValue
// drops: a body over its limit, for instance.
func formError(r *http.Request) error {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		return r.ParseMultipartForm(32 << 20)
	}
	return r.ParseForm()
}
