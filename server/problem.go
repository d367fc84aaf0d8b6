package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/modelfile"
)

// problem is an RFC 9457 problem detail, the body of every API error.
type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
	// Errors lists the problems of a model, each with its place.
	Errors []modelfile.Error `json:"errors,omitempty"`
	// header is set on the response (Retry-After, Allow).
	header http.Header
}

func (p *problem) Error() string { return fmt.Sprintf("%d %s: %s", p.Status, p.Title, p.Detail) }

// fail makes a problem of a status with a detail.
func fail(status int, format string, a ...any) *problem {
	return &problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: fmt.Sprintf(format, a...)}
}

// invalid is a model with errors: 422 with every error and its place.
func invalid(errs modelfile.Errors) *problem {
	p := fail(http.StatusUnprocessableEntity, "the model has %d problem(s)", len(errs))
	p.Type = "https://ward.example/problems/invalid-model"
	p.Errors = errs
	return p
}

// asProblem maps an error to the problem sent: domain errors to their
// status; anything else is a 500 whose detail is not shown (it is logged).
func asProblem(err error) (*problem, bool) {
	var p *problem
	var mb *http.MaxBytesError
	var ne net.Error
	switch {
	case errors.As(err, &p):
		return p, true
	case errors.Is(err, ward.ErrNotFound):
		return fail(http.StatusNotFound, "%s", err.Error()), true
	case errors.Is(err, ward.ErrConflict):
		return fail(http.StatusPreconditionFailed, "%s; read it again and retry", err.Error()), true
	case errors.Is(err, ward.ErrExists):
		return fail(http.StatusConflict, "%s", err.Error()), true
	case errors.As(err, &mb):
		return fail(http.StatusRequestEntityTooLarge, "the body is larger than %d bytes", mb.Limit), true
	case errors.As(err, &ne) && ne.Timeout():
		return fail(http.StatusRequestTimeout, "the body did not arrive in time"), true
	}
	if errs, ok := modelfile.AsErrors(err); ok {
		return invalid(errs), true
	}
	return fail(http.StatusInternalServerError, "the server could not complete the request; the error is logged"), false
}

func writeProblem(w http.ResponseWriter, p *problem) {
	for k, v := range p.header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	json.NewEncoder(w).Encode(p)
}

// writeJSON sends a value as compact JSON, in one write.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeProblem(w, fail(http.StatusInternalServerError, "the answer could not be encoded"))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}
